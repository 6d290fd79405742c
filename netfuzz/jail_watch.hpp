// Notices changes outside the fuzz cases' own org units when the mailbox root is on this
// machine (PATHS-JAIL): canaries (an org unit with users, folders and a message) inside the
// root and, when the fuzzer owns the root's parent, a sibling folder beside it, all watched
// with inotify, as is the root itself. Event-driven: checking after a case is one read().
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xsime::netfuzz {

// One change: the path as seen from the root ("/messages", "/nf-canary-1/alice/messages/x",
// "../canary/file") and what happened to it ("created", "removed", "modified", ...).
struct JailChange {
    std::string path;
    std::string what;
    friend bool operator==(const JailChange&, const JailChange&) = default;
};

struct JailWatchOptions {
    std::filesystem::path root;
    // The canary org unit made inside the root, with these users (a session's user name in a
    // canary org unit is where a server that resolves names against the wrong folder writes).
    std::string canary_org;
    std::vector<std::string> canary_users;
    // The root's parent is the fuzzer's own (it made the root there): its other entries are
    // changes too, and a canary folder is made beside the root. Never for a root the user named.
    bool owns_parent = false;
    // Root entries whose changes are expected: the org units the fixture makes and removes.
    std::function<bool(std::string_view)> expected;
};

class JailWatch {
public:
    // Makes the canaries and starts watching; an error says which path failed.
    static std::variant<std::unique_ptr<JailWatch>, std::string> start(JailWatchOptions options);
    // Stops watching and removes the canaries.
    ~JailWatch();
    JailWatch(const JailWatch&) = delete;
    JailWatch& operator=(const JailWatch&) = delete;

    // The unexpected changes since the last call (none, almost always); never blocks.
    std::vector<JailChange> changes();
    // The sibling canary folder beside the root, when the parent is owned.
    const std::optional<std::filesystem::path>& sibling() const { return sibling_; }

private:
    explicit JailWatch(JailWatchOptions options) : options_(std::move(options)) {}
    std::optional<std::string> make_canaries();
    std::optional<std::string> watch(const std::filesystem::path& dir, std::string shown,
                                     bool filtered);

    struct Watched {
        int wd = -1;
        std::string shown;     // how the folder is shown ("" for the root, "/canary/alice")
        bool filtered = false; // the root: entries options_.expected() accepts are not changes
    };
    JailWatchOptions options_;
    int fd_ = -1;
    std::vector<Watched> watched_;
    std::optional<std::filesystem::path> sibling_;
};

} // namespace xsime::netfuzz
