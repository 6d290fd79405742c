// The in-memory file tree under MemoryMailbox (memory_tree.hpp).
#include "mock_server/memory_tree.hpp"

#include "mock_server/fs_paths.hpp"

#include <algorithm>

namespace xsime::mock {
namespace {

// Linux gives up (ELOOP) after 40 symlinks in one lookup.
constexpr int max_symlinks = 40;

// A symlink's target as parts below the root; std::nullopt when it points outside.
std::optional<PathParts> link_target(std::string_view target) {
    if (target.empty() || target.front() != '/' || target.find('\0') != std::string_view::npos) {
        return std::nullopt;
    }
    const auto normalised = normalise(target);
    if (!normalised) {
        return std::nullopt;
    }
    return split_path(*normalised);
}

} // namespace

std::string join_path(const PathParts& parts) {
    if (parts.empty()) {
        return "/";
    }
    std::string out;
    for (const auto& part : parts) {
        out += '/';
        out += part;
    }
    return out;
}

PathParts split_path(std::string_view normalised) {
    PathParts parts;
    for (std::size_t pos = 0; !normalised.empty() && pos <= normalised.size();) {
        const std::size_t end = std::min(normalised.find('/', pos), normalised.size());
        parts.emplace_back(normalised.substr(pos, end - pos));
        pos = end + 1;
    }
    return parts;
}

bool is_within(const PathParts& outer, const PathParts& inner) {
    return inner.size() >= outer.size() && std::equal(outer.begin(), outer.end(), inner.begin());
}

MemoryTree::MemoryTree(Clock clock)
    : clock_(std::move(clock)), root_(std::make_unique<MemoryNode>()) {
    root_->id = next_id_++;
    root_->atime = root_->mtime = clock_();
}

MemoryNode* MemoryTree::find(const PathParts& parts) {
    MemoryNode* node = root_.get();
    for (const auto& part : parts) {
        if (node->kind != MemoryNode::Kind::folder) {
            return nullptr;
        }
        const auto it = node->children.find(part);
        if (it == node->children.end()) {
            return nullptr;
        }
        node = it->second.get();
    }
    return node;
}

MemoryNode& MemoryTree::add(MemoryNode& folder, const std::string& name, MemoryNode::Kind kind) {
    auto node = std::make_unique<MemoryNode>();
    node->kind = kind;
    node->id = next_id_++;
    node->atime = node->mtime = clock_();
    MemoryNode& added = *node;
    folder.children[name] = std::move(node);
    changed(folder);
    return added;
}

void MemoryTree::erase(MemoryNode& folder, std::string_view name) {
    if (const auto it = folder.children.find(name); it != folder.children.end()) {
        folder.children.erase(it);
        changed(folder);
    }
}

void MemoryTree::changed(MemoryNode& folder) {
    folder.mtime = clock_();
    folder.change = ++changes_;
}

MemoryTree::Canonical MemoryTree::canonical(const PathParts& path) {
    return canonical(path, 0);
}

MemoryTree::Canonical MemoryTree::canonical(const PathParts& path, int depth) {
    Canonical out;
    MemoryNode* node = root_.get();
    for (const auto& part : path) {
        MemoryNode* child = nullptr;
        if (node != nullptr && node->kind == MemoryNode::Kind::folder) {
            if (const auto it = node->children.find(part); it != node->children.end()) {
                child = it->second.get();
            }
        }
        if (child == nullptr || child->kind != MemoryNode::Kind::symlink) {
            // A missing entry, or anything below one that is no folder: the rest is taken as
            // it is, as weakly_canonical does.
            out.real.push_back(part);
            node = child;
            continue;
        }
        if (depth >= max_symlinks) {
            out.where = Canonical::Where::loop;
            return out;
        }
        const auto target = link_target(child->target);
        if (!target) {
            out.where = Canonical::Where::outside;
            return out;
        }
        Canonical followed = canonical(*target, depth + 1);
        if (followed.where != Canonical::Where::inside) {
            return followed;
        }
        out.real = std::move(followed.real);
        node = followed.node;
    }
    out.node = node;
    return out;
}

void MemoryTree::record(MemoryTouch::Kind kind, const char* operation, const PathParts& parts) {
    touched_.push_back(MemoryTouch{kind, operation, join_path(parts)});
}

void MemoryTree::record(MemoryTouch::Kind kind, const char* operation, const PathParts& folder,
                        std::string_view name) {
    std::string path = folder.empty() ? std::string() : join_path(folder);
    path += '/';
    path += name;
    touched_.push_back(MemoryTouch{kind, operation, std::move(path)});
}

} // namespace xsime::mock
