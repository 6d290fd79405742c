// The tf transport: the TF PROTOCOL handshake (version, RSA-OAEP session key, hash), then every
// byte in both directions through the session cipher, cut into the calls real peers make.
#pragma once

#include "harness/socket_stream.hpp"
#include "harness/stream_connection.hpp"
#include "harness/transport.hpp"
#include "protocol/tf_client_handshake.hpp"
#include "protocol/tf_session.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::harness {

// What the handshake needs lives with the handshake (protocol/), shared with the reference client.
using TfSettings = protocol::TfClientSettings;

// The harness as a TF client. The established session is protocol::TfSession's (the client
// side), the same code as the harness's server end (tf_server_connection.hpp): `send` ciphers
// bytes in the calls the TF message / XSIME frame structure gives (see
// protocol::TfCallSplitter) and writes them as one TCP write, so a caller that splits a frame
// across sends tests the peer's reassembly of cipher chunks across segments.
class TfConnection final : public StreamConnection<protocol::TfSession> {
public:
    // Connects and runs the handshake within `timeout`. A refusal or a silence at any step is
    // a TransportError of kind `handshake` naming the step and quoting the server's reply.
    static std::variant<std::unique_ptr<TfConnection>, TransportError>
    connect(const std::string& host, std::uint16_t port, const TfSettings& settings,
            Deadline timeout);

private:
    TfConnection(std::unique_ptr<SocketStream> stream, protocol::TfSession session)
        : StreamConnection(std::move(stream), std::move(session)) {}
};

class TfTransport final : public Transport {
public:
    TfTransport(std::string host, std::uint16_t port, TfSettings settings)
        : host_(std::move(host)), port_(port), settings_(std::move(settings)) {}
    std::variant<std::unique_ptr<Connection>, TransportError> connect(Deadline timeout) override;
    std::string describe() const override;

private:
    std::string host_;
    std::uint16_t port_;
    TfSettings settings_;
};

} // namespace xsime::harness
