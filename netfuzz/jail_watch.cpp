// The inotify watch on the root and the canaries (jail_watch.hpp).
#include "netfuzz/jail_watch.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sys/inotify.h>
#include <system_error>
#include <unistd.h>

namespace xsime::netfuzz {
namespace {

namespace fs = std::filesystem;

// What a server could do to a path: create, remove, rename, write or chmod it. Reads are
// left out: a server may look at any folder (a background sweep), it must not change one.
constexpr std::uint32_t changes_mask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB |
                                       IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
                                       IN_ONLYDIR | IN_DONT_FOLLOW;

// A canary message: named like the reference server's (a timestamp first) so that a server
// scanning the wrong folder takes it for a message.
constexpr std::string_view canary_message = "0000000001-canary";

std::string what(std::uint32_t mask) {
    const char* kind = (mask & IN_ISDIR) ? " (a folder)" : "";
    if (mask & IN_CREATE) {
        return std::string("created") + kind;
    }
    if (mask & IN_DELETE) {
        return std::string("removed") + kind;
    }
    if (mask & IN_MOVED_FROM) {
        return "renamed away";
    }
    if (mask & IN_MOVED_TO) {
        return "renamed in";
    }
    if (mask & IN_MODIFY) {
        return "written";
    }
    if (mask & IN_ATTRIB) {
        return "attributes changed";
    }
    if (mask & IN_DELETE_SELF) {
        return "removed";
    }
    return "moved";
}

std::string error_at(const fs::path& path, int err) {
    return path.string() + ": " + std::generic_category().message(err);
}

// `user`/messages/blacklist/ and one message in messages/, under `dir`.
std::optional<std::string> make_user(const fs::path& dir, const std::string& user) {
    std::error_code ec;
    fs::create_directories(dir / user / "messages" / "blacklist", ec);
    if (ec) {
        return (dir / user).string() + ": " + ec.message();
    }
    const auto message = dir / user / "messages" / canary_message;
    std::ofstream(message, std::ios::binary) << "1:canary:a message no case may change";
    if (!fs::is_regular_file(message, ec)) {
        return message.string() + ": cannot write";
    }
    return std::nullopt;
}

} // namespace

std::variant<std::unique_ptr<JailWatch>, std::string> JailWatch::start(JailWatchOptions options) {
    std::error_code ec;
    if (!fs::is_directory(options.root, ec)) {
        return options.root.string() + ": not a folder"; // never made here: it names the server's
    }
    std::unique_ptr<JailWatch> w(new JailWatch(std::move(options)));
    w->fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd_ < 0) {
        return std::string("inotify: ") + std::strerror(errno);
    }
    if (auto error = w->make_canaries()) {
        return *error;
    }
    const auto& o = w->options_;
    const auto canary = o.root / o.canary_org;
    // The root, then every canary folder: made before the watches, so their making is no event.
    std::optional<std::string> error = w->watch(o.root, "", true);
    if (!error && o.owns_parent) {
        error = w->watch(o.root.parent_path(), "..", false);
    }
    std::vector<std::pair<fs::path, std::string>> folders{{canary, "/" + o.canary_org}};
    if (w->sibling_) {
        folders.emplace_back(*w->sibling_, "../" + w->sibling_->filename().string());
    }
    for (std::size_t i = 0, top = folders.size(); i < top; ++i) {
        for (const auto& user : o.canary_users) {
            const auto dir = folders[i].first / user;
            const auto shown = folders[i].second + "/" + user;
            folders.emplace_back(dir, shown);
            folders.emplace_back(dir / "messages", shown + "/messages");
            folders.emplace_back(dir / "messages" / "blacklist", shown + "/messages/blacklist");
        }
    }
    for (const auto& [dir, shown] : folders) {
        if (!error) {
            error = w->watch(dir, shown, false);
        }
    }
    if (error) {
        return *error;
    }
    return w;
}

JailWatch::~JailWatch() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
    std::error_code ignored;
    if (!options_.canary_org.empty()) {
        fs::remove_all(options_.root / options_.canary_org, ignored);
    }
    if (sibling_) {
        fs::remove_all(*sibling_, ignored);
    }
}

std::optional<std::string> JailWatch::make_canaries() {
    if (options_.canary_org.empty() || options_.canary_org.find('/') != std::string::npos) {
        return "canary org unit '" + options_.canary_org + "': not a plain name";
    }
    std::error_code ec;
    const auto canary = options_.root / options_.canary_org;
    fs::remove_all(canary, ec); // a fuzzer killed before its cleanup left it
    for (const auto& user : options_.canary_users) {
        if (auto error = make_user(canary, user)) {
            return error;
        }
    }
    if (options_.owns_parent) {
        sibling_ = options_.root.parent_path() / "canary";
        fs::remove_all(*sibling_, ec);
        for (const auto& user : options_.canary_users) {
            if (auto error = make_user(*sibling_, user)) {
                return error;
            }
        }
    }
    return std::nullopt;
}

std::optional<std::string> JailWatch::watch(const fs::path& dir, std::string shown, bool filtered) {
    const int wd = ::inotify_add_watch(fd_, dir.c_str(), changes_mask);
    if (wd < 0) {
        return "inotify on " + error_at(dir, errno);
    }
    watched_.push_back({wd, std::move(shown), filtered});
    return std::nullopt;
}

std::vector<JailChange> JailWatch::changes() {
    std::vector<JailChange> out;
    alignas(inotify_event) std::array<char, 16 * 1024> buffer;
    while (true) {
        const ssize_t n = ::read(fd_, buffer.data(), buffer.size());
        if (n <= 0) {
            return out; // EAGAIN: nothing more queued
        }
        for (ssize_t at = 0; at < n;) {
            inotify_event event;
            std::memcpy(&event, buffer.data() + at, sizeof event);
            const std::string name(event.len ? buffer.data() + at + sizeof event : "");
            at += static_cast<ssize_t>(sizeof event + event.len);
            // IN_IGNORED: a watch ended (its folder's removal is reported on its own);
            // IN_Q_OVERFLOW: events were lost, none is invented for them.
            if (event.mask & (IN_IGNORED | IN_Q_OVERFLOW)) {
                continue;
            }
            for (const auto& w : watched_) {
                if (w.wd != event.wd) {
                    continue;
                }
                if (w.filtered && !name.empty() && options_.expected && options_.expected(name)) {
                    break;
                }
                // "" + "/messages" is "/messages"; ".." + "/x" is "../x".
                std::string path = name.empty() ? w.shown : w.shown + "/" + name;
                if (path.empty()) {
                    path = "/";
                }
                out.push_back({std::move(path), what(event.mask)});
                break;
            }
        }
    }
}

} // namespace xsime::netfuzz
