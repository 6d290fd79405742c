// The harness as a TF client: the handshake over a socket (protocol::TfClientHandshake
// decides), then the session protocol::TfSession runs.
#include "harness/tf_connection.hpp"

#include "protocol/tf_client_handshake.hpp"

#include <optional>

namespace xsime::harness {

using steady = std::chrono::steady_clock;

namespace {

TransportError handshake_error(std::string_view step, const std::string& what) {
    return {TransportError::Kind::handshake, "TF handshake, " + std::string(step) + ": " + what};
}

TransportError handshake_error(std::string_view step, const TransportError& cause) {
    std::string what = cause.message;
    if (cause.kind == TransportError::Kind::closed || cause.kind == TransportError::Kind::reset) {
        what = "no reply, " + what;
    }
    return handshake_error(step, what);
}

// The handshake's messages and checks are protocol::TfClientHandshake's (shared with the
// reference client); this loop only moves its bytes, within one deadline.
std::optional<TransportError> run_handshake(SocketStream& stream,
                                            protocol::TfClientHandshake& handshake,
                                            SocketStream::TimePoint deadline) {
    auto out = handshake.begin();
    while (true) {
        const auto step = handshake.describe(handshake.step());
        if (!out.wire.empty()) {
            auto written = stream.write(out.wire, deadline);
            if (auto* error = std::get_if<TransportError>(&written)) {
                return handshake_error(step, *error);
            }
        }
        if (const auto& failure = out.failure) {
            if (!failure->by_server) {
                return TransportError{TransportError::Kind::other, failure->reason};
            }
            return handshake_error(handshake.describe(failure->step), failure->reason);
        }
        if (handshake.done()) {
            return std::nullopt;
        }
        protocol::ByteQueue received;
        auto more = stream.read_some(received, deadline);
        if (auto* error = std::get_if<TransportError>(&more)) {
            return handshake_error(step, *error);
        }
        out = handshake.receive(received.view());
    }
}

} // namespace

std::variant<std::unique_ptr<TfConnection>, TransportError>
TfConnection::connect(const std::string& host, std::uint16_t port, const TfSettings& settings,
                      Deadline timeout) {
    const auto deadline = steady::now() + timeout;
    auto opened = SocketStream::connect(host, port, timeout);
    if (auto* error = std::get_if<TransportError>(&opened)) {
        return *error;
    }
    auto stream = std::move(std::get<std::unique_ptr<SocketStream>>(opened));
    protocol::TfClientHandshake handshake(settings);
    if (auto error = run_handshake(*stream, handshake, deadline)) {
        return *error;
    }
    // Both ciphers carry on from the handshake: the hash was packed, the OK unpacked (and
    // ciphered bytes that came behind it stay in the receiver).
    protocol::TfSession session(protocol::TfSession::Side::client, *handshake.sender(),
                                std::move(*handshake.receiver()));
    return std::unique_ptr<TfConnection>(new TfConnection(std::move(stream), std::move(session)));
}

std::variant<std::unique_ptr<Connection>, TransportError> TfTransport::connect(Deadline timeout) {
    auto result = TfConnection::connect(host_, port_, settings_, timeout);
    if (auto* error = std::get_if<TransportError>(&result)) {
        return *error;
    }
    return std::unique_ptr<Connection>(std::move(std::get<std::unique_ptr<TfConnection>>(result)));
}

std::string TfTransport::describe() const {
    return "tf " + host_ + ":" + std::to_string(port_);
}

} // namespace xsime::harness
