// The plain transport: TF framing over TCP without the handshake or the session cipher, from
// either end (the harness as the client, or as the server a client under test connects to).
#pragma once

#include "harness/socket_stream.hpp"
#include "harness/stream_connection.hpp"
#include "harness/transport.hpp"
#include "protocol/byte_queue.hpp"
#include "protocol/stream_decoder.hpp"
#include "protocol/tf_framing.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::harness {

// The plain transport's wire session (a WireSession): bytes go out as they are, and what
// arrives is decoded as it is.
class PlainSession {
public:
    // `reads`: whose frames next_frame() decodes (to_client when the harness is the client).
    explicit PlainSession(protocol::Direction reads) : reads_(reads) {}

    std::string_view pack(std::string_view plain) const { return plain; }
    void feed(std::string_view wire) { received_.append(wire); }
    protocol::TfDecodeResult next_tf_message();
    protocol::DecodeResult next_frame();
    std::size_t buffered() const { return received_.size(); }

private:
    protocol::Direction reads_;
    protocol::ByteQueue received_;
};

class PlainConnection final : public StreamConnection<PlainSession> {
public:
    // Connects within `timeout`; the host is an IP address or a name.
    static std::variant<std::unique_ptr<PlainConnection>, TransportError>
    connect(const std::string& host, std::uint16_t port, Deadline timeout);
    // A connection the harness accepted as the server: it reads the client's frames.
    static std::unique_ptr<PlainConnection> adopt(std::unique_ptr<SocketStream> stream);

private:
    PlainConnection(std::unique_ptr<SocketStream> stream, protocol::Direction reads)
        : StreamConnection(std::move(stream), PlainSession(reads)) {}
};

// The plain transport: TCP to HOST:PORT, no handshake, no cipher.
class PlainTransport final : public Transport {
public:
    PlainTransport(std::string host, std::uint16_t port) : host_(std::move(host)), port_(port) {}
    std::variant<std::unique_ptr<Connection>, TransportError> connect(Deadline timeout) override;
    std::string describe() const override;

private:
    std::string host_;
    std::uint16_t port_;
};

} // namespace xsime::harness
