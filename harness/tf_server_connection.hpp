// The harness as a TF server: the server side of the handshake on an accepted connection,
// checking the client under test, then the session cipher in both directions.
#pragma once

#include "harness/socket_stream.hpp"
#include "harness/stream_connection.hpp"
#include "harness/transport.hpp"
#include "protocol/tf_server_handshake.hpp"
#include "protocol/tf_session.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::harness {

// Who the harness is as a TF server: what a client under test is given (public key, hash,
// version) and what its handshake is checked with (the private key).
struct TfServerRole {
    std::string private_key_pem;  // RSA-2048 PKCS#8
    std::string public_key_pem;   // its public half, "BEGIN PUBLIC KEY"
    std::string hash;             // the hash string the client must send (step 3)
    std::string protocol_version; // the version the client must send first (step 1)
};

// The established session is protocol::TfSession's (the server side), the same code as the
// harness's client end (tf_connection.hpp): `send` ciphers server→client bytes in the calls a
// TF server makes (a reply's length then its body; a frame's header then its payload), whatever
// the caller's split; `receive_tf` gives the client's next TF command and `receive_frame` its
// next XSIME frame (protocol::Direction::to_server).
class TfServerConnection final : public StreamConnection<protocol::TfSession> {
public:
    // Runs the server side of the handshake on `stream` within `timeout`. A client that sends
    // a wrong version, a key the private key cannot decrypt (or of a size outside 16..214) or
    // a wrong hash is answered `FAILED <reason>`, like the reference server, and the result is
    // a TransportError of kind `handshake` naming the step and quoting what the client sent.
    static std::variant<std::unique_ptr<TfServerConnection>, TransportError>
    accept(std::unique_ptr<SocketStream> stream,
           std::shared_ptr<const protocol::TfServerSettings> settings, Deadline timeout);

private:
    TfServerConnection(std::unique_ptr<SocketStream> stream, protocol::TfSession session)
        : StreamConnection(std::move(stream), std::move(session)) {}
};

} // namespace xsime::harness
