// FsMailbox: the reference server's mailbox on a real directory, shared by every session thread.
#include "mock_server/fs_mailbox.hpp"

#include "mock_server/fs_paths.hpp"
#include "protocol/messages.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <dirent.h>
#include <fcntl.h>
#include <limits>
#include <set>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/types.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace xsime::mock {
namespace {

namespace fs = std::filesystem;

// A message is at most a 16 KiB push; anything far larger in messages/ is not ours and
// must not make the server allocate without bound.
constexpr std::size_t max_message_file = 1024 * 1024;
// Linux stamps directory times with a coarse clock (one tick, up to 10 ms): two changes
// within one tick leave the same mtime, so only an mtime this old is known to be final.
constexpr std::int64_t settle_ns = 50'000'000;
// Filesystems with whole-second (ext4 with small inodes) or 2-second (FAT) timestamps
// give no sub-second part; such an mtime only settles once that granularity has passed.
constexpr std::int64_t coarse_settle_ns = 2'050'000'000;
// Attempts at a fresh name when one is taken (another server process on the same root
// whose sequence caught up with ours); a few are plenty, the loop must still end.
constexpr int name_attempts = 8;

std::string quoted(const fs::path& p) {
    return "'" + p.string() + "'";
}

std::string describe(const fs::path& p, int err) {
    return quoted(p) + ": " + std::generic_category().message(err);
}

std::int64_t realtime_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int64_t to_ns(const timespec& t) {
    return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// write() may be interrupted or write less than asked; loop until all is written.
// Returns 0 or the errno of the failure.
int write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return 0;
}

// Writes `content` to a file that must not exist yet. Returns 0 or the errno; on failure
// nothing is left behind, except the name when the error is EEXIST (someone else's file).
int create_file(const fs::path& path, std::string_view content) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (fd.get() < 0) {
        return errno;
    }
    int err = write_all(fd.get(), content);
    if (fd.release_and_close() != 0 && err == 0) {
        err = errno;
    }
    if (err != 0) {
        ::unlink(path.c_str());
    }
    return err;
}

std::string message_name(std::uint64_t timestamp, std::uint64_t sequence) {
    // 10 digits cover every timestamp until 2286; later ones just grow longer. The
    // sequence's 20 digits hold any uint64, so names of one second sort by sequence.
    char buf[64];
    std::snprintf(buf, sizeof buf, "%010llu-%020llu", static_cast<unsigned long long>(timestamp),
                  static_cast<unsigned long long>(sequence));
    return buf;
}

// Component-wise, so that "/root/ab" is not taken to be inside "/root/a".
bool is_within(const fs::path& base, const fs::path& p) {
    const auto [b, q] = std::mismatch(base.begin(), base.end(), p.begin(), p.end());
    (void)q;
    return b == base.end();
}

enum class Found {
    ok,      // an existing directory inside the base
    missing, // does not exist, or is not a directory
    refused, // leaves the base, or is not a valid path at all
};

struct Resolved {
    Found found = Found::refused;
    fs::path dir;     // canonical, when found == ok
    std::string name; // the lexically normalised relative path
    std::string reason;
};

Resolved resolve(const fs::path& base, std::string_view rel) {
    if (rel.find('\0') != std::string_view::npos) {
        // Not echoed: the string would be cut at the NUL in every log line anyway.
        return {Found::refused, {}, {}, "path contains a NUL byte"};
    }
    std::optional<std::string> name = normalise(rel);
    if (!name) {
        return {Found::refused, {}, {}, "'" + std::string(rel) + "' climbs above " + quoted(base)};
    }
    const fs::path target = name->empty() ? base : base / *name;
    // weakly_canonical also resolves the existing prefix of a missing path, so that a
    // symlink pointing out is refused even when its target does not exist.
    std::error_code ec;
    fs::path real = fs::weakly_canonical(target, ec);
    if (ec) {
        return {Found::missing, {}, std::move(*name), quoted(target) + ": " + ec.message()};
    }
    if (!is_within(base, real)) {
        return {Found::refused,
                {},
                std::move(*name),
                quoted(target) + " resolves to " + quoted(real) + ", outside " + quoted(base)};
    }
    struct stat st {};
    if (::stat(real.c_str(), &st) != 0) {
        return {Found::missing, {}, std::move(*name), describe(real, errno)};
    }
    if (!S_ISDIR(st.st_mode)) {
        return {Found::missing, {}, std::move(*name), quoted(real) + " is not a directory"};
    }
    return {Found::ok, std::move(real), std::move(*name), {}};
}

// Creates messages/ and messages/blacklist/ when missing. A symlink there could send
// deliveries (and the user's reads) out of the org unit, so it is refused, not followed.
Resolved ensure_mailbox(const fs::path& user_dir) {
    fs::path dir = user_dir / "messages";
    for (int level = 0; level < 2; ++level, dir /= "blacklist") {
        if (::mkdir(dir.c_str(), 0777) == 0) {
            continue;
        }
        const int err = errno;
        if (err != EEXIST) {
            // ENOENT: the user folder vanished in between, as if it never existed.
            return {err == ENOENT ? Found::missing : Found::refused, {}, {}, describe(dir, err)};
        }
        struct stat st {};
        if (::lstat(dir.c_str(), &st) != 0) {
            return {Found::refused, {}, {}, describe(dir, errno)};
        }
        if (S_ISLNK(st.st_mode)) {
            return {Found::refused, {}, {}, quoted(dir) + " is a symlink"};
        }
        if (!S_ISDIR(st.st_mode)) {
            return {Found::refused, {}, {}, quoted(dir) + " is not a directory"};
        }
    }
    return {Found::ok, user_dir, {}, {}};
}

// A message name comes back from scan(), but callers are not trusted to pass one.
bool is_plain_file_name(std::string_view name) {
    return !name.empty() && name != "." && name != ".." &&
           name.find_first_of(std::string_view("/\0", 2)) == std::string_view::npos;
}

std::uint64_t leading_timestamp(std::string_view name) {
    constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t value = 0;
    for (const char c : name) {
        if (c < '0' || c > '9') {
            break;
        }
        const auto digit = static_cast<std::uint64_t>(c - '0');
        value = value > (max - digit) / 10 ? max : value * 10 + digit;
    }
    return value;
}

enum class Placed { ok, missing, failed };

// Puts the message into `messages` under `name` (or a fresh name if that one is taken):
// a hard link to the temporary file, or, where links are impossible, a copy renamed
// into place. Either way a reader sees the whole message or nothing.
Placed place(const fs::path& tmp, const fs::path& messages, std::string name,
             std::uint64_t timestamp, std::string_view content,
             std::atomic<std::uint64_t>& sequence, std::string& reason) {
    bool copy = false;
    for (int attempt = 0; attempt < name_attempts;
         ++attempt, name = message_name(timestamp, sequence.fetch_add(1))) {
        const fs::path target = messages / name;
        if (!copy) {
            if (::link(tmp.c_str(), target.c_str()) == 0) {
                return Placed::ok;
            }
            const int err = errno;
            if (err == EEXIST) {
                continue;
            }
            struct stat st {};
            if (err == ENOENT && ::lstat(messages.c_str(), &st) != 0) {
                return Placed::missing; // messages/ removed under us: as if the user vanished
            }
            // ENOENT with messages/ still there: the temporary file was removed (a cleaner
            // on the root); the content is still in memory, so copy it instead.
            if (err != ENOENT && err != EXDEV && err != EPERM && err != EMLINK) {
                reason = describe(target, err);
                return Placed::failed;
            }
            copy = true;
        }
        // The part file starts with '.', so scan() never lists it.
        const fs::path part = messages / ("." + name + ".part");
        if (const int err = create_file(part, content); err != 0) {
            if (err == EEXIST) {
                continue;
            }
            reason = describe(part, err);
            return err == ENOENT ? Placed::missing : Placed::failed;
        }
        // RENAME_NOREPLACE keeps another process's message of the same name; filesystems
        // that cannot do it (EINVAL) get a plain rename, where a clash is near impossible.
        int rc = ::renameat2(AT_FDCWD, part.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE);
        if (rc != 0 && errno == EINVAL) {
            rc = ::rename(part.c_str(), target.c_str());
        }
        if (rc == 0) {
            return Placed::ok;
        }
        const int err = errno;
        ::unlink(part.c_str());
        if (err == EEXIST) {
            continue;
        }
        reason = describe(target, err);
        return Placed::failed;
    }
    reason = quoted(messages) + ": no free message name after " + std::to_string(name_attempts) +
             " attempts";
    return Placed::failed;
}

// FAULT same_second_loss: the message file is named after its second alone, and a name
// already taken is not retried: a second message to the same user within one second is
// taken as delivered and lost. False on any other failure, which place() then handles.
bool place_by_second(const fs::path& tmp, const fs::path& messages, std::uint64_t timestamp) {
    const fs::path target = messages / std::to_string(timestamp);
    return ::link(tmp.c_str(), target.c_str()) == 0 || errno == EEXIST;
}

// The message files of one folder, in delivery order; empty when it cannot be opened.
std::vector<StoredMessage> list_messages(const fs::path& messages) {
    std::vector<StoredMessage> out;
    const int fd = ::open(messages.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    DIR* dir = fd >= 0 ? ::fdopendir(fd) : nullptr;
    if (dir == nullptr) {
        if (fd >= 0) {
            ::close(fd);
        }
        return out;
    }
    while (const dirent* entry = ::readdir(dir)) {
        const std::string_view file = entry->d_name;
        if (file.empty() || file[0] < '0' || file[0] > '9') {
            continue; // also skips '.', '..', dot files and our own .part files
        }
        bool regular = entry->d_type == DT_REG;
        if (entry->d_type == DT_UNKNOWN) {
            struct stat fst {};
            regular = ::fstatat(fd, entry->d_name, &fst, AT_SYMLINK_NOFOLLOW) == 0 &&
                      S_ISREG(fst.st_mode);
        }
        if (regular) {
            out.push_back(StoredMessage{std::string(file), leading_timestamp(file)});
        }
    }
    ::closedir(dir);
    std::sort(out.begin(), out.end(), delivery_order);
    return out;
}

} // namespace

FsMailbox::FsMailbox(const std::filesystem::path& root, Faults faults)
    // Starting from the clock keeps names increasing across restarts of the server.
    : faults_(faults), sequence_(static_cast<std::uint64_t>(realtime_ns())) {
    std::error_code ec;
    root_ = fs::canonical(root, ec);
    if (ec) {
        throw std::runtime_error("mailbox root " + quoted(root) + ": " + ec.message());
    }
    if (!fs::is_directory(root_, ec)) {
        throw std::runtime_error("mailbox root " + quoted(root) + " is not a directory");
    }
    tmp_dir_ = root_ / ".xsime-tmp";
    // 0700: half-written messages are nobody's business; the links made from them are
    // separate names with the file's own mode.
    if (::mkdir(tmp_dir_.c_str(), 0700) != 0 && errno != EEXIST) {
        const int err = errno;
        throw std::runtime_error("mailbox temporary folder " + describe(tmp_dir_, err));
    }
    struct stat st {};
    if (::lstat(tmp_dir_.c_str(), &st) != 0) {
        const int err = errno;
        throw std::runtime_error("mailbox temporary folder " + describe(tmp_dir_, err));
    }
    if (!S_ISDIR(st.st_mode)) {
        throw std::runtime_error("mailbox temporary folder " + quoted(tmp_dir_) +
                                 " is not a directory (or is a symlink)");
    }
}

std::variant<OrgUnitRef, MailboxError> FsMailbox::open_org_unit(std::string_view path) {
    Resolved r = resolve(root_, path);
    if (r.found != Found::ok) {
        return MailboxError{"org unit: " + r.reason};
    }
    // The temporary folder is the server's own; a user there would see half messages.
    if (is_within(tmp_dir_, r.dir)) {
        return MailboxError{"org unit: " + quoted(r.dir) + " is the server's temporary folder"};
    }
    return OrgUnitRef{std::move(r.dir)};
}

std::variant<UserRef, MailboxError> FsMailbox::open_user(const OrgUnitRef& org,
                                                         std::string_view name) {
    if (name.size() > protocol::max_user_name) {
        return MailboxError{"user: name of " + std::to_string(name.size()) + " bytes, over " +
                            std::to_string(protocol::max_user_name)};
    }
    if (name.empty()) {
        return MailboxError{"user: empty name"};
    }
    Resolved r = resolve(org.dir, name);
    if (r.found != Found::ok) {
        return MailboxError{"user: " + r.reason};
    }
    // Compared after resolution too: "a/.." or a symlink to "." also name the org unit.
    if (r.name.empty() || r.dir == org.dir) {
        return MailboxError{"user: '" + std::string(name) + "' names the org unit " +
                            quoted(org.dir) + " itself"};
    }
    if (is_within(tmp_dir_, r.dir)) {
        return MailboxError{"user: " + quoted(r.dir) + " is the server's temporary folder"};
    }
    if (const Resolved box = ensure_mailbox(r.dir); box.found != Found::ok) {
        return MailboxError{"user: " + box.reason};
    }
    fs::path messages = r.dir / "messages";
    return UserRef{std::move(r.dir), std::move(messages), std::move(r.name)};
}

std::variant<DeliveryReport, MailboxError>
FsMailbox::deliver(const OrgUnitRef& org, std::string_view sender,
                   std::span<const std::string> recipients, std::uint64_t timestamp,
                   std::string_view content) {
    // Taken on arrival, so names of one second sort in the order messages came in.
    const std::string name = message_name(timestamp, sequence_.fetch_add(1));
    DeliveryReport report;

    // Every recipient is resolved before anything is written: one that leaves the org
    // unit refuses the whole message.
    std::vector<fs::path> targets;
    std::set<std::string> seen; // canonical folders, and names of missing recipients
    for (const std::string& recipient : recipients) {
        if (recipient.find('\0') == std::string::npos &&
            recipient.size() > protocol::max_user_name) {
            if (seen.insert("missing:" + recipient).second) {
                ++report.missing;
            }
            continue;
        }
        Resolved r = resolve(org.dir, recipient);
        if (r.found == Found::refused) {
            return MailboxError{"recipient: " + r.reason};
        }
        // The org unit itself and the server's temporary folder are nobody's mailbox.
        if (r.found == Found::missing || r.name.empty() || r.dir == org.dir ||
            is_within(tmp_dir_, r.dir)) {
            if (seen.insert("missing:" + r.name).second) {
                ++report.missing;
            }
            continue;
        }
        if (seen.insert(r.dir.string()).second) {
            targets.push_back(std::move(r.dir));
        }
    }
    if (targets.empty()) {
        return report;
    }

    // Written once; every mailbox gets a link to it. The name carries the pid because
    // another server may share the root while its sequence collides with ours.
    fs::path tmp;
    for (int attempt = 0;; ++attempt) {
        tmp = tmp_dir_ /
              ("msg-" + std::to_string(::getpid()) + "-" + std::to_string(sequence_.fetch_add(1)));
        const int err = create_file(tmp, content);
        if (err == 0) {
            break;
        }
        if (err != EEXIST || attempt + 1 >= name_attempts) {
            return MailboxError{"temporary message " + describe(tmp, err)};
        }
    }

    // The sender's blacklist entry is looked up under its normalised name, so "/alice"
    // and "alice" are the same sender.
    const std::optional<std::string> sender_name =
        sender.find('\0') == std::string_view::npos ? normalise(sender) : std::nullopt;
    std::string failures;
    for (const fs::path& dir : targets) {
        const Resolved box = ensure_mailbox(dir);
        if (box.found != Found::ok) {
            // A mailbox that cannot hold messages (messages/ is a symlink or a file) can
            // not be opened by its user either: the recipient is as good as missing.
            ++report.missing;
            continue;
        }
        const fs::path messages = dir / "messages";
        // FAULT blacklist_ignored: the blacklist is never looked at.
        if (sender_name && !sender_name->empty() && !faults_.has(Fault::blacklist_ignored)) {
            struct stat st {};
            const fs::path entry = messages / "blacklist" / *sender_name;
            if (::lstat(entry.c_str(), &st) == 0) {
                ++report.blacklisted;
                continue;
            }
        }
        std::string reason;
        const auto placed = [&] {
            std::lock_guard folder(folder_mutex(messages));
            if (faults_.has(Fault::same_second_loss) && place_by_second(tmp, messages, timestamp)) {
                return Placed::ok;
            }
            return place(tmp, messages, name, timestamp, content, sequence_, reason);
        }();
        switch (placed) {
        case Placed::ok:
            ++report.delivered;
            break;
        case Placed::missing:
            ++report.missing;
            break;
        case Placed::failed:
            failures += (failures.empty() ? "" : "; ") + reason;
            break;
        }
    }
    ::unlink(tmp.c_str());
    if (!failures.empty()) {
        // The others did get the message; the error is for the log and the sender's reply.
        return MailboxError{"delivered to " + std::to_string(report.delivered) + " of " +
                            std::to_string(targets.size()) + " recipient(s); failed: " + failures};
    }
    return report;
}

std::optional<std::vector<StoredMessage>> FsMailbox::scan(const UserRef& user, ScanMemo& memo) {
    struct stat st {};
    if (::stat(user.messages.c_str(), &st) != 0) {
        memo = {};
        return std::vector<StoredMessage>{};
    }
    const std::int64_t mtime = to_ns(st.st_mtim);
    const std::int64_t ctime = to_ns(st.st_ctim);
    const std::int64_t now = realtime_ns();
    const std::int64_t settle = st.st_mtim.tv_nsec == 0 ? coarse_settle_ns : settle_ns;
    const bool settled = now - mtime > settle;
    if (memo.valid && memo.mtime_ns == mtime && memo.ctime_ns == ctime && settled) {
        return std::nullopt;
    }

    std::vector<StoredMessage> out;
    {
        std::lock_guard folder(folder_mutex(user.messages));
        out = list_messages(user.messages);
    }

    // The memo is only trusted if the mtime had already settled when the folder was
    // stat'ed (before listing): a change within the same coarse tick after an earlier
    // listing would otherwise leave mtime and ctime equal and be missed for good.
    memo.valid = settled;
    memo.mtime_ns = mtime;
    memo.ctime_ns = ctime;
    return out;
}

std::optional<std::string> FsMailbox::read(const UserRef& user, const StoredMessage& message) {
    if (!is_plain_file_name(message.name)) {
        return std::nullopt;
    }
    const fs::path path = user.messages / message.name;
    // O_NONBLOCK: a FIFO put there under a message's name must not hang the session.
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (fd.get() < 0) {
        return std::nullopt;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
        static_cast<std::uint64_t>(st.st_size) > max_message_file) {
        return std::nullopt;
    }
    std::string content(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t used = 0;
    for (;;) {
        // The file may have grown since fstat: read one byte past the limit to see it.
        if (used == content.size()) {
            if (content.size() > max_message_file) {
                return std::nullopt;
            }
            content.resize(std::min(content.size() + 4096, max_message_file + 1));
        }
        const ssize_t n = ::read(fd.get(), content.data() + used, content.size() - used);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return std::nullopt;
        }
        if (n == 0) {
            break;
        }
        used += static_cast<std::size_t>(n);
    }
    content.resize(used);
    return content;
}

void FsMailbox::remove(const UserRef& user, const StoredMessage& message) {
    if (!is_plain_file_name(message.name)) {
        return;
    }
    // ENOENT (another session of the user removed it first) is the expected race; other
    // errors leave the file, which is then pushed again: nothing better to do here.
    ::unlink((user.messages / message.name).c_str());
}

std::mutex& FsMailbox::folder_mutex(const fs::path& messages) {
    std::lock_guard lock(folders_mutex_);
    auto& slot = folder_mutexes_[messages.native()];
    if (!slot) {
        slot = std::make_unique<std::mutex>();
    }
    return *slot;
}

} // namespace xsime::mock
