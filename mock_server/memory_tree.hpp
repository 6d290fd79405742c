// The in-memory file tree under MemoryMailbox: folders, files, symlinks and "other" entries
// (a FIFO's stand-in), with times from an injectable clock and a log of every path touched.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xsime::mock {

struct MemoryNode {
    enum class Kind { folder, file, symlink, other };
    Kind kind = Kind::folder;
    std::map<std::string, std::unique_ptr<MemoryNode>, std::less<>> children; // folders only
    std::string content;                                                      // files only
    // Symlinks only: a path from the root ("/org/carol"); anything not beginning with '/', or
    // whose '..' climbs out, points outside the root, where the tree has nothing.
    std::string target;
    std::uint64_t atime = 0; // Unix seconds
    std::uint64_t mtime = 0;
    std::uint64_t id = 0;     // unique in the tree and never reused, like an inode number
    std::uint64_t change = 0; // folders: the tree's change counter at their last entry change
};

// Components below the root, already normalised (no "", "." or "..").
using PathParts = std::vector<std::string>;

// "/" + the parts joined with '/'; "/" for the root.
std::string join_path(const PathParts& parts);
// The parts of an already normalised relative path ("a/b"; "" is the root).
PathParts split_path(std::string_view normalised);
// `inner` is `outer` or below it, component-wise.
bool is_within(const PathParts& outer, const PathParts& inner);

// One path a Mailbox method looked at or changed: for the fuzzers' "nothing outside the org
// unit" and the tests of the fake. `operation` names the Mailbox method.
struct MemoryTouch {
    enum class Kind { read, write };
    Kind kind = Kind::read;
    const char* operation = "";
    std::string path; // join_path form
};

class MemoryTree {
public:
    using Clock = std::function<std::uint64_t()>;

    explicit MemoryTree(Clock clock);

    MemoryNode& root() { return *root_; }
    std::uint64_t now() const { return clock_(); }

    // The entry at `parts`, never following a symlink (one on the way yields nullptr).
    MemoryNode* find(const PathParts& parts);
    // A new entry in `folder` (which must not hold `name`), stamped now; the folder changes.
    MemoryNode& add(MemoryNode& folder, const std::string& name, MemoryNode::Kind kind);
    // Removes `name` (and all below it) from `folder`; the folder changes.
    void erase(MemoryNode& folder, std::string_view name);
    // `folder`'s entries changed: its mtime becomes now and its change counter moves on.
    void changed(MemoryNode& folder);

    // What the filesystem's weakly_canonical makes of a path: symlinks followed (up to 40),
    // the missing rest appended as it is.
    struct Canonical {
        enum class Where { inside, outside, loop };
        Where where = Where::inside;
        PathParts real;
        MemoryNode* node = nullptr; // the entry, when it exists
    };
    Canonical canonical(const PathParts& path);

    void record(MemoryTouch::Kind kind, const char* operation, const PathParts& parts);
    void record(MemoryTouch::Kind kind, const char* operation, const PathParts& folder,
                std::string_view name);
    const std::vector<MemoryTouch>& touched() const { return touched_; }
    void clear_touched() { touched_.clear(); }

private:
    Canonical canonical(const PathParts& path, int depth);

    Clock clock_;
    std::unique_ptr<MemoryNode> root_;
    std::uint64_t next_id_ = 1;
    std::uint64_t changes_ = 0;
    std::vector<MemoryTouch> touched_;
};

} // namespace xsime::mock
