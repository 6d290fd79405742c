// What the filesystem mailbox and its TF file commands share: descriptor ownership, the
// lexical rule for clients' paths, and the one walk by which every path from the network
// reaches the disk (openat from the root's descriptor, one component at a time, O_NOFOLLOW).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unistd.h>
#include <utility>
#include <vector>

namespace xsime::mock {

// Owns a file descriptor so that every early return closes it.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    // Movable, so that a walk down a path can hand each folder's descriptor on.
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            if (fd_ >= 0) {
                ::close(fd_);
            }
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    ~Fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    int get() const { return fd_; }
    // close() can report a deferred write error (NFS, quota), so writers check it.
    int release_and_close() { return ::close(std::exchange(fd_, -1)); }

private:
    int fd_;
};

// Clients' paths are lexically normalised before anything touches the disk: '.' and
// empty components vanish (so leading '/' names the base), '..' pops a component.
// std::nullopt when a '..' climbs above the base.
std::optional<std::string> normalise(std::string_view rel);

// The components of a normalised path ("a/b" gives {"a", "b"}; "" gives none).
std::vector<std::string> components(std::string_view normalised);

// One step of a walk: the folder `name` inside the folder `dir`, never through a symlink
// (O_NOFOLLOW | O_DIRECTORY: a symlink or a non-folder fails with ELOOP or ENOTDIR). `flags`
// is O_PATH (enough for the *at calls) or O_RDONLY (a folder to be listed). Fd(-1) and errno
// on failure.
Fd open_folder_at(int dir, const std::string& name, int flags);

// The folder `rel` (normalised, "" for `root` itself) below the directory descriptor `root`,
// walked with open_folder_at: a symlink anywhere on the way is refused, also one swapped in
// after an earlier check, since no full path is ever handed to the kernel. Fd(-1) and errno
// on failure. Where the kernel has openat2 (Linux 5.6+), it does the same walk in one call
// (RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH); elsewhere walk_folders does it.
Fd open_folder_beneath(int root, std::string_view rel, int flags);
// open_folder_beneath without openat2: one open_folder_at per component.
Fd walk_folders(int root, std::string_view rel, int flags);

enum class Lookup {
    ok,      // an existing folder inside the base
    missing, // does not exist, or is not a folder
    refused, // leaves the root, or is not a valid path at all
};

struct Resolution {
    Lookup found = Lookup::refused;
    std::string rel; // when ok: the folder, relative to the root, free of symlinks
    std::string reason;
};

// Where `rel` (normalised, relative to the root) leads, following symlinks as the kernel
// would but jailed in the root: every component is opened with open_folder_at from the root's
// descriptor `root`; a symlink's target is read with readlinkat and walked in its place (an
// absolute one must lie under `root_path`, the root's canonical path, and '..' never climbs
// above the root). The answer is a name only: callers open it with open_folder_beneath, which
// follows nothing, so a symlink swapped in after this resolution is refused there.
Resolution resolve_beneath(int root, const std::filesystem::path& root_path, std::string_view rel);

} // namespace xsime::mock
