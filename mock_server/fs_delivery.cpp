// FsMailbox::deliver: a message is written once to the temporary folder and linked into each
// recipient's messages/; and the temporary folder's naming, with the cleanup at start of what
// a crashed server left there.
#include "mock_server/fs_mailbox.hpp"
#include "protocol/messages.hpp"

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <set>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace xsime::mock {
namespace {

// Attempts at a fresh name when one is taken (another server process on the same root
// whose sequence caught up with ours); a few are plenty, the loop must still end.
constexpr int name_attempts = 8;
// A delivery holds its temporary file for milliseconds: one this old is a leftover even if
// the process named in it is alive (its pid was reused by another program).
constexpr std::time_t leftover_age_s = 3600;
constexpr std::string_view temporary_prefix = "msg-";

std::string describe(std::string_view rel, int err) {
    return "'/" + std::string(rel) + "': " + std::generic_category().message(err);
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

// Writes `content` to `name` in `dir`, which must not exist yet. Returns 0 or the errno; on
// failure nothing is left behind, except the name when the error is EEXIST (someone else's).
int create_file(int dir, const std::string& name, std::string_view content) {
    Fd fd(::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666));
    if (fd.get() < 0) {
        return errno;
    }
    int err = write_all(fd.get(), content);
    if (fd.release_and_close() != 0 && err == 0) {
        err = errno;
    }
    if (err != 0) {
        ::unlinkat(dir, name.c_str(), 0);
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

// "msg-<pid>-<sequence>": the pid, because another server may share the root while its
// sequence collides with ours.
std::string temporary_name(std::uint64_t sequence) {
    return std::string(temporary_prefix) + std::to_string(::getpid()) + "-" +
           std::to_string(sequence);
}

// The pid in a name temporary_name() could have made; std::nullopt for any other name.
std::optional<pid_t> temporary_owner(std::string_view name) {
    if (!name.starts_with(temporary_prefix)) {
        return std::nullopt;
    }
    name.remove_prefix(temporary_prefix.size());
    const auto dash = name.find('-');
    if (dash == 0 || dash == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view sequence = name.substr(dash + 1);
    pid_t pid = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + dash, pid);
    if (ec != std::errc{} || end != name.data() + dash || pid <= 0 || sequence.empty() ||
        sequence.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::nullopt;
    }
    return pid;
}

// Another live server on the same root still owns its temporary files. Our own pid is no
// owner: a restarted server often gets its old pid back (pid 1 in a container).
bool owned_by_a_live_server(pid_t pid, const struct stat& st) {
    const bool alive = pid != ::getpid() && (::kill(pid, 0) == 0 || errno == EPERM);
    return alive && std::time(nullptr) - st.st_mtim.tv_sec < leftover_age_s;
}

// Writes the message once to the temporary folder; its name, or the error.
std::variant<std::string, MailboxError>
write_temporary(int tmp_dir, std::atomic<std::uint64_t>& sequence, std::string_view content) {
    for (int attempt = 0;; ++attempt) {
        std::string name = temporary_name(sequence.fetch_add(1));
        const int err = create_file(tmp_dir, name, content);
        if (err == 0) {
            return name;
        }
        if (err != EEXIST || attempt + 1 >= name_attempts) {
            return MailboxError{"temporary message " + describe(".xsime-tmp/" + name, err)};
        }
    }
}

// A file named after the sender in messages/blacklist/ (any type); its folders are walked
// without following a symlink, like every other path a client names.
bool blacklisted(int messages, const std::string& sender) {
    auto parts = components(sender);
    if (parts.empty()) {
        return false;
    }
    const std::string last = std::move(parts.back());
    parts.pop_back();
    Fd dir = open_folder_at(messages, "blacklist", O_PATH);
    for (const auto& part : parts) {
        if (dir.get() < 0) {
            return false;
        }
        dir = open_folder_at(dir.get(), part, O_PATH);
    }
    struct stat st {};
    return dir.get() >= 0 && ::fstatat(dir.get(), last.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

enum class Placed { ok, missing, failed };

// Where a message goes: messages/ of one recipient, and how it is named in reasons.
struct Destination {
    int messages;
    std::string shown; // "org/bob/messages", relative to the root
};

// Puts the message into `to` under `name` (or a fresh name if that one is taken): a hard
// link to the temporary file, or, where links are impossible, a copy renamed into place.
// Either way a reader sees the whole message or nothing.
Placed place(int tmp_dir, const std::string& tmp_name, const Destination& to, std::string name,
             std::uint64_t timestamp, std::string_view content,
             std::atomic<std::uint64_t>& sequence, std::string& reason) {
    bool copy = false;
    for (int attempt = 0; attempt < name_attempts;
         ++attempt, name = message_name(timestamp, sequence.fetch_add(1))) {
        if (!copy) {
            if (::linkat(tmp_dir, tmp_name.c_str(), to.messages, name.c_str(), 0) == 0) {
                return Placed::ok;
            }
            const int err = errno;
            if (err == EEXIST) {
                continue;
            }
            struct stat st {};
            if (err == ENOENT && (::fstat(to.messages, &st) != 0 || st.st_nlink == 0)) {
                return Placed::missing; // messages/ removed under us: as if the user vanished
            }
            // ENOENT with messages/ still there: the temporary file was removed (a cleaner
            // on the root); the content is still in memory, so copy it instead.
            if (err != ENOENT && err != EXDEV && err != EPERM && err != EMLINK) {
                reason = describe(to.shown + "/" + name, err);
                return Placed::failed;
            }
            copy = true;
        }
        // The part file starts with '.', so scan() never lists it.
        const std::string part = "." + name + ".part";
        if (const int err = create_file(to.messages, part, content); err != 0) {
            if (err == EEXIST) {
                continue;
            }
            reason = describe(to.shown + "/" + part, err);
            return err == ENOENT ? Placed::missing : Placed::failed;
        }
        // RENAME_NOREPLACE keeps another process's message of the same name; filesystems
        // that cannot do it (EINVAL) get a plain rename, where a clash is near impossible.
        int rc =
            ::renameat2(to.messages, part.c_str(), to.messages, name.c_str(), RENAME_NOREPLACE);
        if (rc != 0 && errno == EINVAL) {
            rc = ::renameat(to.messages, part.c_str(), to.messages, name.c_str());
        }
        if (rc == 0) {
            return Placed::ok;
        }
        const int err = errno;
        ::unlinkat(to.messages, part.c_str(), 0);
        if (err == EEXIST) {
            continue;
        }
        reason = describe(to.shown + "/" + name, err);
        return Placed::failed;
    }
    reason = "'/" + to.shown + "': no free message name after " + std::to_string(name_attempts) +
             " attempts";
    return Placed::failed;
}

// FAULT same_second_loss: the message file is named after its second alone, and a name
// already taken is not retried: a second message to the same user within one second is
// taken as delivered and lost. False on any other failure, which place() then handles.
bool place_by_second(int tmp_dir, const std::string& tmp_name, int messages,
                     std::uint64_t timestamp) {
    const std::string target = std::to_string(timestamp);
    return ::linkat(tmp_dir, tmp_name.c_str(), messages, target.c_str(), 0) == 0 || errno == EEXIST;
}

} // namespace

std::variant<std::vector<std::string>, MailboxError>
FsMailbox::recipient_folders(const std::string& org_rel, std::span<const std::string> recipients,
                             DeliveryReport& report) const {
    std::vector<std::string> targets;
    std::set<std::string> seen; // folders below the root, and names of missing recipients
    for (const std::string& recipient : recipients) {
        if (recipient.find('\0') == std::string::npos &&
            recipient.size() > protocol::max_user_name) {
            if (seen.insert("missing:" + recipient).second) {
                ++report.missing;
            }
            continue;
        }
        Located user = locate_user(org_rel, recipient);
        if (user.found == Lookup::refused) {
            return MailboxError{"recipient: " + user.reason};
        }
        if (user.found == Lookup::missing) {
            if (seen.insert("missing:" + user.name).second) {
                ++report.missing;
            }
            continue;
        }
        if (seen.insert(user.rel).second) {
            targets.push_back(std::move(user.rel));
        }
    }
    return targets;
}

std::variant<DeliveryReport, MailboxError>
FsMailbox::deliver(const OrgUnitRef& org, std::string_view sender,
                   std::span<const std::string> recipients, std::uint64_t timestamp,
                   std::string_view content) {
    // Taken on arrival, so names of one second sort in the order messages came in.
    Outgoing message{{}, message_name(timestamp, sequence_.fetch_add(1)), timestamp, content, {}};
    DeliveryReport report;
    const auto org_rel = below_root(org.dir);
    if (!org_rel) {
        return MailboxError{"org unit '" + org.dir.string() + "' is not inside the root"};
    }
    // Every recipient is resolved before anything is written: one that leaves the org
    // unit refuses the whole message.
    auto resolved = recipient_folders(*org_rel, recipients, report);
    if (auto* error = std::get_if<MailboxError>(&resolved)) {
        return std::move(*error);
    }
    const auto& targets = std::get<std::vector<std::string>>(resolved);
    if (targets.empty()) {
        return report;
    }
    // Written once; every mailbox gets a link to it.
    auto written = write_temporary(tmp_fd_.get(), sequence_, content);
    if (auto* error = std::get_if<MailboxError>(&written)) {
        return std::move(*error);
    }
    message.tmp_name = std::get<std::string>(written);
    // The sender's blacklist entry is looked up under its normalised name, so "/alice"
    // and "alice" are the same sender.
    if (sender.find('\0') == std::string_view::npos) {
        message.sender = normalise(sender);
    }
    std::string failures;
    for (const std::string& rel : targets) {
        if (std::string reason; !deliver_to(rel, message, report, reason)) {
            failures += (failures.empty() ? "" : "; ") + reason;
        }
    }
    ::unlinkat(tmp_fd_.get(), message.tmp_name.c_str(), 0);
    if (!failures.empty()) {
        // The others did get the message; the error is for the log and the sender's reply.
        return MailboxError{"delivered to " + std::to_string(report.delivered) + " of " +
                            std::to_string(targets.size()) + " recipient(s); failed: " + failures};
    }
    return report;
}

bool FsMailbox::deliver_to(const std::string& user_rel, const Outgoing& message,
                           DeliveryReport& report, std::string& reason) {
    Lookup found = Lookup::ok;
    std::string why;
    // A mailbox that cannot hold messages (messages/ is a symlink or a file) can not be
    // opened by its user either: the recipient is as good as missing.
    const Fd messages = open_mailbox(user_rel, found, why);
    if (messages.get() < 0) {
        ++report.missing;
        return true;
    }
    // FAULT blacklist_ignored: the blacklist is never looked at.
    if (message.sender && !message.sender->empty() && !faults_.has(Fault::blacklist_ignored) &&
        blacklisted(messages.get(), *message.sender)) {
        ++report.blacklisted;
        return true;
    }
    const Destination to{messages.get(), user_rel + "/messages"};
    std::lock_guard folder(folder_mutex(root_ / user_rel / "messages"));
    if (faults_.has(Fault::same_second_loss) &&
        place_by_second(tmp_fd_.get(), message.tmp_name, to.messages, message.timestamp)) {
        ++report.delivered;
        return true;
    }
    switch (place(tmp_fd_.get(), message.tmp_name, to, message.name, message.timestamp,
                  message.content, sequence_, reason)) {
    case Placed::ok:
        ++report.delivered;
        return true;
    case Placed::missing:
        ++report.missing;
        return true;
    case Placed::failed:
        break;
    }
    return false;
}

std::size_t FsMailbox::remove_leftovers() {
    // Names first, removals after: readdir is unspecified about entries removed while it
    // runs. The listing gets its own descriptor because closedir closes it.
    std::vector<std::string> names;
    const int listing = ::openat(tmp_fd_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* stream = listing >= 0 ? ::fdopendir(listing) : nullptr;
    if (stream == nullptr) {
        if (listing >= 0) {
            ::close(listing);
        }
        return 0;
    }
    while (const dirent* entry = ::readdir(stream)) {
        names.emplace_back(entry->d_name);
    }
    ::closedir(stream);
    std::size_t removed = 0;
    for (const auto& name : names) {
        const auto owner = temporary_owner(name);
        struct stat st {};
        // Only regular files our own naming could have made: anything else is not ours.
        if (!owner || ::fstatat(tmp_fd_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode) || owned_by_a_live_server(*owner, st)) {
            continue;
        }
        if (::unlinkat(tmp_fd_.get(), name.c_str(), 0) == 0) {
            ++removed;
        }
    }
    return removed;
}

} // namespace xsime::mock
