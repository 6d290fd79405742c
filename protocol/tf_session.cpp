// The cuts of both directions of a TF session, and where each side enters and leaves the
// module (XSIME_START answered OK, opcode 0).
#include "protocol/tf_session.hpp"

namespace xsime::protocol {

TfSession::TfSession(Side side, TfCipher out, TfCipherReceiver in)
    : side_(side), out_(std::move(out)), in_(std::move(in)),
      splitter_(side == Side::client ? Direction::to_server : Direction::to_client) {}

void TfSession::pack_pieces(std::string& wire, std::size_t from, std::size_t size) {
    const std::string_view plain = std::string_view(wire).substr(from, size);
    std::size_t at = from;
    for (const auto& piece : splitter_.split(plain)) {
        if (piece.starts_call) {
            out_.begin_call();
        }
        out_.pack_part(wire.data() + at, piece.size);
        at += piece.size;
    }
}

void TfSession::on_tf_message_written() {
    if (splitter_.tf_messages() == messages_written_) {
        return;
    }
    messages_written_ = splitter_.tf_messages();
    const auto& last = splitter_.last_tf_message();
    if (side_ == Side::client) {
        // The splitter entered the module by itself; the reply decides whether it stays.
        start_pending_ = last == tf_xsime_start;
    } else if (start_pending_) {
        start_pending_ = false;
        if (last == tf_ok) {
            splitter_.enter_xsime();
        }
    }
}

// The server's reply to XSIME_START decides the cuts of the bytes behind it in the same write:
// they are cut one byte at a time until the reply is whole. Returns the bytes packed.
std::size_t TfSession::pack_until_reply(std::string& wire) {
    std::size_t at = 0;
    while (at < wire.size() && start_pending_) {
        pack_pieces(wire, at, 1);
        ++at;
        on_tf_message_written();
    }
    return at;
}

std::string TfSession::pack(std::string_view plain) {
    std::string wire(plain);
    std::size_t at = side_ == Side::server ? pack_until_reply(wire) : 0;
    pack_pieces(wire, at, wire.size() - at);
    on_tf_message_written();
    return wire;
}

TfDecodeResult TfSession::next_tf_message() {
    auto result = in_.next_tf_message();
    const auto* body = std::get_if<std::string>(&result);
    if (body == nullptr) {
        return result;
    }
    if (side_ == Side::server) {
        if (*body == tf_xsime_start) {
            start_pending_ = true;
            messages_written_ = splitter_.tf_messages();
        }
    } else if (start_pending_) {
        start_pending_ = false;
        if (*body != tf_ok) {
            splitter_.leave_xsime();
        }
    }
    return result;
}

DecodeResult TfSession::next_frame() {
    const auto reads = side_ == Side::client ? Direction::to_client : Direction::to_server;
    while (true) {
        auto step = decode_frame(plain_.view(), reads);
        if (const auto* need = std::get_if<NeedMore>(&step.result)) {
            // plain_ holds whole calls only, so what is missing is exactly the next call: the
            // 5-byte header, or the body the header announced.
            auto chunk = in_.take_chunk(need->missing);
            if (!chunk) {
                return *need;
            }
            plain_.append(*chunk);
            continue;
        }
        plain_.consume(step.consumed);
        return std::move(step.result);
    }
}

} // namespace xsime::protocol
