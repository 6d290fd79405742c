// The plain transport: TF framing over TCP without the handshake or the session cipher.
#pragma once

#include "harness/socket_stream.hpp"
#include "harness/transport.hpp"
#include "protocol/byte_queue.hpp"

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
    std::variant<std::string, TransportError> receive_tf(Deadline timeout) override;
    std::variant<protocol::Frame, protocol::ProtocolError, TransportError>
    receive_frame(Deadline timeout) override;
    bool wait_closed(Deadline timeout) override;
    void close() override;

    std::size_t buffered() const override { return received_.size(); }

private:
    explicit PlainConnection(std::unique_ptr<SocketStream> stream) : stream_(std::move(stream)) {}

    std::unique_ptr<SocketStream> stream_;
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
