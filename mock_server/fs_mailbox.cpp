// FsMailbox: the reference server's mailbox on a real directory, shared by every session thread:
// org units and users located by the jailed walk (fs_paths.hpp), scanning and reading messages.
// Delivery is in fs_delivery.cpp, the TF file commands in fs_file_commands.cpp.
#include "mock_server/fs_mailbox.hpp"

#include "mock_server/fs_paths.hpp"
#include "protocol/messages.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <dirent.h>
#include <fcntl.h>
#include <limits>
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
constexpr const char* tmp_name = ".xsime-tmp";

std::string quoted(const fs::path& p) {
    return "'" + p.string() + "'";
}

// Paths below the root are shown as seen from it in reasons.
std::string shown(std::string_view rel) {
    return "'/" + std::string(rel) + "'";
}

std::string cause(int err) {
    return std::generic_category().message(err);
}

std::int64_t realtime_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int64_t to_ns(const timespec& t) {
    return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

bool in_temporary_folder(std::string_view rel) {
    return rel.substr(0, rel.find('/')) == tmp_name;
}

// The message files of one folder, in delivery order; empty when it cannot be listed. The
// listing gets its own descriptor because closedir closes it.
std::vector<StoredMessage> list_messages(const Fd& messages) {
    std::vector<StoredMessage> out;
    const int fd = ::openat(messages.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
    // The operator's path, opened once by name; clients' paths are only ever walked below it.
    root_fd_ = Fd(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (root_fd_.get() < 0) {
        throw std::runtime_error("mailbox root " + quoted(root_) + ": " + cause(errno));
    }
    tmp_dir_ = root_ / tmp_name;
    // 0700: half-written messages are nobody's business; the links made from them are
    // separate names with the file's own mode.
    if (::mkdirat(root_fd_.get(), tmp_name, 0700) != 0 && errno != EEXIST) {
        throw std::runtime_error("mailbox temporary folder " + quoted(tmp_dir_) + ": " +
                                 cause(errno));
    }
    tmp_fd_ = open_folder_at(root_fd_.get(), tmp_name, O_PATH);
    if (tmp_fd_.get() < 0) {
        const int err = errno;
        throw std::runtime_error("mailbox temporary folder " + quoted(tmp_dir_) +
                                 (err == ENOTDIR || err == ELOOP
                                      ? std::string(" is not a directory (or is a symlink)")
                                      : ": " + cause(err)));
    }
    removed_leftovers_ = remove_leftovers();
}

std::optional<std::string> FsMailbox::below_root(const fs::path& dir) const {
    const auto [r, d] = std::mismatch(root_.begin(), root_.end(), dir.begin(), dir.end());
    if (r != root_.end()) {
        return std::nullopt;
    }
    std::string rel;
    for (auto part = d; part != dir.end(); ++part) {
        const std::string name = part->string();
        if (name == "." || name == "..") {
            return std::nullopt;
        }
        if (!name.empty()) { // a trailing '/' is an empty element
            rel += (rel.empty() ? "" : "/") + name;
        }
    }
    return rel;
}

FsMailbox::Located FsMailbox::locate_user(const std::string& org_rel, std::string_view name) const {
    if (name.find('\0') != std::string_view::npos) {
        // Not echoed: the string would be cut at the NUL in every log line anyway.
        return {Lookup::refused, {}, {}, "path contains a NUL byte"};
    }
    std::optional<std::string> normal = normalise(name);
    if (!normal) {
        return {Lookup::refused,
                {},
                {},
                "'" + std::string(name) + "' climbs above the org unit " + shown(org_rel)};
    }
    const std::string path = org_rel.empty()   ? *normal
                             : normal->empty() ? org_rel
                                               : org_rel + "/" + *normal;
    if (in_temporary_folder(path)) { // before the walk, as in open_org_unit
        return {Lookup::missing,
                {},
                std::move(*normal),
                shown(path) + " is the server's temporary folder"};
    }
    Resolution r = resolve_beneath(root_fd_.get(), root_, path);
    if (r.found != Lookup::ok) {
        return {r.found, {}, std::move(*normal), std::move(r.reason)};
    }
    // Compared after resolution: "a/.." or a symlink to "." also name the org unit.
    if (r.rel == org_rel) {
        return {Lookup::missing,
                {},
                std::move(*normal),
                "'" + std::string(name) + "' names the org unit " + shown(org_rel) + " itself"};
    }
    if (!org_rel.empty() && !r.rel.starts_with(org_rel + "/")) {
        return {Lookup::refused,
                {},
                std::move(*normal),
                "'" + std::string(name) + "' resolves to " + shown(r.rel) +
                    ", outside the org unit " + shown(org_rel)};
    }
    // The server's own: a user there would see half messages.
    if (in_temporary_folder(r.rel)) {
        return {Lookup::missing,
                {},
                std::move(*normal),
                shown(r.rel) + " is the server's temporary folder"};
    }
    return {Lookup::ok, std::move(r.rel), std::move(*normal), {}};
}

// A symlink at messages/ or messages/blacklist/ could send deliveries (and the user's reads)
// out of the org unit, so it is refused, not followed.
Fd FsMailbox::open_mailbox(const std::string& user_rel, Lookup& found, std::string& reason) const {
    Fd user = open_folder_beneath(root_fd_.get(), user_rel, O_PATH);
    if (user.get() < 0) {
        found = Lookup::missing; // vanished since it was located, or swapped for a symlink
        reason = shown(user_rel) + ": " + cause(errno);
        return Fd(-1);
    }
    Fd messages(-1);
    std::string rel = user_rel;
    for (const char* name : {"messages", "blacklist"}) {
        const int at = messages.get() < 0 ? user.get() : messages.get();
        rel += std::string("/") + name;
        if (::mkdirat(at, name, 0777) != 0 && errno != EEXIST) {
            const int err = errno;
            // ENOENT: the user folder vanished in between, as if it never existed.
            found = err == ENOENT ? Lookup::missing : Lookup::refused;
            reason = shown(rel) + ": " + cause(err);
            return Fd(-1);
        }
        Fd opened = open_folder_at(at, name, O_PATH);
        if (opened.get() < 0) {
            const int err = errno;
            struct stat st {};
            const bool stat_ok = ::fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
            found = Lookup::refused;
            reason = shown(rel) + (stat_ok && S_ISLNK(st.st_mode)    ? " is a symlink"
                                   : stat_ok && !S_ISDIR(st.st_mode) ? " is not a directory"
                                                                     : ": " + cause(err));
            return Fd(-1);
        }
        if (messages.get() < 0) {
            messages = std::move(opened);
        }
    }
    return messages;
}

Fd FsMailbox::open_messages(const UserRef& user, int flags) const {
    const auto rel = below_root(user.dir);
    return rel ? open_folder_beneath(root_fd_.get(), *rel + "/messages", flags) : Fd(-1);
}

std::variant<OrgUnitRef, MailboxError> FsMailbox::open_org_unit(std::string_view path) {
    if (path.find('\0') != std::string_view::npos) {
        return MailboxError{"org unit: path contains a NUL byte"};
    }
    const std::optional<std::string> normal = normalise(path);
    if (!normal) {
        return MailboxError{"org unit: '" + std::string(path) + "' climbs above the root"};
    }
    // The temporary folder is the server's own; a user there would see half messages. Checked
    // before the walk too, so that nothing in it is even looked at.
    if (in_temporary_folder(*normal)) {
        return MailboxError{"org unit: " + shown(*normal) + " is the server's temporary folder"};
    }
    Resolution r = resolve_beneath(root_fd_.get(), root_, *normal);
    if (r.found != Lookup::ok) {
        return MailboxError{"org unit: " + r.reason};
    }
    if (in_temporary_folder(r.rel)) {
        return MailboxError{"org unit: " + shown(r.rel) + " is the server's temporary folder"};
    }
    return OrgUnitRef{r.rel.empty() ? root_ : root_ / r.rel};
}

std::variant<UserRef, MailboxError> FsMailbox::open_user(const OrgUnitRef& org,
                                                         std::string_view name) {
    if (auto refused = check_user_name(name)) {
        return *refused;
    }
    const auto org_rel = below_root(org.dir);
    if (!org_rel) {
        return MailboxError{"user: org unit " + quoted(org.dir) + " is not inside the root"};
    }
    Located user = locate_user(*org_rel, name);
    if (user.found != Lookup::ok) {
        return MailboxError{"user: " + user.reason};
    }
    Lookup found = Lookup::ok;
    std::string reason;
    if (open_mailbox(user.rel, found, reason).get() < 0) {
        return MailboxError{"user: " + reason};
    }
    fs::path dir = root_ / user.rel;
    fs::path messages = dir / "messages";
    return UserRef{std::move(dir), std::move(messages), std::move(user.name)};
}

std::optional<std::vector<StoredMessage>> FsMailbox::scan(const UserRef& user, ScanMemo& memo) {
    const Fd messages = open_messages(user, O_PATH);
    struct stat st {};
    if (messages.get() < 0 || ::fstat(messages.get(), &st) != 0) {
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
        std::lock_guard folder(folder_mutex(user.dir / "messages"));
        out = list_messages(messages);
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
    const Fd messages = open_messages(user, O_PATH);
    // O_NONBLOCK: a FIFO put there under a message's name must not hang the session.
    Fd fd(messages.get() < 0 ? -1
                             : ::openat(messages.get(), message.name.c_str(),
                                        O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
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
    if (const Fd messages = open_messages(user, O_PATH); messages.get() >= 0) {
        ::unlinkat(messages.get(), message.name.c_str(), 0);
    }
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
