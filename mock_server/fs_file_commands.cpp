// The reference server's TF file commands on the mailbox root: MKDIR, TOUCH, DEL, RMDIR and the
// read-only FSTAT, LS, LSR, each reached one folder at a time from the root, never through a
// symlink.
#include "mock_server/fs_mailbox.hpp"
#include "mock_server/fs_paths.hpp"

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <variant>
#include <vector>

namespace xsime::mock {
namespace {

namespace fs = std::filesystem;

// ---- the TF file commands ----
//
// Their reasons go back to the client, so they name paths as the client sees them
// ('/org/a', relative to the root) and never the server's root.

// RMDIR holds one descriptor per level it descends, and the sockets share the process's
// descriptors: a bound (folders nested below the one removed) keeps a runaway tree from
// starving the server.
constexpr int max_remove_depth = 128;

std::string shown(std::string_view rel) {
    return "'/" + std::string(rel) + "'";
}

std::string cause(int err) {
    return std::generic_category().message(err);
}

// Why `name` in `dir` cannot be used as a folder. An O_NOFOLLOW open that meets a symlink
// fails with ELOOP or ENOTDIR depending on the other flags, so lstat decides. `rel` names
// the entry in the reason; empty when the entry is the command's own target (the client's
// path already stands in front of the reason).
std::string folder_problem(int dir, const std::string& name, std::string_view rel, int err,
                           std::string_view if_missing) {
    const std::string subject = rel.empty() ? std::string() : shown(rel) + " ";
    struct stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        const int stat_err = errno;
        return stat_err == ENOENT ? std::string(if_missing) : subject + cause(stat_err);
    }
    if (S_ISLNK(st.st_mode)) {
        return subject + "is a symlink";
    }
    if (!S_ISDIR(st.st_mode)) {
        return subject + "is not a folder";
    }
    return subject + cause(err);
}

// A command's target: the folder that holds it, reached from the root one component at a time
// with O_NOFOLLOW (a symlink anywhere on the way is refused, also one swapped in after a
// check, since nothing is ever looked up by its full path), and its last component.
struct Target {
    Fd parent;        // O_PATH: enough for the *at calls, and needs no read permission;
                      // the root itself when `name` is empty
    std::string name; // the last component; empty for the root (read-only commands only)
    std::string rel;  // the normalised path below the root
};

// Why a walk stopped: the path itself is refused (`reason`), or a folder on the way could not
// be opened (`dir`, `name`, `walked`, `err` say which, for the caller to word it).
struct WalkStop {
    std::string reason;
    Fd dir{-1};
    std::string name;
    std::string walked;
    int err = 0;
};

WalkStop refused(std::string reason) {
    return WalkStop{std::move(reason), Fd(-1), {}, {}, 0};
}

std::variant<Target, WalkStop> walk(int root, std::string_view tmp_name, std::string_view path,
                                    bool root_allowed) {
    if (path.find('\0') != std::string_view::npos) {
        return refused("path contains a NUL byte");
    }
    if (path.empty() || path.front() != '/') {
        return refused("path does not begin with '/'");
    }
    std::optional<std::string> rel = normalise(path);
    if (!rel) {
        return refused("'..' climbs out of the root");
    }
    if (rel->empty() && !root_allowed) {
        return refused("names the root itself");
    }
    std::vector<std::string> parts = components(*rel);
    // The server's half-written messages live there; RMDIR of it would break delivery.
    if (!parts.empty() && parts.front() == tmp_name) {
        return refused(shown(parts.front()) + " is the server's temporary folder");
    }
    Fd dir(::openat(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0) {
        return refused("the root cannot be opened: " + cause(errno));
    }
    if (parts.empty()) {
        return Target{std::move(dir), "", ""};
    }
    std::string walked;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        walked += (walked.empty() ? "" : "/") + parts[i];
        Fd next = open_folder_at(dir.get(), parts[i], O_PATH);
        if (next.get() < 0) {
            const int err = errno;
            return WalkStop{"", std::move(dir), parts[i], walked, err};
        }
        dir = std::move(next);
    }
    return Target{std::move(dir), std::move(parts.back()), std::move(*rel)};
}

// The changing commands' walk: the root itself may not be named.
std::variant<Target, MailboxError> open_target(int root, std::string_view tmp_name,
                                               std::string_view path) {
    auto walked = walk(root, tmp_name, path, false);
    if (auto* stop = std::get_if<WalkStop>(&walked)) {
        if (stop->dir.get() < 0) {
            return MailboxError{std::move(stop->reason)};
        }
        return MailboxError{folder_problem(stop->dir.get(), stop->name, stop->walked, stop->err,
                                           "parent folder does not exist")};
    }
    return std::get<Target>(std::move(walked));
}

// Removes everything inside `dir` (not `dir` itself), depth first, never following a
// symlink: entries are opened with O_NOFOLLOW relative to their folder's descriptor, and a
// symlink is unlinked like a file. Stops at the first failure.
std::optional<MailboxError> empty_folder(const Fd& dir, const std::string& rel, int depth) {
    if (depth > max_remove_depth) {
        return MailboxError{shown(rel) + " is nested more than " +
                            std::to_string(max_remove_depth) + " folders deep"};
    }
    // Names first, removals after: readdir is unspecified about entries removed while it
    // runs. The listing gets its own descriptor because closedir closes it.
    std::vector<std::pair<std::string, bool>> entries; // name, is a folder
    {
        const int listing = ::openat(dir.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR* stream = listing >= 0 ? ::fdopendir(listing) : nullptr;
        if (stream == nullptr) {
            const int err = errno;
            if (listing >= 0) {
                ::close(listing);
            }
            return MailboxError{shown(rel) + ": " + cause(err)};
        }
        while (const dirent* entry = ::readdir(stream)) {
            const std::string_view name = entry->d_name;
            if (name == "." || name == "..") {
                continue;
            }
            bool folder = entry->d_type == DT_DIR;
            if (entry->d_type == DT_UNKNOWN) {
                struct stat st {};
                folder = ::fstatat(dir.get(), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                         S_ISDIR(st.st_mode);
            }
            entries.emplace_back(std::string(name), folder);
        }
        ::closedir(stream);
    }
    for (const auto& [name, folder] : entries) {
        const std::string child = rel + "/" + name;
        if (folder) {
            Fd sub(
                ::openat(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (sub.get() < 0) {
                const int err = errno;
                if (err == ENOENT) {
                    continue; // removed by someone else meanwhile: what we wanted
                }
                return MailboxError{
                    folder_problem(dir.get(), name, child, err, shown(child) + " vanished")};
            }
            if (auto error = empty_folder(sub, child, depth + 1)) {
                return error;
            }
        }
        if (::unlinkat(dir.get(), name.c_str(), folder ? AT_REMOVEDIR : 0) != 0 &&
            errno != ENOENT) {
            return MailboxError{shown(child) + ": " + cause(errno)};
        }
    }
    return std::nullopt;
}

// ---- the read-only TF commands: FSTAT, LS, LSR ----

// Why `name` in `dir` cannot be read as asked, with its TF code: a symlink or an
// unreadable entry is access denied (1), a missing one `missing_code` (9 or 10), and so is
// a non-folder where a folder is needed.
FileFailure read_problem(int dir, const std::string& name, std::string_view rel, int err,
                         int missing_code) {
    struct stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        const int stat_err = errno;
        if (stat_err == ENOENT || stat_err == ENOTDIR) {
            return FileFailure{missing_code, shown(rel) + " does not exist"};
        }
        return FileFailure{1, shown(rel) + ": " + cause(stat_err)};
    }
    if (S_ISLNK(st.st_mode)) {
        return FileFailure{1, shown(rel) + " is a symlink"};
    }
    if (!S_ISDIR(st.st_mode)) {
        return FileFailure{missing_code, shown(rel) + " is not a folder"};
    }
    return FileFailure{1, shown(rel) + ": " + cause(err)};
}

// The read-only commands' walk: open_target's jail, but the root itself may be named, and
// failures carry their TF code.
std::variant<Target, FileFailure> open_read_target(int root, std::string_view tmp_name,
                                                   std::string_view path, int missing_code) {
    auto walked = walk(root, tmp_name, path, true);
    if (auto* stop = std::get_if<WalkStop>(&walked)) {
        if (stop->dir.get() < 0) {
            return FileFailure{1, std::move(stop->reason)};
        }
        return read_problem(stop->dir.get(), stop->name, stop->walked, stop->err, missing_code);
    }
    return std::get<Target>(std::move(walked));
}

char entry_type(mode_t mode) {
    return S_ISREG(mode) ? 'F' : S_ISDIR(mode) ? 'D' : 'U';
}

// Appends the entries of `dir` to `out` (names prefixed with `prefix`), sorted by name, and
// with `recursive` what is in each folder right after it, never following a symlink and
// never deeper than max_remove_depth. `skip` (the temporary folder in the root) is left
// out. A folder that vanishes or cannot be read meanwhile is listed without its content.
void list_entries(const Fd& dir, const std::string& prefix, bool recursive, int depth,
                  std::string_view skip, std::vector<ListEntry>& out) {
    std::vector<ListEntry> entries;
    const int listing = ::openat(dir.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* stream = listing >= 0 ? ::fdopendir(listing) : nullptr;
    if (stream == nullptr) {
        if (listing >= 0) {
            ::close(listing);
        }
        return;
    }
    while (const dirent* entry = ::readdir(stream)) {
        const std::string_view name = entry->d_name;
        if (name == "." || name == ".." || name == skip) {
            continue;
        }
        struct stat st {};
        if (::fstatat(dir.get(), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            continue; // removed meanwhile
        }
        entries.push_back({entry_type(st.st_mode), std::string(name)});
    }
    ::closedir(stream);
    std::sort(entries.begin(), entries.end(),
              [](const ListEntry& a, const ListEntry& b) { return a.name < b.name; });
    for (auto& entry : entries) {
        const std::string name = entry.name;
        const bool descend = recursive && entry.type == 'D' && depth < max_remove_depth;
        entry.name = prefix + name;
        out.push_back(std::move(entry));
        if (descend) {
            const Fd sub(
                ::openat(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (sub.get() >= 0) {
                list_entries(sub, prefix + name + "/", true, depth + 1, {}, out);
            }
        }
    }
}

} // namespace

std::optional<MailboxError> FsMailbox::make_folder(std::string_view path) {
    auto target = open_target(root_fd_.get(), tmp_dir_.filename().native(), path);
    if (auto* error = std::get_if<MailboxError>(&target)) {
        return std::move(*error);
    }
    const auto& [parent, name, rel] = std::get<Target>(target);
    if (::mkdirat(parent.get(), name.c_str(), 0777) == 0) {
        return std::nullopt;
    }
    const int err = errno;
    if (err == EEXIST) {
        return MailboxError{"already exists"};
    }
    if (err == ENOENT) {
        return MailboxError{"parent folder does not exist"}; // removed since the walk
    }
    return MailboxError{cause(err)};
}

std::optional<MailboxError> FsMailbox::touch_file(std::string_view path) {
    auto target = open_target(root_fd_.get(), tmp_dir_.filename().native(), path);
    if (auto* error = std::get_if<MailboxError>(&target)) {
        return std::move(*error);
    }
    const auto& [parent, name, rel] = std::get<Target>(target);
    // Anything but a regular file is refused before it is opened: opening a device or a
    // FIFO can have effects of its own.
    struct stat st {};
    if (::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(st.st_mode)) {
            return MailboxError{"is a symlink"};
        }
        if (S_ISDIR(st.st_mode)) {
            return MailboxError{"is a folder"};
        }
        if (!S_ISREG(st.st_mode)) {
            return MailboxError{"is not a regular file"};
        }
    }
    // O_NOFOLLOW and O_NONBLOCK still guard against a swap between the check and the open.
    Fd fd(::openat(parent.get(), name.c_str(),
                   O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0666));
    if (fd.get() < 0) {
        const int err = errno;
        if (err == ELOOP) {
            return MailboxError{"is a symlink"};
        }
        if (err == EISDIR) {
            return MailboxError{"is a folder"};
        }
        if (err == ENOENT) {
            return MailboxError{"parent folder does not exist"};
        }
        return MailboxError{cause(err)};
    }
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return MailboxError{"is not a regular file"};
    }
    // Also for a file just created: its times are already now, and setting them is harmless.
    if (::futimens(fd.get(), nullptr) != 0) {
        return MailboxError{"cannot set its time: " + cause(errno)};
    }
    return std::nullopt;
}

std::optional<MailboxError> FsMailbox::delete_file(std::string_view path) {
    auto target = open_target(root_fd_.get(), tmp_dir_.filename().native(), path);
    if (auto* error = std::get_if<MailboxError>(&target)) {
        return std::move(*error);
    }
    const auto& [parent, name, rel] = std::get<Target>(target);
    // unlink never follows a symlink: the link itself goes.
    if (::unlinkat(parent.get(), name.c_str(), 0) == 0) {
        return std::nullopt;
    }
    const int err = errno;
    if (err == ENOENT) {
        return MailboxError{"does not exist"};
    }
    // Linux says EISDIR for a folder, POSIX EPERM.
    struct stat st {};
    if ((err == EISDIR || err == EPERM) &&
        ::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(st.st_mode)) {
        return MailboxError{"is a folder (RMDIR removes folders)"};
    }
    return MailboxError{cause(err)};
}

std::optional<MailboxError> FsMailbox::remove_folder(std::string_view path) {
    auto target = open_target(root_fd_.get(), tmp_dir_.filename().native(), path);
    if (auto* error = std::get_if<MailboxError>(&target)) {
        return std::move(*error);
    }
    const auto& [parent, name, rel] = std::get<Target>(target);
    const Fd dir(
        ::openat(parent.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (dir.get() < 0) {
        const int err = errno;
        return MailboxError{folder_problem(parent.get(), name, "", err, "does not exist")};
    }
    if (auto error = empty_folder(dir, rel, 0)) {
        return error;
    }
    // ENOENT: removed by someone else meanwhile, which is what was asked for.
    if (::unlinkat(parent.get(), name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
        return MailboxError{cause(errno)};
    }
    return std::nullopt;
}

std::variant<FileStatus, FileFailure> FsMailbox::file_status(std::string_view path) {
    auto opened = open_read_target(root_fd_.get(), tmp_dir_.filename().native(), path, 9);
    if (auto* failure = std::get_if<FileFailure>(&opened)) {
        return std::move(*failure);
    }
    const auto& [parent, name, rel] = std::get<Target>(opened);
    struct stat st {};
    const int rc = name.empty() ? ::fstat(parent.get(), &st)
                                : ::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW);
    if (rc != 0) {
        const int err = errno;
        if (err == ENOENT || err == ENOTDIR) {
            return FileFailure{9, shown(rel) + " does not exist"};
        }
        return FileFailure{1, shown(rel) + ": " + cause(err)};
    }
    if (S_ISLNK(st.st_mode)) {
        return FileFailure{1, shown(rel) + " is a symlink"};
    }
    const auto seconds = [](const timespec& t) {
        return t.tv_sec < 0 ? std::uint64_t{0} : static_cast<std::uint64_t>(t.tv_sec);
    };
    return FileStatus{entry_type(st.st_mode), static_cast<std::uint64_t>(st.st_size),
                      seconds(st.st_atim), seconds(st.st_mtim)};
}

std::variant<std::vector<ListEntry>, FileFailure> FsMailbox::list_folder(std::string_view path,
                                                                         bool recursive) {
    auto opened = open_read_target(root_fd_.get(), tmp_dir_.filename().native(), path, 10);
    if (auto* failure = std::get_if<FileFailure>(&opened)) {
        return std::move(*failure);
    }
    const auto& [parent, name, rel] = std::get<Target>(opened);
    const Fd dir(name.empty() ? ::openat(parent.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                              : ::openat(parent.get(), name.c_str(),
                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (dir.get() < 0) {
        const int err = errno;
        if (name.empty()) {
            return FileFailure{1, "the root cannot be opened: " + cause(err)};
        }
        auto failure = read_problem(parent.get(), name, rel, err, 10);
        return failure;
    }
    std::vector<ListEntry> entries;
    // The temporary folder is the server's own: not listed in the root.
    list_entries(dir, "", recursive, 0,
                 name.empty() ? std::string_view(tmp_dir_.filename().native()) : "", entries);
    return entries;
}

} // namespace xsime::mock
