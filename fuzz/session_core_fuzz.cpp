// libFuzzer target: the reference server's SessionCore on a MemoryMailbox, driven by arbitrary
// client bytes in chunks with deliveries polled between them. A mailbox decorator checks every
// call the core makes: nothing outside the root, no XSIME operation outside its org unit, every
// stored message well formed, and exactly-once delivery of what was accepted.
#include "fuzz/fuzz_support.hpp"
#include "mock_server/memory_mailbox.hpp"
#include "mock_server/session_core.hpp"
#include "mock_server/user_locks.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/stream_decoder.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using namespace xsime;
using fuzz::require;
using fuzz::require_calls_describe_bytes;
using mock::MemoryTouch;

constexpr std::uint64_t start_time = 1'700'000'000;

bool under(std::string_view path, std::string_view folder) {
    return folder == "/"
               ? path.starts_with('/')
               : path == folder || (path.starts_with(folder) && path.size() > folder.size() &&
                                    path[folder.size()] == '/');
}

// What the checker knows of one message file (by path) since it was last written.
struct Tracked {
    bool accepted = false; // made by deliver(), with this content
    std::string content;
    std::uint64_t timestamp = 0;
    std::uint64_t read_epoch = 0; // the cursor epoch of its last read; 0 none
    bool pushed = false;          // read (so pushed) since it was made
};

// Forwards to the MemoryMailbox and checks what the core asks of it.
class CheckingMailbox final : public mock::Mailbox {
public:
    CheckingMailbox(mock::MemoryMailbox& inner, const std::uint64_t& now)
        : inner_(inner), now_(now) {}

    // The contents read for pushing since the last call, in order.
    std::vector<std::string> take_reads() { return std::exchange(reads_, {}); }
    const std::string& user() const { return user_; }
    // The newest timestamp of the accepted messages in the user's folder never pushed.
    std::optional<std::uint64_t> newest_left_behind() const {
        std::optional<std::uint64_t> newest;
        for (const auto& [path, tracked] : files_) {
            if (tracked.accepted && !tracked.pushed && under(path, user_ + "/messages") &&
                inner_.file_content(path)) {
                newest = std::max(newest.value_or(0), tracked.timestamp);
            }
        }
        return newest;
    }
    bool pushed(const std::string& path) const {
        const auto it = files_.find(path);
        return it != files_.end() && it->second.pushed;
    }

    std::variant<mock::OrgUnitRef, mock::MailboxError>
    open_org_unit(std::string_view path) override {
        const auto mark = inner_.touched().size();
        auto result = inner_.open_org_unit(path);
        check_touches(mark, "/");
        if (const auto* org = std::get_if<mock::OrgUnitRef>(&result)) {
            org_ = mock::join_path(*inner_.parts_of(org->dir));
            org_dir_ = org->dir.native();
        }
        return result;
    }
    std::variant<mock::UserRef, mock::MailboxError> open_user(const mock::OrgUnitRef& org,
                                                              std::string_view name) override {
        require_current_org(org);
        const auto mark = inner_.touched().size();
        auto result = inner_.open_user(org, name);
        check_touches(mark, org_);
        if (const auto* user = std::get_if<mock::UserRef>(&result)) {
            user_ = mock::join_path(*inner_.parts_of(user->dir));
            user_dir_ = user->dir.native();
            user_name_ = user->name;
        }
        return result;
    }
    std::variant<mock::DeliveryReport, mock::MailboxError>
    deliver(const mock::OrgUnitRef& org, std::string_view sender,
            std::span<const std::string> recipients, std::uint64_t timestamp,
            std::string_view content) override {
        require_current_org(org);
        require(sender == user_name_, "deliver: the sender is not the session's user");
        require(timestamp == now_, "deliver: the timestamp is not the time of receipt");
        const std::string prefix = std::to_string(timestamp) + ":" + user_name_ + ":";
        require(content.starts_with(prefix) &&
                    content.size() <= static_cast<std::size_t>(protocol::max_payload),
                "deliver: the message is not 'timestamp:sender:text' within the payload limit");
        const auto mark = inner_.touched().size();
        auto result = inner_.deliver(org, sender, recipients, timestamp, content);
        check_touches(mark, org_);
        const auto& touched = inner_.touched();
        for (auto i = mark; i < touched.size(); ++i) {
            if (touched[i].kind == MemoryTouch::Kind::write &&
                inner_.file_content(touched[i].path)) {
                require(inner_.file_content(touched[i].path) == content,
                        "deliver: a stored message differs from what was sent");
                files_[touched[i].path] = Tracked{true, std::string(content), timestamp, 0, false};
            }
        }
        return result;
    }
    std::optional<std::vector<mock::StoredMessage>> scan(const mock::UserRef& user,
                                                         mock::ScanMemo& memo) override {
        require_current_user(user);
        if (!memo.valid) { // the core started its cursor over (or re-entered the module)
            ++epoch_;
            min_pushed_ = std::numeric_limits<std::uint64_t>::max();
        }
        const auto mark = inner_.touched().size();
        auto result = inner_.scan(user, memo);
        check_touches(mark, org_);
        return result;
    }
    std::optional<std::string> read(const mock::UserRef& user,
                                    const mock::StoredMessage& message) override {
        require_current_user(user);
        const auto mark = inner_.touched().size();
        auto content = inner_.read(user, message);
        check_touches(mark, org_);
        if (!content) {
            return content;
        }
        auto& tracked = files_[user_ + "/messages/" + message.name];
        require(!tracked.accepted || *content == tracked.content,
                "read: an accepted message changed");
        require(tracked.read_epoch != epoch_, "read twice for pushing in one cursor epoch");
        tracked.read_epoch = epoch_;
        tracked.pushed = true;
        if (content->size() <= static_cast<std::size_t>(protocol::max_payload)) {
            min_pushed_ = std::min(min_pushed_, message.timestamp);
            reads_.push_back(*content);
        }
        return content;
    }
    void remove(const mock::UserRef& user, const mock::StoredMessage& message) override {
        require_current_user(user);
        const auto mark = inner_.touched().size();
        inner_.remove(user, message);
        check_touches(mark, org_);
    }
    std::optional<mock::MailboxError> make_folder(std::string_view path) override {
        return tf_command(&mock::Mailbox::make_folder, path);
    }
    std::optional<mock::MailboxError> touch_file(std::string_view path) override {
        return tf_command(&mock::Mailbox::touch_file, path);
    }
    std::optional<mock::MailboxError> delete_file(std::string_view path) override {
        return tf_command(&mock::Mailbox::delete_file, path);
    }
    std::optional<mock::MailboxError> remove_folder(std::string_view path) override {
        return tf_command(&mock::Mailbox::remove_folder, path);
    }
    std::variant<mock::FileStatus, mock::FileFailure> file_status(std::string_view path) override {
        const auto mark = inner_.touched().size();
        auto result = inner_.file_status(path);
        check_touches(mark, "/");
        return result;
    }
    std::variant<std::vector<mock::ListEntry>, mock::FileFailure>
    list_folder(std::string_view path, bool recursive) override {
        const auto mark = inner_.touched().size();
        auto result = inner_.list_folder(path, recursive);
        check_touches(mark, "/");
        return result;
    }

private:
    using Command = std::optional<mock::MailboxError> (mock::Mailbox::*)(std::string_view);
    std::optional<mock::MailboxError> tf_command(Command command, std::string_view path) {
        const auto mark = inner_.touched().size();
        auto result = (inner_.*command)(path);
        check_touches(mark, "/");
        return result;
    }
    void require_current_org(const mock::OrgUnitRef& org) const {
        require(org.dir.native() == org_dir_,
                "an XSIME operation on an org unit the session did not open last");
    }
    void require_current_user(const mock::UserRef& user) const {
        require(user.dir.native() == user_dir_ && under(user_, org_),
                "an XSIME operation on a user the session did not log in");
    }
    // Every path touched since `mark` is in the root (never its temporary folder) and under
    // `scope`; a written one forgets what was known of the files there.
    void check_touches(std::size_t mark, const std::string& scope) {
        const auto& touched = inner_.touched();
        for (auto i = mark; i < touched.size(); ++i) {
            const std::string& path = touched[i].path;
            require(under(path, "/") && path.find("/../") == std::string::npos,
                    "a path outside the root was touched");
            // Resolving a recipient may look at the temporary folder itself, never into it.
            require(!under(path, "/.xsime-tmp") ||
                        (touched[i].kind == MemoryTouch::Kind::read && path == "/.xsime-tmp"),
                    "the server's temporary folder was touched");
            require(under(path, scope), "an XSIME operation touched outside its org unit");
            if (touched[i].kind == MemoryTouch::Kind::write) {
                std::erase_if(files_, [&](const auto& file) { return under(file.first, path); });
            }
        }
    }

    mock::MemoryMailbox& inner_;
    const std::uint64_t& now_;
    std::string org_;  // join_path form, of the last org unit opened
    std::string user_; // and of the last user logged in
    std::string user_name_;
    std::string org_dir_; // the refs' own paths, to compare cheaply
    std::string user_dir_;
    std::map<std::string, Tracked> files_;
    std::uint64_t epoch_ = 1;
    std::uint64_t min_pushed_ = std::numeric_limits<std::uint64_t>::max();
    std::vector<std::string> reads_;
};

// A poll's output is exactly one push per message read for it, with its content.
void require_pushes(const mock::CoreOutput& out, const std::vector<std::string>& reads) {
    std::string_view rest = out.bytes;
    for (const auto& content : reads) {
        const auto step = protocol::decode_frame(rest, protocol::Direction::to_client);
        const auto* frame = std::get_if<protocol::Frame>(&step.result);
        require(frame != nullptr &&
                    frame->header.opcode == protocol::raw(protocol::Opcode::message) &&
                    frame->payload == content,
                "a push is not the message read for it");
        rest.remove_prefix(step.consumed);
    }
    require(rest.empty(), "a poll sent more than the pushes of the messages it read");
}

struct Session {
    std::uint64_t now = start_time;
    mock::MemoryMailbox mailbox{[this] { return now; }};
    CheckingMailbox checker{mailbox, now};
    mock::UserLocks locks;
    mock::SessionCore core{checker, locks, mock::CoreSettings{}, [this] { return now; },
                           [](std::string_view) {}};
    bool closed = false;

    Session() {
        // Org unit /org: alice, bob, carol (who blocks alice); mallory beyond a symlink into
        // another org unit, and a symlink out of the root.
        for (const char* user : {"alice", "bob", "carol"}) {
            mailbox.make_user("/org", user);
        }
        mailbox.add_blacklist_entry("/org", "carol", "alice");
        mailbox.make_user("/other", "mallory");
        mailbox.make_symlink("/org/mallory", "/other/mallory");
        mailbox.make_symlink("/org/out", "../outside");
        mailbox.clear_touched();
    }

    // Checks an output, then does what the I/O layer does: auto delete after the write.
    void take(mock::CoreOutput out, bool poll) {
        require_calls_describe_bytes(out);
        require(!closed || out.empty(), "output after a close");
        if (poll) {
            require_pushes(out, checker.take_reads());
        }
        for (const auto& removal : out.remove_after_write) {
            checker.remove(removal.user, removal.message);
        }
        closed = closed || out.close_reason.has_value();
    }
    void poll() { take(core.poll_deliveries(), true); }
    // At-least-once, once the deliveries are drained: an accepted message never pushed must be
    // at or before the setup timestamp. That timestamp is the core's own, so a probe of the
    // same second is planted beside the newest such message: if the probe goes out, that
    // message should have gone out too.
    void require_nothing_left_behind() {
        const auto newest = checker.newest_left_behind();
        if (!newest) {
            return;
        }
        const std::string probe =
            checker.user() + "/messages/" + std::to_string(*newest) + "-probe";
        if (mailbox.kind(probe)) {
            return;
        }
        mailbox.write_file(probe, "probe");
        poll();
        require(!checker.pushed(probe),
                "an accepted message was never pushed, but a message of its second is");
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::FuzzInput input(data, size);
    // Mode byte: bits 0-5 the chunk size - 1 (1..64); bit 6 another session holds bob (a
    // unique-user login as bob is refused); bit 7 polls after every fourth chunk only, so
    // that messages pile up between polls.
    const std::uint8_t mode = input.take_byte();
    const std::size_t chunk = fuzz::bits(mode, 0, 6) + 1;
    const std::size_t poll_every = (mode & 0x80) != 0 ? 4 : 1;
    Session session;
    if ((mode & 0x40) != 0) {
        session.locks.try_acquire((session.mailbox.root() / "org" / "bob").string());
    }
    const std::string_view bytes = input.take_rest();
    std::size_t chunks = 0;
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
        session.take(session.core.receive(bytes.substr(at, chunk)), false);
        if (++chunks % poll_every == 0) {
            session.now += chunks % 2; // two chunks per second: some messages share one
            session.poll();
        }
    }
    // Drain: whatever is due now goes out, and then nothing more.
    session.now += 1;
    session.poll();
    session.poll();
    if (session.core.delivering() && !session.closed) {
        session.require_nothing_left_behind();
    }
    session.core.on_close();
    session.closed = true;
    session.take(session.core.poll_deliveries(), true);
    return 0;
}
