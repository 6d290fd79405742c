// The plain transport: connections from either end, and its session (bytes as they arrive,
// decoded into whole TF messages and XSIME frames).
#include "harness/plain_connection.hpp"

#include "protocol/tf_framing.hpp"

namespace xsime::harness {

std::variant<std::unique_ptr<PlainConnection>, TransportError>
PlainConnection::connect(const std::string& host, std::uint16_t port, Deadline timeout) {
    auto stream = SocketStream::connect(host, port, timeout);
    if (auto* error = std::get_if<TransportError>(&stream)) {
        return *error;
    }
    return std::unique_ptr<PlainConnection>(
        new PlainConnection(std::move(std::get<std::unique_ptr<SocketStream>>(stream)),
                            protocol::Direction::to_client));
}

std::unique_ptr<PlainConnection> PlainConnection::adopt(std::unique_ptr<SocketStream> stream) {
    return std::unique_ptr<PlainConnection>(
        new PlainConnection(std::move(stream), protocol::Direction::to_server));
}

protocol::TfDecodeResult PlainSession::next_tf_message() {
    auto step = protocol::decode_tf_message(received_.view());
    if (std::holds_alternative<std::string>(step.result)) {
        received_.consume(step.consumed);
    }
    return std::move(step.result);
}

protocol::DecodeResult PlainSession::next_frame() {
    auto step = protocol::decode_frame(received_.view(), reads_);
    received_.consume(step.consumed);
    return std::move(step.result);
}

std::variant<std::unique_ptr<Connection>, TransportError>
PlainTransport::connect(Deadline timeout) {
    auto result = PlainConnection::connect(host_, port_, timeout);
    if (auto* error = std::get_if<TransportError>(&result)) {
        return *error;
    }
    return std::unique_ptr<Connection>(
        std::move(std::get<std::unique_ptr<PlainConnection>>(result)));
}

std::string PlainTransport::describe() const {
    return "plain " + host_ + ":" + std::to_string(port_);
}

} // namespace xsime::harness
