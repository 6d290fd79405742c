// A blocking client connection to an XSIME server with a deadline on every operation:
// the plain transport (TF framing without handshake or cipher).
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

class PlainConnection final : public Connection {
public:
    // Connects within `timeout`; the host is an IP address or a name.
    static std::variant<std::unique_ptr<PlainConnection>, TransportError>
    connect(const std::string& host, std::uint16_t port, Deadline timeout);

    // Writes every byte or fails.
    std::variant<std::monostate, TransportError> send(std::string_view bytes,
                                                      Deadline timeout) override;
    // The next length-prefixed TF message body.
    std::variant<std::string, TransportError> receive_tf(Deadline timeout) override;
    // The next XSIME frame as a server sends it; a protocol error is returned as a value.
    std::variant<protocol::Frame, protocol::ProtocolError, TransportError>
    receive_frame(Deadline timeout) override;
    // True when the peer closes (EOF or reset) within `timeout` with no further bytes;
    // bytes that arrive instead are kept for the next receive and make it false.
    bool wait_closed(Deadline timeout) override;
    void close() override;

    std::size_t buffered() const override { return received_.size(); }

private:
    PlainConnection();
    // Reads at least one more byte into received_.
    std::variant<std::monostate, TransportError>
    read_more(std::chrono::steady_clock::time_point deadline);
    template <typename Op>
    boost::system::error_code run_until(Op&& start, std::chrono::steady_clock::time_point deadline,
                                        bool& timed_out);

    boost::asio::io_context io_;
    boost::asio::ip::tcp::socket socket_;
    protocol::ByteQueue received_;
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
