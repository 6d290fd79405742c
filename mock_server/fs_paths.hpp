// What the filesystem mailbox and its TF file commands share: descriptor ownership and the
// lexical rule for clients' paths.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unistd.h>
#include <utility>

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

} // namespace xsime::mock
