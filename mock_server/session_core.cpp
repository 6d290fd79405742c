// The XSIME rules of the reference server: TF command level, module opcodes, delivery.
#include "mock_server/session_core.hpp"

#include "mock_server/tf_replies.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"

#include <algorithm>
#include <fcntl.h>

namespace xsime::mock {

using protocol::Frame;
using protocol::Opcode;

namespace {

// Where `out` stood, so that a fault can take back what was appended after it.
struct Mark {
    std::size_t bytes = 0;
    std::size_t calls = 0;
};

Mark mark(const CoreOutput& out) {
    return {out.bytes.size(), out.calls.size()};
}

void take_back(CoreOutput& out, Mark to) {
    out.bytes.resize(to.bytes);
    out.calls.resize(to.calls);
}

// For Fault::timestamp_little_endian.
std::uint64_t byte_swapped(std::uint64_t value) {
    std::uint64_t out = 0;
    for (int i = 0; i < 8; ++i, value >>= 8) {
        out = (out << 8) | (value & 0xff);
    }
    return out;
}

// Every byte the core sends goes through append_tf (below) or this, so that `calls` always
// describes `bytes` (CoreOutput::calls).
// `frame` is one encoded XSIME frame: a header and its payload, if any.
void append_frame(CoreOutput& out, std::string_view frame) {
    out.bytes += frame;
    out.calls.push_back(protocol::header_size);
    if (frame.size() > protocol::header_size) {
        out.calls.push_back(frame.size() - protocol::header_size);
    }
}

} // namespace

void append_tf(CoreOutput& out, std::string_view body) {
    out.bytes += protocol::encode_tf_message(body);
    out.calls.push_back(protocol::tf_length_size);
    if (!body.empty()) {
        out.calls.push_back(body.size());
    }
}

void CoreOutput::append(CoreOutput later) {
    bytes += later.bytes;
    calls.insert(calls.end(), later.calls.begin(), later.calls.end());
    for (auto& removal : later.remove_after_write) {
        remove_after_write.push_back(std::move(removal));
    }
    if (later.close_reason) {
        close_reason = std::move(later.close_reason);
    }
}

SessionCore::SessionCore(Mailbox& mailbox, UserLocks& locks, CoreSettings settings, Clock clock,
                         Logger logger)
    : mailbox_(mailbox), locks_(locks), settings_(settings), clock_(std::move(clock)),
      log_(std::move(logger)), interval_(settings.default_interval) {}

SessionCore::~SessionCore() {
    release_user();
}

bool SessionCore::mid_frame() const {
    return level_ == Level::tf ? tf_.mid_frame() : frames_.mid_frame();
}

std::size_t SessionCore::next_call_size() const {
    if (closed_) {
        return 0;
    }
    // The decoders hold the length rules; the core has already taken every whole unit.
    return level_ == Level::tf ? tf_.missing() : frames_.missing();
}

void SessionCore::on_close() {
    release_user();
    closed_ = true;
}

CoreOutput SessionCore::receive(std::string_view bytes) {
    CoreOutput out;
    if (closed_ || stalled_) {
        return out;
    }
    if (level_ == Level::tf) {
        tf_.feed(bytes);
        handle_tf(out);
    } else {
        frames_.feed(bytes);
        handle_module(out);
    }
    take_short_payload(out);
    return out;
}

// FAULT payload_single_read: a server that reads a path or message with a single recv()
// takes what this read brought as the whole payload; the rest of it, arriving later, is
// then read as the next header. Only opcodes 1, 2 and 5, whose payload length varies.
void SessionCore::take_short_payload(CoreOutput& out) {
    if (!fault(Fault::payload_single_read) || closed_ || level_ != Level::module ||
        frames_.buffered() <= protocol::header_size || frames_.missing() == 0) {
        return;
    }
    std::string bytes = frames_.take_buffered();
    auto header = protocol::decode_header(bytes);
    const auto opcode = static_cast<Opcode>(header.opcode);
    if (opcode != Opcode::org_unit && opcode != Opcode::user && opcode != Opcode::message) {
        frames_.feed(bytes);
        return;
    }
    header.sz = static_cast<std::int32_t>(bytes.size() - protocol::header_size);
    handle_frame(Frame{header, bytes.substr(protocol::header_size)}, out);
}

void SessionCore::close(CoreOutput& out, std::string reason) {
    log_("closing: " + reason);
    out.close_reason = std::move(reason);
    release_user();
    closed_ = true;
}

// Both levels hand leftover bytes to each other: a client may pipeline XSIME frames
// right behind XSIME_START, or a TF command right behind opcode 0.
void SessionCore::handle_tf(CoreOutput& out) {
    while (!closed_ && level_ == Level::tf) {
        auto result = tf_.next();
        if (std::holds_alternative<protocol::NeedMore>(result)) {
            return;
        }
        if (const auto* error = std::get_if<protocol::TfError>(&result)) {
            close(out, error->reason);
            return;
        }
        const auto& command = std::get<std::string>(result);
        if (listing_) {
            continue_listing(command, out);
        } else if (command == protocol::tf_xsime_start) {
            enter_module(out);
        } else if (command == protocol::tf_end) {
            close(out, "client sent END");
        } else if (!handle_file_command(command, out) && !handle_read_command(command, out)) {
            log_("unknown TF command (" + std::to_string(command.size()) + " bytes)");
            append_tf(out, protocol::tf_unknown);
        }
    }
    if (!closed_ && level_ == Level::module) {
        handle_module(out);
    }
}

void SessionCore::handle_module(CoreOutput& out) {
    while (!closed_ && !stalled_ && level_ == Level::module) {
        auto result = frames_.next();
        if (std::holds_alternative<protocol::NeedMore>(result)) {
            return;
        }
        if (const auto* error = std::get_if<protocol::ProtocolError>(&result)) {
            if (error->fatal) {
                close(out, error->reason);
                return;
            }
            log_(error->reason);
            continue;
        }
        handle_frame(std::get<Frame>(result), out);
    }
    if (!closed_ && level_ == Level::tf) {
        handle_tf(out);
    }
}

void SessionCore::enter_module(CoreOutput& out) {
    if (fault(Fault::planted_leak) && setup_done_) {
        // PLANTED: a descriptor per re-entry, never closed (setup_done_: entered before).
        [[maybe_unused]] const int leaked = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    append_tf(out, protocol::tf_ok);
    level_ = Level::module;
    frames_ = protocol::StreamDecoder(protocol::Direction::to_server);
    frames_.feed(tf_.take_buffered());
    if (fault(Fault::no_reenter_memory)) { // FAULT: re-entry starts from scratch
        setup_done_ = false;
        org_.reset();
        user_.reset();
        release_user();
    }
    // "if you exit the module and reenter it, it's not necessary to resetup": the
    // configuration is kept; only the unique-user hold has to be taken again.
    if (user_ && unique_user_ && !try_hold_user()) {
        log_("re-entry: user '" + user_->name + "' is held by another session; logged out");
        user_.reset();
    }
    scan_memo_ = {};
}

void SessionCore::leave_module(CoreOutput& out) {
    // "Once the client send it to server, it must continue receiving data ... until
    // receives Opcode 0 from the server": the echo is the last module byte we send.
    append_frame(out, protocol::encode_exit_echo());
    level_ = Level::tf;
    release_user();
    tf_ = protocol::TfDecoder();
    tf_.feed(frames_.take_buffered());
}

void SessionCore::handle_frame(const Frame& frame, CoreOutput& out) {
    const auto before = mark(out); // for the faults below
    plant_bugs(frame);
    switch (static_cast<Opcode>(frame.header.opcode)) {
    case Opcode::setup:
        on_setup(frame);
        break;
    case Opcode::org_unit:
        on_org_unit(frame, out);
        if (fault(Fault::no_org_reply)) { // FAULT: opcode 1 is never answered
            take_back(out, before);
        }
        break;
    case Opcode::user:
        on_user(frame, out);
        break;
    case Opcode::message:
        on_message(frame, out);
        break;
    case Opcode::interval:
        on_interval(frame);
        break;
    case Opcode::exit:
        leave_module(out);
        if (fault(Fault::exit_no_echo)) { // FAULT: opcode 0 is not echoed
            take_back(out, before);
        }
        break;
    }
    apply_wire_faults(out.bytes, before.bytes);
}

// Only the XSIME frames the core itself appended pass here, never TF messages. Bytes are
// rewritten in place, so the call cuts stay as they are.
void SessionCore::apply_wire_faults(std::string& bytes, std::size_t from) const {
    if (!fault(Fault::sz_little_endian) && !fault(Fault::ascii_opcodes)) {
        return;
    }
    for (std::size_t at = from; at + protocol::header_size <= bytes.size();) {
        const auto header = protocol::decode_header(std::string_view(bytes).substr(at));
        if (fault(Fault::ascii_opcodes)) { // FAULT: '0' + opcode on the wire
            bytes[at] = static_cast<char>('0' + header.opcode);
        }
        if (fault(Fault::sz_little_endian)) { // FAULT: sz written little-endian
            std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(at + 1),
                         bytes.begin() + static_cast<std::ptrdiff_t>(at + 5));
        }
        at += protocol::header_size + static_cast<std::size_t>(std::max(header.sz, 0));
    }
}

void SessionCore::on_setup(const Frame& frame) {
    const auto flags = frame.header.sz;
    if ((flags & ~(protocol::flag_unique_user | protocol::flag_auto_delete)) != 0) {
        log_("setup: ignoring undefined flag bits in sz " + std::to_string(flags));
    }
    unique_user_ = (flags & protocol::flag_unique_user) != 0;
    auto_delete_ = (flags & protocol::flag_auto_delete) != 0;
    since_ = std::get<std::uint64_t>(protocol::parse_u64_body(frame.payload));
    if (fault(Fault::timestamp_little_endian)) { // FAULT: the 8 bytes read little-endian
        since_ = byte_swapped(since_);
    }
    setup_done_ = true;
    reset_cursor();
    if (!user_) {
        return;
    }
    // Setup has no reply, so a change of flag 1 after login can only be applied or logged.
    if (!unique_user_) {
        release_user();
    } else if (!held_user_ && !try_hold_user()) {
        log_("setup: flag 1 set but user '" + user_->name + "' is held by another session");
    }
}

void SessionCore::on_org_unit(const Frame& frame, CoreOutput& out) {
    // The reference server refuses 1 before 4, and 1 or 2 again once logged in.
    // FAULT order_ignored: opcode 1 is accepted before opcode 4.
    const bool set_up = setup_done_ || fault(Fault::order_ignored);
    if (!set_up || ready()) {
        append_frame(out, protocol::encode_status(Opcode::org_unit, false));
        return;
    }
    auto result = mailbox_.open_org_unit(frame.payload);
    if (auto* error = std::get_if<MailboxError>(&result)) {
        log_("org unit refused: " + error->reason);
        org_.reset();
        append_frame(out, protocol::encode_status(Opcode::org_unit, false));
        return;
    }
    org_ = std::get<OrgUnitRef>(std::move(result));
    append_frame(out, protocol::encode_status(Opcode::org_unit, true));
}

void SessionCore::on_user(const Frame& frame, CoreOutput& out) {
    // FAULT order_ignored: opcode 2 is accepted before opcode 4.
    const bool set_up = setup_done_ || fault(Fault::order_ignored);
    // FAULT user_limit_off_by_one: the limit is taken as 127 bytes.
    const auto limit = protocol::max_user_name - (fault(Fault::user_limit_off_by_one) ? 1 : 0);
    if (!set_up || !org_ || ready() || frame.payload.size() > limit) {
        append_frame(out, protocol::encode_status(Opcode::user, false));
        return;
    }
    auto result = mailbox_.open_user(*org_, frame.payload);
    if (auto* error = std::get_if<MailboxError>(&result)) {
        log_("user refused: " + error->reason);
        // FAULT wrong_status: the refusal is answered 0 (still not logged in).
        append_frame(out, protocol::encode_status(Opcode::user, fault(Fault::wrong_status)));
        return;
    }
    user_ = std::get<UserRef>(std::move(result));
    if (unique_user_ && !try_hold_user()) {
        log_("user '" + user_->name + "' refused: unique user already logged in");
        user_.reset();
        append_frame(out, protocol::encode_status(Opcode::user, false));
        return;
    }
    reset_cursor();
    append_frame(out, protocol::encode_status(Opcode::user, true));
}

void SessionCore::on_message(const Frame& frame, CoreOutput& out) {
    if (!ready()) {
        append_frame(out, protocol::encode_status(Opcode::message, false));
        return;
    }
    auto parsed = protocol::parse_send(frame.payload);
    if (const auto* discard = std::get_if<protocol::SendDiscard>(&parsed)) {
        log_("message discarded: " + std::string(protocol::describe(*discard)));
        return;
    }
    const auto& request = std::get<protocol::SendRequest>(parsed);
    // "The timestamp represents the moment in which the server received the message".
    const auto now = clock_();
    auto content = protocol::format_push_payload(now, user_->name, request.text);
    // The push must fit the buffer; truncating would corrupt it, so it is refused.
    if (content.size() > static_cast<std::size_t>(protocol::max_payload) &&
        fault(Fault::send_truncates)) { // FAULT: cut to the limit and delivered
        content.resize(static_cast<std::size_t>(protocol::max_payload));
    }
    if (content.size() > static_cast<std::size_t>(protocol::max_payload)) {
        log_("message refused: its push would be " + std::to_string(content.size()) + " bytes");
        append_frame(out, protocol::encode_status(Opcode::message, false));
        return;
    }
    auto result = mailbox_.deliver(*org_, user_->name, request.recipients, now, content);
    if (const auto* error = std::get_if<MailboxError>(&result)) {
        log_("message refused: " + error->reason);
        append_frame(out, protocol::encode_status(Opcode::message, false));
    }
}

void SessionCore::on_interval(const Frame& frame) {
    auto ns = std::get<std::uint64_t>(protocol::parse_u64_body(frame.payload));
    // Saturate: 2^63 ns is ~292 years, and the chrono type is signed.
    constexpr std::uint64_t cap = std::uint64_t{1} << 62;
    if (fault(Fault::interval_as_ms)) { // FAULT: the value taken as milliseconds
        ns = ns > cap / 1'000'000 ? cap : ns * 1'000'000;
    }
    const auto capped = std::min<std::uint64_t>(ns, cap);
    interval_ = std::max(std::chrono::nanoseconds(static_cast<std::int64_t>(capped)),
                         settings_.min_interval);
}

CoreOutput SessionCore::poll_deliveries() {
    CoreOutput out;
    if (closed_ || !delivering()) {
        return out;
    }
    auto listing = mailbox_.scan(*user_, scan_memo_);
    if (!listing) {
        return out;
    }
    std::unordered_set<std::string> still_there;
    still_there.reserve(listing->size());
    for (const auto& message : *listing) {
        // FAULT timestamp_inclusive: a message stamped at the setup timestamp is pushed.
        const bool inclusive = fault(Fault::timestamp_inclusive);
        if (inclusive ? message.timestamp < since_ : message.timestamp <= since_) {
            continue;
        }
        still_there.insert(message.name);
        if (!pushed_.insert(message.name).second) {
            continue;
        }
        auto content = mailbox_.read(*user_, message);
        if (!content) {
            continue; // removed in between (another instance with auto delete)
        }
        if (content->size() > static_cast<std::size_t>(protocol::max_payload)) {
            log_("not pushing " + message.name + ": " + std::to_string(content->size()) +
                 " bytes exceed the payload limit");
            continue;
        }
        if (fault(Fault::push_lost) && ++pushes_seen_ % 3 == 0) { // FAULT: dropped, never sent
            continue;
        }
        if (fault(Fault::push_field_order)) { // FAULT: user:timestamp:message
            if (auto push = protocol::parse_push(*content);
                const auto* parsed = std::get_if<protocol::Push>(&push)) {
                *content =
                    parsed->sender + ':' + std::to_string(parsed->timestamp) + ':' + parsed->text;
            }
        }
        if (fault(Fault::planted_spec)) { // PLANTED: the text cut at its first NUL
            content->resize(std::min(content->size(), content->find('\0')));
        }
        const auto frame_at = out.bytes.size();
        append_frame(out, protocol::encode_push(*content));
        if (fault(Fault::push_duplicated)) { // FAULT: every push sent twice
            append_frame(out, protocol::encode_push(*content));
        }
        apply_wire_faults(out.bytes, frame_at);
        // FAULT autodelete_ignored: flag 2 never removes anything.
        if (auto_delete_ && !fault(Fault::autodelete_ignored)) {
            out.remove_after_write.push_back(Removal{*user_, message});
        }
    }
    // Forget names that left the folder, so the set stays as small as the folder.
    std::erase_if(pushed_, [&](const std::string& name) { return !still_there.contains(name); });
    return out;
}

bool SessionCore::try_hold_user() {
    if (fault(Fault::unique_user_ignored)) { // FAULT: flag 1 never refuses anyone
        return true;
    }
    const auto key = user_->dir.string();
    if (held_user_ == key) {
        return true;
    }
    release_user();
    if (!locks_.try_acquire(key)) {
        return false;
    }
    held_user_ = key;
    return true;
}

void SessionCore::release_user() {
    if (held_user_) {
        locks_.release(*held_user_);
        held_user_.reset();
    }
}

void SessionCore::reset_cursor() {
    pushed_.clear();
    scan_memo_ = {};
}

} // namespace xsime::mock
