// What the server sends, as the reference client reads it: TF replies, statuses, pushes, the
// exit echo, and frames it cannot read.
#include "client/client_core.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_client_handshake.hpp"

#include <utility>

namespace xsime::client {

using protocol::Opcode;

CoreOutput ClientCore::receive(std::string_view bytes) {
    CoreOutput out;
    if (closed_) {
        return out;
    }
    if (trusted_size_) {
        trusted_.append(bytes);
        read_trusted_push(out);
    } else if (level_ == Level::xsime) {
        frames_.feed(bytes);
    } else {
        tf_.feed(bytes);
    }
    while (!closed_ && !trusted_size_) {
        if (level_ == Level::tf) {
            auto message = tf_.next();
            if (std::holds_alternative<protocol::NeedMore>(message)) {
                break;
            }
            out.append(receive_tf_message(message));
            continue;
        }
        auto frame = frames_.next();
        if (std::holds_alternative<protocol::NeedMore>(frame)) {
            break;
        }
        const auto* error = std::get_if<protocol::ProtocolError>(&frame);
        if (error && faults_.has(ClientFault::push_trusts_sz) && trust_push(*error, out)) {
            read_trusted_push(out);
            continue;
        }
        out.append(receive_frame(frame));
    }
    return out;
}

CoreOutput ClientCore::receive_tf_message(const protocol::TfDecodeResult& message) {
    CoreOutput out;
    if (closed_) {
        return out;
    }
    if (const auto* body = std::get_if<std::string>(&message)) {
        on_tf_message(*body, out);
    } else if (const auto* error = std::get_if<protocol::TfError>(&message)) {
        fail_connection(out, "unreadable TF message from the server: " + error->reason);
    }
    return out;
}

CoreOutput ClientCore::receive_frame(const protocol::DecodeResult& frame) {
    CoreOutput out;
    if (closed_) {
        return out;
    }
    if (const auto* whole = std::get_if<protocol::Frame>(&frame)) {
        on_frame(*whole, out);
    } else if (const auto* error = std::get_if<protocol::ProtocolError>(&frame)) {
        on_protocol_error(*error, out);
    }
    return out;
}

void ClientCore::on_tf_message(const std::string& body, CoreOutput& out) {
    if (pending_ && pending_->command == Command::start) {
        if (body == protocol::tf_ok) {
            enter_module();
            finish(out, true);
        } else {
            finish(out, false, "the server answered " + protocol::quote_tf_text(body));
        }
        return;
    }
    out.events.emplace_back(
        ErrorEvent{"unexpected TF message from the server: " + protocol::quote_tf_text(body)});
}

void ClientCore::on_frame(const protocol::Frame& frame, CoreOutput& out) {
    switch (static_cast<Opcode>(frame.header.opcode)) {
    case Opcode::message:
        on_push(frame, out);
        return;
    case Opcode::org_unit:
    case Opcode::user:
        on_status(frame, out);
        return;
    case Opcode::exit:
        on_echo(frame, out);
        return;
    case Opcode::setup:
    case Opcode::interval:
        break; // the codec reports these as errors; a frame never carries them
    }
    out.events.emplace_back(
        ErrorEvent{"unexpected " + protocol::describe_opcode(frame.header.opcode) + " frame"});
}

void ClientCore::on_protocol_error(const protocol::ProtocolError& error, CoreOutput& out) {
    if (error.fatal) {
        fail_connection(out, error.reason);
    } else {
        out.events.emplace_back(ErrorEvent{error.reason});
    }
}

void ClientCore::on_push(const protocol::Frame& frame, CoreOutput& out) {
    if (frame.header.sz == protocol::status_failed) {
        out.events.emplace_back(SendRefused{});
        return;
    }
    // FAULT push_split_last_colon: the sender runs to the last colon.
    auto parsed = faults_.has(ClientFault::push_split_last_colon)
                      ? parse_push_at_last_colon(frame.payload)
                      : protocol::parse_push(frame.payload);
    if (const auto* error = std::get_if<protocol::ParseError>(&parsed)) {
        out.events.emplace_back(ErrorEvent{"malformed push: " + error->reason});
        return;
    }
    if (echo_due_ && faults_.has(ClientFault::exit_no_wait)) {
        return; // FAULT: a push between opcode 0 and its echo is lost
    }
    auto& push = std::get<protocol::Push>(parsed);
    out.events.emplace_back(
        MessageEvent{push.timestamp, std::move(push.sender), std::move(push.text)});
}

void ClientCore::on_status(const protocol::Frame& frame, CoreOutput& out) {
    const bool org = frame.header.opcode == protocol::raw(Opcode::org_unit);
    const auto awaited = org ? Command::org_unit : Command::user;
    const auto sz = frame.header.sz;
    if (!pending_ || pending_->command != awaited) {
        out.events.emplace_back(ErrorEvent{"unexpected status " + std::to_string(sz) + " for " +
                                           protocol::describe_opcode(frame.header.opcode) +
                                           ": no such command awaits a reply"});
        return;
    }
    if (sz == protocol::status_ok) {
        // A new org unit needs its user set again.
        user_ok_ = !org;
        org_ok_ = true;
        finish(out, true);
        return;
    }
    // A refusal leaves a logged-in session as it was (the reference server refuses 1 and 2
    // again once logged in); before that, the step is not done.
    if (!user_ok_) {
        org_ok_ = org ? false : org_ok_;
    }
    finish(out, false,
           sz == protocol::status_failed
               ? "the server answered sz -1"
               : "the server's status has sz " + std::to_string(sz) + ", neither 0 nor -1");
}

void ClientCore::on_echo(const protocol::Frame& frame, CoreOutput& out) {
    if (frame.header.sz != 0) {
        // A payload may or may not follow: the stream cannot be trusted any more.
        fail_connection(out, "opcode 0 from the server has sz " + std::to_string(frame.header.sz) +
                                 "; the exit echo is a header with sz 0");
        return;
    }
    const bool expected = echo_due_;
    echo_due_ = false;
    leave_module();
    if (pending_ && pending_->command == Command::exit) {
        finish(out, true);
        return;
    }
    if (!expected) {
        out.events.emplace_back(
            ErrorEvent{"the server sent opcode 0 though no exit was sent; back at the TF level"});
        if (pending_) {
            finish(out, false, "the server left the module");
        }
    }
}

void ClientCore::enter_module() {
    level_ = Level::xsime;
    frames_ = protocol::StreamDecoder(protocol::Direction::to_client);
    frames_.feed(tf_.take_buffered());
}

void ClientCore::leave_module() {
    level_ = Level::tf;
    tf_ = protocol::TfDecoder();
    tf_.feed(frames_.take_buffered());
}

// FAULT push_trusts_sz: a push header the codec refused for its sz is read as a push anyway.
bool ClientCore::trust_push(const protocol::ProtocolError& error, CoreOutput& out) {
    const bool sz_refused = error.kind == protocol::ErrorKind::negative_size ||
                            error.kind == protocol::ErrorKind::oversized_payload;
    if (!error.fatal || !sz_refused || error.header.opcode != protocol::raw(Opcode::message)) {
        return false;
    }
    auto rest = frames_.take_buffered();
    frames_ = protocol::StreamDecoder(protocol::Direction::to_client);
    if (error.header.sz < 0) {
        // Nothing to read: the empty payload becomes an empty message.
        frames_.feed(rest);
        out.events.emplace_back(MessageEvent{});
        return true;
    }
    trusted_size_ = static_cast<std::size_t>(error.header.sz);
    trusted_ = std::move(rest);
    return true;
}

void ClientCore::read_trusted_push(CoreOutput& out) {
    if (!trusted_size_ || trusted_.size() < *trusted_size_) {
        return;
    }
    const auto size = *trusted_size_;
    trusted_size_.reset();
    frames_.feed(std::string_view(trusted_).substr(size));
    const protocol::Frame frame{{protocol::raw(Opcode::message), static_cast<std::int32_t>(size)},
                                trusted_.substr(0, size)};
    trusted_.clear();
    on_push(frame, out);
}

} // namespace xsime::client
