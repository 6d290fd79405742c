// A blocking TCP stream with a deadline on every operation: the byte pipe under every transport.
#pragma once

#include "harness/transport.hpp"
#include "protocol/byte_queue.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::harness {

class SocketStream {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    // Connects within `timeout`; the host is an IP address or a name. Nagle is off, so each
    // write leaves as its own segment when the network allows.
    static std::variant<std::unique_ptr<SocketStream>, TransportError>
    connect(const std::string& host, std::uint16_t port, Deadline timeout);
    // Accepts the next connection on `acceptor` within `timeout`, running the acceptor's
    // io_context meanwhile (nothing else may run it then). Nagle is off, as for connect().
    static std::variant<std::unique_ptr<SocketStream>, TransportError>
    accept(boost::asio::ip::tcp::acceptor& acceptor, Deadline timeout);

    // Writes every byte, as one write, or fails.
    std::variant<std::monostate, TransportError> write(std::string_view bytes, Deadline timeout);
    // The same, by a deadline shared with other operations (a handshake's steps).
    std::variant<std::monostate, TransportError> write(std::string_view bytes, TimePoint deadline);
    // Appends at least one received byte to `into`, or fails (closed, reset, timeout).
    std::variant<std::monostate, TransportError> read_some(protocol::ByteQueue& into,
                                                           TimePoint deadline);
    void close();

private:
    // `peer` names the other end in errors: "the server" when connected, "the client" when
    // accepted.
    explicit SocketStream(std::string_view peer);
    template <typename Op>
    boost::system::error_code run_until(Op&& start, TimePoint deadline, bool& timed_out);

    boost::asio::io_context io_;
    boost::asio::ip::tcp::socket socket_;
    std::string_view peer_;
};

} // namespace xsime::harness
