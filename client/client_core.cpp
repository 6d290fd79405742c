// The reference client's state machine: the order 4 -> 1 -> 2, the TF and module levels,
// replies matched to the command awaiting them, pushes checked before the application sees them.
#include "client/client_core.hpp"

#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_client_handshake.hpp"

#include <algorithm>
#include <utility>

namespace xsime::client {

using protocol::Opcode;

namespace {

CommandDone refused(std::uint64_t id, Command command, std::string reason) {
    return CommandDone{id, command, false, std::move(reason)};
}

std::string over_buffer(std::string_view what, std::size_t size) {
    return std::string(what) + " is " + std::to_string(size) + " bytes, over the " +
           std::to_string(protocol::max_payload) + "-byte buffer";
}

bool fits_buffer(std::size_t size) {
    return size <= static_cast<std::size_t>(protocol::max_payload);
}

} // namespace

void CoreOutput::append(CoreOutput other) {
    wire += other.wire;
    std::move(other.events.begin(), other.events.end(), std::back_inserter(events));
    if (other.close && !close) {
        close = true;
        close_reason = std::move(other.close_reason);
    }
}

// ---- application commands ----

bool ClientCore::refuse_outside_module(CoreOutput& out, std::uint64_t id, Command command) const {
    std::string why;
    if (closed_) {
        why = "the connection is closed";
    } else if (pending_) {
        why = "another command awaits its reply";
    } else if (level_ != Level::xsime) {
        why = "not in the module: start first";
    } else if (echo_due_) {
        why = "exit in progress: the server has not echoed opcode 0 yet";
    } else {
        return false;
    }
    out.events.emplace_back(refused(id, command, std::move(why)));
    return true;
}

void ClientCore::write_frame(CoreOutput& out, std::string frame) const {
    if (faults_.rewrites_headers()) {
        rewrite_header(faults_, frame);
    }
    out.wire += frame;
}

CoreOutput ClientCore::start(std::uint64_t id) {
    CoreOutput out;
    if (closed_) {
        out.events.emplace_back(refused(id, Command::start, "the connection is closed"));
    } else if (pending_) {
        out.events.emplace_back(refused(id, Command::start, "another command awaits its reply"));
    } else if (level_ == Level::xsime && !echo_due_) {
        out.events.emplace_back(refused(id, Command::start, "already in the module"));
    } else {
        out.wire = protocol::encode_tf_message(protocol::tf_xsime_start);
        pending_ = PendingCommand{id, Command::start};
    }
    return out;
}

CoreOutput ClientCore::setup(std::uint64_t id, bool unique, bool auto_delete,
                             std::uint64_t timestamp) {
    CoreOutput out;
    if (refuse_outside_module(out, id, Command::setup)) {
        return out;
    }
    if (!faults_.has(ClientFault::setup_skipped)) { // FAULT: nothing sent, ok all the same
        const std::int32_t flags = (unique ? protocol::flag_unique_user : 0) |
                                   (auto_delete ? protocol::flag_auto_delete : 0);
        // FAULT setup_timestamp_zero: the application's timestamp is ignored.
        const auto sent = faults_.has(ClientFault::setup_timestamp_zero) ? 0 : timestamp;
        write_frame(out, protocol::encode_setup(flags, sent));
    }
    setup_done_ = true;
    out.events.emplace_back(CommandDone{id, Command::setup, true, {}});
    return out;
}

CoreOutput ClientCore::org_unit(std::uint64_t id, std::string_view path) {
    CoreOutput out;
    if (refuse_outside_module(out, id, Command::org_unit)) {
        return out;
    }
    if (!setup_done_) {
        out.events.emplace_back(
            refused(id, Command::org_unit, "org_unit before setup: the order is 4, 1, 2"));
    } else if (!fits_buffer(path.size())) {
        out.events.emplace_back(
            refused(id, Command::org_unit, over_buffer("the path", path.size())));
    } else {
        write_frame(out, protocol::encode_org_unit(path));
        pending_ = PendingCommand{id, Command::org_unit};
    }
    return out;
}

CoreOutput ClientCore::user(std::uint64_t id, std::string_view name) {
    CoreOutput out;
    if (refuse_outside_module(out, id, Command::user)) {
        return out;
    }
    // FAULT long_user_sent: the 128-byte limit is not checked.
    const bool check_limit = !faults_.has(ClientFault::long_user_sent);
    if (!org_ok_) {
        out.events.emplace_back(
            refused(id, Command::user, "user before org_unit succeeded: the order is 4, 1, 2"));
    } else if (check_limit && name.size() > protocol::max_user_name) {
        out.events.emplace_back(refused(id, Command::user,
                                        "the user name is " + std::to_string(name.size()) +
                                            " bytes, over the 128-byte limit"));
    } else if (!fits_buffer(name.size())) {
        out.events.emplace_back(refused(id, Command::user, over_buffer("the name", name.size())));
    } else {
        write_frame(out, protocol::encode_user(name));
        pending_ = PendingCommand{id, Command::user};
    }
    return out;
}

CoreOutput ClientCore::send(std::uint64_t id, std::span<const std::string> to,
                            std::string_view text) {
    CoreOutput out;
    if (refuse_outside_module(out, id, Command::send)) {
        return out;
    }
    if (!user_ok_) {
        out.events.emplace_back(
            refused(id, Command::send, "send before user succeeded: the order is 4, 1, 2"));
        return out;
    }
    for (const auto& recipient : to) {
        if (recipient.find_first_of(": ") != std::string::npos) {
            out.events.emplace_back(refused(
                id, Command::send,
                "recipient '" + recipient + "' holds ':' or ' ', which the syntax cannot carry"));
            return out;
        }
    }
    // FAULT send_no_space: "to1:to2:text".
    auto payload = faults_.has(ClientFault::send_no_space)
                       ? send_payload_without_space(to, text)
                       : protocol::format_send_payload(to, text);
    if (!fits_buffer(payload.size())) {
        out.events.emplace_back(
            refused(id, Command::send, over_buffer("the message", payload.size())));
        return out;
    }
    std::string frame;
    protocol::append_header(
        frame, {protocol::raw(Opcode::message), static_cast<std::int32_t>(payload.size())});
    write_frame(out, frame + payload);
    out.events.emplace_back(CommandDone{id, Command::send, true, {}});
    return out;
}

CoreOutput ClientCore::interval(std::uint64_t id, std::uint64_t nanoseconds) {
    CoreOutput out;
    if (refuse_outside_module(out, id, Command::interval)) {
        return out;
    }
    // "After this [4, 1, 2], one can call 5 to send messages; 7 to change sleep interval".
    if (!user_ok_) {
        out.events.emplace_back(
            refused(id, Command::interval, "interval before user succeeded: the order is 4, 1, 2"));
        return out;
    }
    write_frame(out, protocol::encode_interval(nanoseconds));
    out.events.emplace_back(CommandDone{id, Command::interval, true, {}});
    return out;
}

CoreOutput ClientCore::exit(std::uint64_t id) {
    CoreOutput out;
    if (refuse_outside_module(out, id, Command::exit)) {
        return out;
    }
    write_frame(out, protocol::encode_exit());
    echo_due_ = true;
    if (faults_.has(ClientFault::exit_no_wait)) { // FAULT: ok before the echo
        out.events.emplace_back(CommandDone{id, Command::exit, true, {}});
    } else {
        pending_ = PendingCommand{id, Command::exit};
    }
    return out;
}

std::optional<PendingCommand> ClientCore::abandon_pending() {
    auto pending = pending_;
    pending_.reset();
    return pending;
}

void ClientCore::finish(CoreOutput& out, bool ok, std::string reason) {
    out.events.emplace_back(CommandDone{pending_->id, pending_->command, ok, std::move(reason)});
    pending_.reset();
}

void ClientCore::fail_connection(CoreOutput& out, std::string reason) {
    out.events.emplace_back(ErrorEvent{reason});
    out.close = true;
    out.close_reason = std::move(reason);
    closed_ = true;
}

} // namespace xsime::client
