// The plain transport's reads: whole TF messages and XSIME frames from a SocketStream.
#include "harness/plain_connection.hpp"

#include "protocol/tf_framing.hpp"

namespace xsime::harness {

using steady = std::chrono::steady_clock;

std::variant<std::unique_ptr<PlainConnection>, TransportError>
PlainConnection::connect(const std::string& host, std::uint16_t port, Deadline timeout) {
    auto stream = SocketStream::connect(host, port, timeout);
    if (auto* error = std::get_if<TransportError>(&stream)) {
        return *error;
    }
    return std::unique_ptr<PlainConnection>(
        new PlainConnection(std::move(std::get<std::unique_ptr<SocketStream>>(stream))));
}

std::variant<std::monostate, TransportError> PlainConnection::send(std::string_view bytes,
                                                                   Deadline timeout) {
    return stream_->write(bytes, timeout);
}

std::variant<std::string, TransportError> PlainConnection::receive_tf(Deadline timeout) {
    const auto deadline = steady::now() + timeout;
    while (true) {
        auto step = protocol::decode_tf_message(received_.view());
        if (auto* body = std::get_if<std::string>(&step.result)) {
            received_.consume(step.consumed);
            return std::move(*body);
        }
        if (auto* error = std::get_if<protocol::TfError>(&step.result)) {
            return TransportError{TransportError::Kind::other, error->reason};
        }
        auto more = stream_->read_some(received_, deadline);
        if (auto* error = std::get_if<TransportError>(&more)) {
            return *error;
        }
    }
}

std::variant<protocol::Frame, protocol::ProtocolError, TransportError>
PlainConnection::receive_frame(Deadline timeout) {
    const auto deadline = steady::now() + timeout;
    while (true) {
        auto step = protocol::decode_frame(received_.view(), protocol::Direction::to_client);
        received_.consume(step.consumed);
        if (auto* frame = std::get_if<protocol::Frame>(&step.result)) {
            return std::move(*frame);
        }
        if (auto* error = std::get_if<protocol::ProtocolError>(&step.result)) {
            return std::move(*error);
        }
        auto more = stream_->read_some(received_, deadline);
        if (auto* error = std::get_if<TransportError>(&more)) {
            return *error;
        }
    }
}

bool PlainConnection::wait_closed(Deadline timeout) {
    if (!received_.empty()) {
        return false;
    }
    auto more = stream_->read_some(received_, steady::now() + timeout);
    const auto* error = std::get_if<TransportError>(&more);
    return error && (error->kind == TransportError::Kind::closed ||
                     error->kind == TransportError::Kind::reset);
}

void PlainConnection::close() {
    stream_->close();
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
