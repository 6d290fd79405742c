// The transport interface: how the runner reaches a target. `plain` (TF framing, no
// handshake; plain_connection.hpp) and `tf` (handshake and session cipher; tf_connection.hpp)
// implement it, and so does the harness as a server that the client under test connects to
// (client_listener.hpp).
#pragma once

#include "protocol/stream_decoder.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::harness {

struct TransportError {
    enum class Kind { timeout, closed, reset, refused, handshake, other };
    Kind kind = Kind::other;
    std::string message;
};

std::string describe(const TransportError& error);

using Deadline = std::chrono::milliseconds;

// One session's connection, past any handshake. Every call is bounded by its timeout.
class Connection {
public:
    virtual ~Connection() = default;

    // Sends `bytes` as one write. Over `tf` the bytes are ciphered in the calls the TF
    // message / XSIME frame structure gives, whatever the caller's split (which only decides
    // the TCP writes, so a split frame tests the peer's reassembly).
    virtual std::variant<std::monostate, TransportError> send(std::string_view bytes,
                                                              Deadline timeout) = 0;
    // The next length-prefixed TF message body.
    virtual std::variant<std::string, TransportError> receive_tf(Deadline timeout) = 0;
    // The next XSIME frame as the peer sends it (a server's, or a client's when the harness
    // plays the server); a protocol error is a value.
    virtual std::variant<protocol::Frame, protocol::ProtocolError, TransportError>
    receive_frame(Deadline timeout) = 0;
    // True when the peer closes (EOF or reset) within `timeout` and sends nothing first;
    // bytes that arrive instead are kept for the next receive, and make it false.
    virtual bool wait_closed(Deadline timeout) = 0;
    // Bytes received and not yet consumed by a receive.
    virtual std::size_t buffered() const = 0;
    virtual void close() = 0;

    // Sends a TF command and returns the reply body.
    std::variant<std::string, TransportError> command(std::string_view text, Deadline timeout);
};

class Transport {
public:
    virtual ~Transport() = default;
    virtual std::variant<std::unique_ptr<Connection>, TransportError> connect(Deadline timeout) = 0;
    // "plain 127.0.0.1:4000"
    virtual std::string describe() const = 0;
};

} // namespace xsime::harness
