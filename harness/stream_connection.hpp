// A Connection over a SocketStream through a wire session (what is sent is packed by the
// session, what arrives is fed to it and decoded there): the receive loops are the same for
// every transport and either role, so they are written once, here. The plain transport's
// session passes bytes as they are (plain_connection.hpp); the tf transport's, as a client and
// as a server, is protocol::TfSession.
#pragma once

#include "harness/socket_stream.hpp"
#include "harness/transport.hpp"
#include "protocol/byte_queue.hpp"
#include "protocol/stream_decoder.hpp"
#include "protocol/tf_framing.hpp"

#include <chrono>
#include <concepts>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace xsime::harness {

// One end of an established session, no I/O: pack() the bytes to write, feed() the bytes
// read, then take the peer's next TF message or XSIME frame (NeedMore until it is whole).
template <typename S>
concept WireSession = requires(S session, const S& done, std::string_view bytes) {
    { session.pack(bytes) } -> std::convertible_to<std::string_view>;
    session.feed(bytes);
    { session.next_tf_message() } -> std::same_as<protocol::TfDecodeResult>;
    { session.next_frame() } -> std::same_as<protocol::DecodeResult>;
    { done.buffered() } -> std::same_as<std::size_t>;
};

template <WireSession Session>
class StreamConnection : public Connection {
public:
    std::variant<std::monostate, TransportError> send(std::string_view bytes,
                                                      Deadline timeout) override {
        return stream_->write(session_.pack(bytes), timeout);
    }
    std::variant<std::string, TransportError> receive_tf(Deadline timeout) override {
        auto result = receive(timeout, [this] { return session_.next_tf_message(); });
        if (auto* message = std::get_if<protocol::TfDecodeResult>(&result)) {
            if (auto* error = std::get_if<protocol::TfError>(message)) {
                return TransportError{TransportError::Kind::other, error->reason};
            }
            return std::move(std::get<std::string>(*message));
        }
        return std::move(std::get<TransportError>(result));
    }
    std::variant<protocol::Frame, protocol::ProtocolError, TransportError>
    receive_frame(Deadline timeout) override {
        auto result = receive(timeout, [this] { return session_.next_frame(); });
        if (auto* decoded = std::get_if<protocol::DecodeResult>(&result)) {
            if (auto* frame = std::get_if<protocol::Frame>(decoded)) {
                return std::move(*frame);
            }
            return std::move(std::get<protocol::ProtocolError>(*decoded));
        }
        return std::move(std::get<TransportError>(result));
    }
    bool wait_closed(Deadline timeout) override {
        if (buffered() > 0) {
            return false;
        }
        auto more = read_more(std::chrono::steady_clock::now() + timeout);
        const auto* error = std::get_if<TransportError>(&more);
        return error && (error->kind == TransportError::Kind::closed ||
                         error->kind == TransportError::Kind::reset);
    }
    void close() override { stream_->close(); }
    std::size_t buffered() const override { return session_.buffered(); }

protected:
    StreamConnection(std::unique_ptr<SocketStream> stream, Session session)
        : stream_(std::move(stream)), session_(std::move(session)) {}

private:
    std::variant<std::monostate, TransportError> read_more(SocketStream::TimePoint deadline) {
        protocol::ByteQueue wire;
        auto more = stream_->read_some(wire, deadline);
        session_.feed(wire.view());
        return more;
    }

    // Decodes with `next` until it gives more than NeedMore, reading until `timeout` passes.
    template <typename Next>
    std::variant<std::invoke_result_t<Next>, TransportError> receive(Deadline timeout, Next next) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            auto result = next();
            if (!std::holds_alternative<protocol::NeedMore>(result)) {
                return result;
            }
            auto more = read_more(deadline);
            if (auto* error = std::get_if<TransportError>(&more)) {
                return std::move(*error);
            }
        }
    }

    std::unique_ptr<SocketStream> stream_;
    Session session_;
};

} // namespace xsime::harness
