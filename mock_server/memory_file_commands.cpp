// MemoryMailbox's TF file commands: MKDIR, TOUCH, DEL, RMDIR and the read-only FSTAT, LS, LSR,
// on the same jail and with the same reasons as fs_file_commands.cpp.
#include "mock_server/fs_paths.hpp"
#include "mock_server/memory_mailbox.hpp"

#include <variant>

namespace xsime::mock {
namespace {

using Kind = MemoryNode::Kind;
using Touch = MemoryTouch::Kind;

constexpr std::string_view tmp_name = ".xsime-tmp";
// As FsMailbox: RMDIR and LSR go no deeper than this below the folder named.
constexpr int max_remove_depth = 128;
// What stat() says of a folder's size on ext4; no client can rely on it anyway.
constexpr std::uint64_t folder_size = 4096;

std::string shown_rel(std::string_view rel) {
    return "'/" + std::string(rel) + "'";
}

// A command's target: the folder that holds it, reached from the root without following a
// symlink, and its last component.
struct Target {
    MemoryNode* parent = nullptr;
    PathParts parent_parts;
    std::string name; // empty for the root (read-only commands only)
    std::string rel;  // the normalised path below the root
};

// Why a walk stopped: the path itself is refused (`reason`), or an entry on the way (`walked`)
// is missing, a symlink or no folder.
struct WalkStop {
    enum class Why { refused, missing, symlink, not_folder };
    Why why = Why::refused;
    std::string reason;
    std::string walked;
};

std::variant<Target, WalkStop> walk(MemoryTree& tree, std::string_view path, bool root_allowed) {
    using Why = WalkStop::Why;
    if (path.find('\0') != std::string_view::npos) {
        return WalkStop{Why::refused, "path contains a NUL byte", {}};
    }
    if (path.empty() || path.front() != '/') {
        return WalkStop{Why::refused, "path does not begin with '/'", {}};
    }
    std::optional<std::string> rel = normalise(path);
    if (!rel) {
        return WalkStop{Why::refused, "'..' climbs out of the root", {}};
    }
    if (rel->empty() && !root_allowed) {
        return WalkStop{Why::refused, "names the root itself", {}};
    }
    PathParts parts = split_path(*rel);
    if (!parts.empty() && parts.front() == tmp_name) {
        return WalkStop{
            Why::refused, shown_rel(parts.front()) + " is the server's temporary folder", {}};
    }
    if (parts.empty()) {
        return Target{&tree.root(), {}, "", ""};
    }
    MemoryNode* dir = &tree.root();
    std::string walked;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        walked += (walked.empty() ? "" : "/") + parts[i];
        const auto it = dir->children.find(parts[i]);
        if (it == dir->children.end()) {
            return WalkStop{Why::missing, {}, walked};
        }
        if (it->second->kind == Kind::symlink) {
            return WalkStop{Why::symlink, {}, walked};
        }
        if (it->second->kind != Kind::folder) {
            return WalkStop{Why::not_folder, {}, walked};
        }
        dir = it->second.get();
    }
    std::string name = std::move(parts.back());
    parts.pop_back();
    return Target{dir, std::move(parts), std::move(name), std::move(*rel)};
}

// The changing commands' walk, its stops worded as fs_file_commands.cpp's folder_problem().
std::variant<Target, MailboxError> open_target(MemoryTree& tree, std::string_view path) {
    auto walked = walk(tree, path, false);
    if (auto* stop = std::get_if<WalkStop>(&walked)) {
        switch (stop->why) {
        case WalkStop::Why::refused:
            return MailboxError{std::move(stop->reason)};
        case WalkStop::Why::missing:
            return MailboxError{"parent folder does not exist"};
        case WalkStop::Why::symlink:
            return MailboxError{shown_rel(stop->walked) + " is a symlink"};
        case WalkStop::Why::not_folder:
            return MailboxError{shown_rel(stop->walked) + " is not a folder"};
        }
    }
    return std::get<Target>(std::move(walked));
}

// The read-only commands' walk: the root may be named, and failures carry their TF code.
std::variant<Target, FileFailure> open_read_target(MemoryTree& tree, std::string_view path,
                                                   int missing_code) {
    auto walked = walk(tree, path, true);
    if (auto* stop = std::get_if<WalkStop>(&walked)) {
        switch (stop->why) {
        case WalkStop::Why::refused:
            return FileFailure{1, std::move(stop->reason)};
        case WalkStop::Why::missing:
            return FileFailure{missing_code, shown_rel(stop->walked) + " does not exist"};
        case WalkStop::Why::symlink:
            return FileFailure{1, shown_rel(stop->walked) + " is a symlink"};
        case WalkStop::Why::not_folder:
            return FileFailure{missing_code, shown_rel(stop->walked) + " is not a folder"};
        }
    }
    return std::get<Target>(std::move(walked));
}

MemoryNode* child(const Target& target) {
    const auto it = target.parent->children.find(target.name);
    return it == target.parent->children.end() ? nullptr : it->second.get();
}

// Removes everything in `dir` (not `dir` itself), depth first, symlinks as links; stops at
// the first failure, leaving the rest.
std::optional<MailboxError> empty_folder(MemoryTree& tree, MemoryNode& dir, const PathParts& parts,
                                         const std::string& rel, int depth) {
    if (depth > max_remove_depth) {
        return MailboxError{shown_rel(rel) + " is nested more than " +
                            std::to_string(max_remove_depth) + " folders deep"};
    }
    std::vector<std::string> names;
    for (const auto& [name, node] : dir.children) {
        names.push_back(name);
    }
    for (const auto& name : names) {
        MemoryNode& entry = *dir.children.at(name);
        if (entry.kind == Kind::folder) {
            PathParts sub = parts;
            sub.push_back(name);
            if (auto error = empty_folder(tree, entry, sub, rel + "/" + name, depth + 1)) {
                return error;
            }
        }
        tree.record(Touch::write, "remove_folder", parts, name);
        tree.erase(dir, name);
    }
    return std::nullopt;
}

char entry_type(const MemoryNode& node) {
    return node.kind == Kind::file ? 'F' : node.kind == Kind::folder ? 'D' : 'U';
}

void list_entries(const MemoryNode& dir, const std::string& prefix, bool recursive, int depth,
                  std::string_view skip, std::vector<ListEntry>& out) {
    for (const auto& [name, node] : dir.children) {
        if (name == skip) {
            continue;
        }
        out.push_back({entry_type(*node), prefix + name});
        if (recursive && node->kind == Kind::folder && depth < max_remove_depth) {
            list_entries(*node, prefix + name + "/", true, depth + 1, {}, out);
        }
    }
}

} // namespace

std::optional<MailboxError> MemoryMailbox::make_folder(std::string_view path) {
    auto target = open_target(tree_, path);
    if (auto* error = std::get_if<MailboxError>(&target)) {
        return std::move(*error);
    }
    const auto& t = std::get<Target>(target);
    if (child(t) != nullptr) {
        return MailboxError{"already exists"};
    }
    tree_.record(Touch::write, "make_folder", t.parent_parts, t.name);
    tree_.add(*t.parent, t.name, Kind::folder);
    return std::nullopt;
}

std::optional<MailboxError> MemoryMailbox::touch_file(std::string_view path) {
    auto target = open_target(tree_, path);
    if (auto* error = std::get_if<MailboxError>(&target)) {
        return std::move(*error);
    }
    const auto& t = std::get<Target>(target);
    MemoryNode* node = child(t);
    if (node != nullptr && node->kind == Kind::symlink) {
        return MailboxError{"is a symlink"};
    }
    if (node != nullptr && node->kind == Kind::folder) {
        return MailboxError{"is a folder"};
    }
    if (node != nullptr && node->kind != Kind::file) {
        return MailboxError{"is not a regular file"};
    }
    tree_.record(Touch::write, "touch_file", t.parent_parts, t.name);
    if (node == nullptr) {
        tree_.add(*t.parent, t.name, Kind::file);
    } else {
        node->atime = node->mtime = tree_.now();
    }
    return std::nullopt;
}

std::optional<MailboxError> MemoryMailbox::delete_file(std::string_view path) {
    auto target = open_target(tree_, path);
    if (auto* error = std::get_if<MailboxError>(&target)) {
        return std::move(*error);
    }
    const auto& t = std::get<Target>(target);
    const MemoryNode* node = child(t);
    if (node == nullptr) {
        return MailboxError{"does not exist"};
    }
    if (node->kind == Kind::folder) {
        return MailboxError{"is a folder (RMDIR removes folders)"};
    }
    tree_.record(Touch::write, "delete_file", t.parent_parts, t.name);
    tree_.erase(*t.parent, t.name);
    return std::nullopt;
}

std::optional<MailboxError> MemoryMailbox::remove_folder(std::string_view path) {
    auto target = open_target(tree_, path);
    if (auto* error = std::get_if<MailboxError>(&target)) {
        return std::move(*error);
    }
    const auto& t = std::get<Target>(target);
    MemoryNode* node = child(t);
    if (node == nullptr) {
        return MailboxError{"does not exist"};
    }
    if (node->kind == Kind::symlink) {
        return MailboxError{"is a symlink"};
    }
    if (node->kind != Kind::folder) {
        return MailboxError{"is not a folder"};
    }
    PathParts parts = t.parent_parts;
    parts.push_back(t.name);
    if (auto error = empty_folder(tree_, *node, parts, t.rel, 0)) {
        return error;
    }
    tree_.record(Touch::write, "remove_folder", parts);
    tree_.erase(*t.parent, t.name);
    return std::nullopt;
}

std::variant<FileStatus, FileFailure> MemoryMailbox::file_status(std::string_view path) {
    auto opened = open_read_target(tree_, path, 9);
    if (auto* failure = std::get_if<FileFailure>(&opened)) {
        return std::move(*failure);
    }
    const auto& t = std::get<Target>(opened);
    const MemoryNode* node = t.name.empty() ? t.parent : child(t);
    if (node == nullptr) {
        return FileFailure{9, shown_rel(t.rel) + " does not exist"};
    }
    if (node->kind == Kind::symlink) {
        return FileFailure{1, shown_rel(t.rel) + " is a symlink"};
    }
    tree_.record(Touch::read, "file_status", split_path(t.rel));
    const std::uint64_t size = node->kind == Kind::file     ? node->content.size()
                               : node->kind == Kind::folder ? folder_size
                                                            : 0;
    return FileStatus{entry_type(*node), size, node->atime, node->mtime};
}

std::variant<std::vector<ListEntry>, FileFailure> MemoryMailbox::list_folder(std::string_view path,
                                                                             bool recursive) {
    auto opened = open_read_target(tree_, path, 10);
    if (auto* failure = std::get_if<FileFailure>(&opened)) {
        return std::move(*failure);
    }
    const auto& t = std::get<Target>(opened);
    const MemoryNode* node = t.name.empty() ? t.parent : child(t);
    if (node == nullptr) {
        return FileFailure{10, shown_rel(t.rel) + " does not exist"};
    }
    if (node->kind == Kind::symlink) {
        return FileFailure{1, shown_rel(t.rel) + " is a symlink"};
    }
    if (node->kind != Kind::folder) {
        return FileFailure{10, shown_rel(t.rel) + " is not a folder"};
    }
    tree_.record(Touch::read, "list_folder", split_path(t.rel));
    std::vector<ListEntry> entries;
    // The temporary folder is the server's own: not listed in the root.
    list_entries(*node, "", recursive, 0, t.name.empty() ? tmp_name : std::string_view(), entries);
    return entries;
}

} // namespace xsime::mock
