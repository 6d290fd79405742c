// The lexical rule for clients' paths and the openat walk every path takes (fs_paths.hpp).
#include "mock_server/fs_paths.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <deque>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <system_error>
#include <variant>

namespace xsime::mock {
namespace {

namespace fs = std::filesystem;

// Linux's own limit on symlinks in one lookup (MAXSYMLINKS); it also ends a symlink loop.
constexpr int max_symlinks = 40;
// A symlink's target is at most PATH_MAX on Linux; the bound keeps the read loop finite.
constexpr std::size_t max_link_target = 64 * 1024;

std::string cause(int err) {
    return std::generic_category().message(err);
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& part : parts) {
        out += (out.empty() ? "" : "/") + part;
    }
    return out;
}

// Paths in reasons are shown as seen from the root.
std::string shown(std::string_view rel) {
    return "'/" + std::string(rel) + "'";
}

std::optional<std::string> read_link(int dir, const std::string& name) {
    std::string target(256, '\0');
    for (;;) {
        const ssize_t n = ::readlinkat(dir, name.c_str(), target.data(), target.size());
        if (n < 0) {
            return std::nullopt;
        }
        if (static_cast<std::size_t>(n) < target.size()) {
            target.resize(static_cast<std::size_t>(n));
            return target;
        }
        if (target.size() >= max_link_target) {
            errno = ENAMETOOLONG;
            return std::nullopt;
        }
        target.resize(target.size() * 2);
    }
}

// The components of an absolute symlink target below the root, or std::nullopt when it lies
// elsewhere. Compared as written: a target that reaches the root by another spelling ('..',
// a symlink above the root) is refused, which is the safe side.
std::optional<std::vector<std::string>> below_root(const fs::path& root_path,
                                                   std::string_view target) {
    const auto root_parts = components(root_path.native());
    auto parts = components(target);
    if (parts.size() < root_parts.size() ||
        !std::equal(root_parts.begin(), root_parts.end(), parts.begin())) {
        return std::nullopt;
    }
    parts.erase(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(root_parts.size()));
    return parts;
}

// A component that is not a folder to step into: a symlink's target to walk in its place
// (`from_root` for an absolute one), or why the walk ends there.
struct Link {
    std::vector<std::string> parts;
    bool from_root = false;
};

std::variant<Link, Resolution> follow(int dir, const std::string& name, const std::string& at,
                                      const fs::path& root_path, int& links) {
    const int open_err = errno;
    struct stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return Resolution{Lookup::missing, {}, shown(at) + ": " + cause(errno)};
    }
    if (!S_ISLNK(st.st_mode)) {
        return Resolution{Lookup::missing,
                          {},
                          shown(at) + (S_ISDIR(st.st_mode) ? ": " + cause(open_err)
                                                           : std::string(" is not a folder"))};
    }
    if (++links > max_symlinks) {
        return Resolution{Lookup::missing, {}, shown(at) + ": too many levels of symlinks"};
    }
    auto target = read_link(dir, name);
    if (!target || target->empty()) {
        return Resolution{Lookup::missing, {}, shown(at) + ": unreadable symlink"};
    }
    if (target->front() != '/') {
        return Link{components(*target), false};
    }
    auto inside = below_root(root_path, *target);
    if (!inside) {
        return Resolution{Lookup::refused,
                          {},
                          shown(at) + " is a symlink to '" + *target + "', outside the root"};
    }
    return Link{std::move(*inside), true};
}

} // namespace

std::optional<std::string> normalise(std::string_view rel) {
    std::vector<std::string_view> parts;
    std::size_t pos = 0;
    while (pos <= rel.size()) {
        std::size_t end = rel.find('/', pos);
        if (end == std::string_view::npos) {
            end = rel.size();
        }
        const std::string_view part = rel.substr(pos, end - pos);
        pos = end + 1;
        if (part.empty() || part == ".") {
            continue;
        }
        if (part == "..") {
            if (parts.empty()) {
                return std::nullopt;
            }
            parts.pop_back();
            continue;
        }
        parts.push_back(part);
    }
    std::string out;
    for (const std::string_view part : parts) {
        if (!out.empty()) {
            out += '/';
        }
        out += part;
    }
    return out;
}

std::vector<std::string> components(std::string_view path) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        const std::size_t end = std::min(path.find('/', pos), path.size());
        const std::string_view part = path.substr(pos, end - pos);
        if (!part.empty() && part != ".") {
            out.emplace_back(part);
        }
        pos = end + 1;
    }
    return out;
}

Fd open_folder_at(int dir, const std::string& name, int flags) {
    // '..' would step out of whatever folder the walk has reached; '/' would make it a path.
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
        errno = EINVAL;
        return Fd(-1);
    }
    return Fd(::openat(dir, name.c_str(), flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

namespace {

// The kernel's own jailed walk (Linux 5.6+): one system call instead of one per component,
// with the same guarantee (no symlink anywhere, nothing above `root`). std::nullopt when the
// kernel (or a seccomp filter) does not offer it, or a concurrent rename asks for a retry:
// the caller then walks component by component.
std::optional<Fd> open_with_openat2(int root, const std::string& rel, int flags) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    const long fd = ::syscall(SYS_openat2, root, rel.c_str(), &how, sizeof how);
    if (fd >= 0) {
        return Fd(static_cast<int>(fd));
    }
    if (errno == ENOSYS || errno == EPERM || errno == EAGAIN || errno == E2BIG || errno == EINVAL) {
        return std::nullopt;
    }
    return Fd(-1);
}

} // namespace

Fd open_folder_beneath(int root, std::string_view rel, int flags) {
    const auto parts = components(rel);
    // '..' is refused like in walk_folders: RESOLVE_BENEATH alone would let it climb back
    // out of a folder the caller meant to stay in.
    if (!parts.empty() && std::find(parts.begin(), parts.end(), "..") == parts.end()) {
        if (auto fast = open_with_openat2(root, join(parts), flags)) {
            return std::move(*fast);
        }
    }
    return walk_folders(root, rel, flags);
}

Fd walk_folders(int root, std::string_view rel, int flags) {
    const auto parts = components(rel);
    if (parts.empty()) {
        return Fd(::openat(root, ".", flags | O_DIRECTORY | O_CLOEXEC));
    }
    Fd dir(-1);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        Fd next = open_folder_at(i == 0 ? root : dir.get(), parts[i],
                                 i + 1 == parts.size() ? flags : O_PATH);
        if (next.get() < 0) {
            return next;
        }
        dir = std::move(next);
    }
    return dir;
}

Resolution resolve_beneath(int root, const fs::path& root_path, std::string_view rel) {
    const auto first = components(rel);
    // The common case, a path with no symlink in it, in one call; anything else (a symlink
    // to follow, a missing folder to describe) takes the walk below.
    if (std::find(first.begin(), first.end(), "..") == first.end() &&
        open_folder_beneath(root, join(first), O_PATH).get() >= 0) {
        return {Lookup::ok, join(first), {}};
    }
    std::deque<std::string> pending(first.begin(), first.end());
    std::vector<std::string> walked; // folders entered, never a symlink among them
    Fd dir(::openat(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    int links = 0;
    while (dir.get() >= 0 && !pending.empty()) {
        std::string name = std::move(pending.front());
        pending.pop_front();
        if (name == "..") {
            if (walked.empty()) {
                return {Lookup::refused, {}, "a symlink's '..' climbs above the root"};
            }
            walked.pop_back();
            // Walked again from the root: the folder's own ".." leads wherever it was moved.
            dir = open_folder_beneath(root, join(walked), O_PATH);
            continue;
        }
        if (Fd next = open_folder_at(dir.get(), name, O_PATH); next.get() >= 0) {
            walked.push_back(std::move(name));
            dir = std::move(next);
            continue;
        }
        const std::string at = join(walked) + (walked.empty() ? "" : "/") + name;
        auto step = follow(dir.get(), name, at, root_path, links);
        if (auto* stop = std::get_if<Resolution>(&step)) {
            return std::move(*stop);
        }
        auto& link = std::get<Link>(step);
        pending.insert(pending.begin(), link.parts.begin(), link.parts.end());
        if (link.from_root) {
            walked.clear();
            dir = open_folder_beneath(root, "", O_PATH);
        }
    }
    if (dir.get() < 0) {
        return {Lookup::missing, {}, shown(join(walked)) + ": " + cause(errno)};
    }
    return {Lookup::ok, join(walked), {}};
}

} // namespace xsime::mock
