// The client side of the TF handshake and of the session cipher.
#include "harness/tf_connection.hpp"

#include "protocol/tf_framing.hpp"
#include "protocol/tf_rsa.hpp"

#include <algorithm>

namespace xsime::harness {

using steady = std::chrono::steady_clock;

namespace {

Deadline left_until(SocketStream::TimePoint deadline) {
    const auto now = steady::now();
    return deadline > now ? std::chrono::duration_cast<Deadline>(deadline - now) : Deadline(0);
}

std::string quoted(std::string_view text) {
    constexpr std::size_t shown = 200;
    std::string out;
    for (const char c : text.substr(0, shown)) {
        const auto b = static_cast<unsigned char>(c);
        if (b >= 0x20 && b < 0x7f) {
            out.push_back(c);
        } else {
            static constexpr char digits[] = "0123456789abcdef";
            out += "\\x";
            out.push_back(digits[b >> 4]);
            out.push_back(digits[b & 0xF]);
        }
    }
    if (text.size() > shown) {
        out += "...";
    }
    return "'" + out + "'";
}

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

// One step in clear: a TF message out, a TF message back that must be "OK".
std::optional<TransportError> clear_step(SocketStream& stream, protocol::ByteQueue& received,
                                         std::string_view step, std::string_view body,
                                         SocketStream::TimePoint deadline) {
    auto written = stream.write(protocol::encode_tf_message(body), left_until(deadline));
    if (auto* error = std::get_if<TransportError>(&written)) {
        return handshake_error(step, *error);
    }
    while (true) {
        auto decoded = protocol::decode_tf_message(received.view());
        if (auto* reply = std::get_if<std::string>(&decoded.result)) {
            received.consume(decoded.consumed);
            if (*reply != protocol::tf_ok) {
                return handshake_error(step, "the server answered " + quoted(*reply));
            }
            return std::nullopt;
        }
        if (auto* error = std::get_if<protocol::TfError>(&decoded.result)) {
            return handshake_error(step, "the reply is not a TF message: " + error->reason);
        }
        auto more = stream.read_some(received, deadline);
        if (auto* error = std::get_if<TransportError>(&more)) {
            return handshake_error(step, *error);
        }
    }
}

} // namespace

TfConnection::TfConnection(std::unique_ptr<SocketStream> stream, std::string_view session_key)
    : stream_(std::move(stream)), out_(session_key), in_(protocol::TfCipher(session_key)) {}

std::variant<std::unique_ptr<TfConnection>, TransportError>
TfConnection::connect(const std::string& host, std::uint16_t port, const TfSettings& settings,
                      Deadline timeout) {
    const auto deadline = steady::now() + timeout;
    auto opened = SocketStream::connect(host, port, timeout);
    if (auto* error = std::get_if<TransportError>(&opened)) {
        return *error;
    }
    auto stream = std::move(std::get<std::unique_ptr<SocketStream>>(opened));
    protocol::ByteQueue received;

    // 1. The protocol version, in clear.
    if (auto error =
            clear_step(*stream, received,
                       "step 1 (protocol version " + quoted(settings.protocol_version) + ")",
                       settings.protocol_version, deadline)) {
        return *error;
    }
    // 2. A fresh session key from the CSPRNG, RSA-OAEP encrypted, in clear.
    auto key = protocol::random_session_key(settings.session_key_size);
    if (auto* error = std::get_if<protocol::TfRsaError>(&key)) {
        return TransportError{TransportError::Kind::other,
                              "cannot make a TF session key: " + error->reason};
    }
    const auto& session_key = std::get<std::string>(key);
    auto sealed = protocol::encrypt_session_key(settings.public_key_pem, session_key);
    if (auto* error = std::get_if<protocol::TfRsaError>(&sealed)) {
        return TransportError{TransportError::Kind::other,
                              "cannot encrypt the TF session key: " + error->reason};
    }
    if (auto error = clear_step(*stream, received,
                                "step 2 (session key, " + std::to_string(session_key.size()) +
                                    " bytes RSA-OAEP encrypted to 256)",
                                std::get<std::string>(sealed), deadline)) {
        return *error;
    }
    // 3. From here on everything is ciphered: the hash, then TF commands.
    std::unique_ptr<TfConnection> connection(new TfConnection(std::move(stream), session_key));
    connection->in_.feed(received.view());
    const std::string step3 = "step 3 (hash, ciphered)";
    auto sent = connection->send(protocol::encode_tf_message(settings.hash), left_until(deadline));
    if (auto* error = std::get_if<TransportError>(&sent)) {
        return handshake_error(step3, *error);
    }
    auto reply = connection->receive_tf(left_until(deadline));
    if (auto* error = std::get_if<TransportError>(&reply)) {
        return handshake_error(step3, *error);
    }
    if (std::get<std::string>(reply) != protocol::tf_ok) {
        return handshake_error(step3, "the server answered " +
                                          quoted(std::get<std::string>(reply)) +
                                          " (after unpacking with the session key)");
    }
    return connection;
}

std::variant<std::monostate, TransportError> TfConnection::send(std::string_view bytes,
                                                                Deadline timeout) {
    std::string wire(bytes);
    std::size_t at = 0;
    for (const auto& piece : splitter_.split(bytes)) {
        if (piece.starts_call) {
            out_.begin_call();
        }
        out_.pack_part(wire.data() + at, piece.size);
        at += piece.size;
    }
    if (splitter_.tf_messages() != messages_seen_) {
        messages_seen_ = splitter_.tf_messages();
        start_pending_ = splitter_.last_tf_message() == protocol::tf_xsime_start;
    }
    return stream_->write(wire, timeout);
}

std::variant<std::monostate, TransportError>
TfConnection::read_more(SocketStream::TimePoint deadline) {
    protocol::ByteQueue wire;
    auto more = stream_->read_some(wire, deadline);
    in_.feed(wire.view());
    return more;
}

std::variant<std::string, TransportError> TfConnection::receive_tf(Deadline timeout) {
    const auto deadline = steady::now() + timeout;
    while (true) {
        auto result = in_.next_tf_message();
        if (auto* body = std::get_if<std::string>(&result)) {
            // The splitter entered the module when XSIME_START was written; a refusal keeps
            // the server at the TF level, and so the client's cuts.
            if (start_pending_) {
                start_pending_ = false;
                if (*body != protocol::tf_ok) {
                    splitter_.leave_xsime();
                }
            }
            return std::move(*body);
        }
        if (auto* error = std::get_if<protocol::TfError>(&result)) {
            return TransportError{TransportError::Kind::other, error->reason};
        }
        auto more = read_more(deadline);
        if (auto* error = std::get_if<TransportError>(&more)) {
            return *error;
        }
    }
}

std::variant<protocol::Frame, protocol::ProtocolError, TransportError>
TfConnection::receive_frame(Deadline timeout) {
    const auto deadline = steady::now() + timeout;
    while (true) {
        auto step = protocol::decode_frame(plain_.view(), protocol::Direction::to_client);
        if (const auto* need = std::get_if<protocol::NeedMore>(&step.result)) {
            // plain_ holds whole calls only, so what is missing is exactly the next call: the
            // 5-byte header, or the body the header announced.
            if (auto chunk = in_.take_chunk(need->missing)) {
                plain_.append(*chunk);
                continue;
            }
            auto more = read_more(deadline);
            if (auto* error = std::get_if<TransportError>(&more)) {
                return *error;
            }
            continue;
        }
        plain_.consume(step.consumed);
        if (auto* frame = std::get_if<protocol::Frame>(&step.result)) {
            return std::move(*frame);
        }
        return std::move(std::get<protocol::ProtocolError>(step.result));
    }
}

bool TfConnection::wait_closed(Deadline timeout) {
    if (buffered() > 0) {
        return false;
    }
    auto more = read_more(steady::now() + timeout);
    const auto* error = std::get_if<TransportError>(&more);
    return error && (error->kind == TransportError::Kind::closed ||
                     error->kind == TransportError::Kind::reset);
}

void TfConnection::close() {
    stream_->close();
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
