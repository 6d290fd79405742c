// MemoryMailbox: the fixture setup API and the XSIME side (org units, users, delivery, scan),
// following FsMailbox rule for rule. The TF file commands are in memory_file_commands.cpp.
#include "mock_server/memory_mailbox.hpp"

#include "mock_server/fs_paths.hpp"
#include "protocol/messages.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <limits>
#include <set>
#include <stdexcept>
#include <utility>

namespace xsime::mock {
namespace {

namespace fs = std::filesystem;
using Kind = MemoryNode::Kind;
using Touch = MemoryTouch::Kind;

// As in FsMailbox: the server's own folder in the root, a message file's size limit, and the
// attempts at a fresh name.
constexpr std::string_view tmp_name = ".xsime-tmp";
constexpr std::size_t max_message_file = 1024 * 1024;
constexpr int name_attempts = 8;

std::string quoted(const fs::path& p) {
    return "'" + p.string() + "'";
}

std::string message_name(std::uint64_t timestamp, std::uint64_t sequence) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%010llu-%020llu", static_cast<unsigned long long>(timestamp),
                  static_cast<unsigned long long>(sequence));
    return buf;
}

bool in_tmp(const PathParts& parts) {
    return !parts.empty() && parts.front() == tmp_name;
}

PathParts plus(PathParts parts, std::string_view name) {
    parts.emplace_back(name);
    return parts;
}

enum class Found { ok, missing, refused };

struct Resolved {
    Found found = Found::refused;
    PathParts dir;    // when found == ok
    std::string name; // the lexically normalised relative path
    std::string reason;
};

} // namespace

MemoryMailbox::MemoryMailbox(Clock clock, fs::path root, Faults faults)
    : tree_(std::move(clock)), root_(std::move(root)), faults_(faults) {
    tree_.add(tree_.root(), std::string(tmp_name), Kind::folder);
}

fs::path MemoryMailbox::shown(const PathParts& parts) const {
    fs::path out = root_;
    for (const auto& part : parts) {
        out /= part;
    }
    return out;
}

std::optional<PathParts> MemoryMailbox::parts_of(const fs::path& dir) const {
    // A session asks about its own user's folder at every poll: the last answer is kept.
    if (dir.native() == last_dir_) {
        return last_parts_;
    }
    auto it = dir.begin();
    for (const auto& part : root_) {
        if (it == dir.end() || *it != part) {
            return std::nullopt;
        }
        ++it;
    }
    PathParts parts;
    for (; it != dir.end(); ++it) {
        parts.push_back(it->string());
    }
    last_dir_ = dir.native();
    last_parts_ = parts;
    return parts;
}

// ---- setup and inspection ----

PathParts MemoryMailbox::setup_parts(std::string_view path) {
    const auto normalised =
        path.find('\0') == std::string_view::npos ? normalise(path) : std::nullopt;
    if (!normalised || normalised->empty()) {
        throw std::invalid_argument("memory mailbox setup: bad path '" + std::string(path) + "'");
    }
    return split_path(*normalised);
}

MemoryNode& MemoryMailbox::setup_parent(const PathParts& parts) {
    MemoryNode* parent = tree_.find(PathParts(parts.begin(), parts.end() - 1));
    if (parent == nullptr || parent->kind != Kind::folder) {
        throw std::invalid_argument("memory mailbox setup: no folder holds '" + join_path(parts) +
                                    "'");
    }
    return *parent;
}

void MemoryMailbox::make_folders(std::string_view path) {
    MemoryNode* node = &tree_.root();
    for (const auto& part : setup_parts(path)) {
        const auto it = node->children.find(part);
        node =
            it != node->children.end() ? it->second.get() : &tree_.add(*node, part, Kind::folder);
        if (node->kind != Kind::folder) {
            throw std::invalid_argument("memory mailbox setup: '" + part + "' in '" +
                                        std::string(path) + "' is not a folder");
        }
    }
}

void MemoryMailbox::write_file(std::string_view path, std::string_view content) {
    const PathParts parts = setup_parts(path);
    MemoryNode& parent = setup_parent(parts);
    const auto it = parent.children.find(parts.back());
    MemoryNode& file =
        it != parent.children.end() ? *it->second : tree_.add(parent, parts.back(), Kind::file);
    if (file.kind != Kind::file) {
        throw std::invalid_argument("memory mailbox setup: '" + std::string(path) +
                                    "' is not a file");
    }
    file.content = content;
    file.mtime = tree_.now();
}

void MemoryMailbox::make_symlink(std::string_view path, std::string_view target) {
    const PathParts parts = setup_parts(path);
    MemoryNode& parent = setup_parent(parts);
    if (parent.children.contains(parts.back())) {
        throw std::invalid_argument("memory mailbox setup: '" + std::string(path) + "' exists");
    }
    tree_.add(parent, parts.back(), Kind::symlink).target = target;
}

void MemoryMailbox::make_special(std::string_view path) {
    const PathParts parts = setup_parts(path);
    MemoryNode& parent = setup_parent(parts);
    if (parent.children.contains(parts.back())) {
        throw std::invalid_argument("memory mailbox setup: '" + std::string(path) + "' exists");
    }
    tree_.add(parent, parts.back(), Kind::other);
}

void MemoryMailbox::make_user(std::string_view org, std::string_view user) {
    make_folders(std::string(org) + "/" + std::string(user) + "/messages/blacklist");
}

void MemoryMailbox::add_blacklist_entry(std::string_view org, std::string_view user,
                                        std::string_view sender) {
    const std::string blacklist =
        std::string(org) + "/" + std::string(user) + "/messages/blacklist";
    make_folders(blacklist);
    write_file(blacklist + "/" + std::string(sender), "");
}

std::optional<MemoryNode::Kind> MemoryMailbox::kind(std::string_view path) {
    const auto normalised = normalise(path);
    const MemoryNode* node = normalised ? tree_.find(split_path(*normalised)) : nullptr;
    return node != nullptr ? std::optional(node->kind) : std::nullopt;
}

std::optional<std::string> MemoryMailbox::file_content(std::string_view path) {
    const auto normalised = normalise(path);
    const MemoryNode* node = normalised ? tree_.find(split_path(*normalised)) : nullptr;
    return node != nullptr && node->kind == Kind::file ? std::optional(node->content)
                                                       : std::nullopt;
}

std::vector<std::string> MemoryMailbox::names(std::string_view path) {
    const auto normalised = normalise(path);
    const MemoryNode* node = normalised ? tree_.find(split_path(*normalised)) : nullptr;
    std::vector<std::string> out;
    if (node != nullptr && node->kind == Kind::folder) {
        for (const auto& [name, child] : node->children) {
            out.push_back(name);
        }
    }
    return out;
}

// ---- org units and users ----

namespace {

// FsMailbox's resolve(): '..' lexically first, then symlinks followed; refused when the real
// path leaves `base`, missing when it is no folder.
Resolved resolve(MemoryTree& tree, const PathParts& base, std::string_view rel,
                 const char* operation, const std::function<fs::path(const PathParts&)>& shown) {
    if (rel.find('\0') != std::string_view::npos) {
        return {Found::refused, {}, {}, "path contains a NUL byte"};
    }
    std::optional<std::string> name = normalise(rel);
    if (!name) {
        return {Found::refused,
                {},
                {},
                "'" + std::string(rel) + "' climbs above " + quoted(shown(base))};
    }
    PathParts target = base;
    for (auto& part : split_path(*name)) {
        target.push_back(std::move(part));
    }
    const auto real = tree.canonical(target);
    using Where = MemoryTree::Canonical::Where;
    if (real.where == Where::loop) {
        return {Found::missing,
                {},
                std::move(*name),
                quoted(shown(target)) + ": Too many levels of symbolic links"};
    }
    if (real.where == Where::outside || !is_within(base, real.real)) {
        return {Found::refused,
                {},
                std::move(*name),
                quoted(shown(target)) + " resolves outside " + quoted(shown(base))};
    }
    // The server's own folder: refused before anything in it is looked at.
    if (in_tmp(real.real)) {
        return {Found::missing,
                {},
                std::move(*name),
                quoted(shown(real.real)) + " is the server's temporary folder"};
    }
    tree.record(Touch::read, operation, real.real);
    if (real.node == nullptr) {
        return {Found::missing,
                {},
                std::move(*name),
                quoted(shown(real.real)) + ": No such file or directory"};
    }
    if (real.node->kind != Kind::folder) {
        return {
            Found::missing, {}, std::move(*name), quoted(shown(real.real)) + " is not a directory"};
    }
    return {Found::ok, real.real, std::move(*name), {}};
}

} // namespace

std::variant<OrgUnitRef, MailboxError> MemoryMailbox::open_org_unit(std::string_view path) {
    Resolved r =
        resolve(tree_, {}, path, "open_org_unit", [this](const PathParts& p) { return shown(p); });
    if (r.found != Found::ok) {
        return MailboxError{"org unit: " + r.reason};
    }
    return OrgUnitRef{shown(r.dir)};
}

std::optional<std::string> MemoryMailbox::ensure_mailbox(const PathParts& user,
                                                         const char* operation) {
    PathParts dir = plus(user, "messages");
    for (int level = 0; level < 2; ++level, dir.emplace_back("blacklist")) {
        MemoryNode* parent = tree_.find(PathParts(dir.begin(), dir.end() - 1));
        if (parent == nullptr || parent->kind != Kind::folder) {
            return quoted(shown(dir)) + ": No such file or directory";
        }
        const auto it = parent->children.find(dir.back());
        if (it == parent->children.end()) {
            tree_.record(Touch::write, operation, dir);
            tree_.add(*parent, dir.back(), Kind::folder);
        } else if (it->second->kind == Kind::symlink) {
            return quoted(shown(dir)) + " is a symlink";
        } else if (it->second->kind != Kind::folder) {
            return quoted(shown(dir)) + " is not a directory";
        }
    }
    return std::nullopt;
}

std::variant<UserRef, MailboxError> MemoryMailbox::open_user(const OrgUnitRef& org,
                                                             std::string_view name) {
    if (auto refused = check_user_name(name)) {
        return *refused;
    }
    const auto base = parts_of(org.dir);
    if (!base) {
        return MailboxError{"user: org unit " + quoted(org.dir) + " is not in this mailbox"};
    }
    Resolved r =
        resolve(tree_, *base, name, "open_user", [this](const PathParts& p) { return shown(p); });
    if (r.found != Found::ok) {
        return MailboxError{"user: " + r.reason};
    }
    if (r.name.empty() || r.dir == *base) {
        return MailboxError{"user: '" + std::string(name) + "' names the org unit " +
                            quoted(org.dir) + " itself"};
    }
    if (auto error = ensure_mailbox(r.dir, "open_user")) {
        return MailboxError{"user: " + *error};
    }
    fs::path dir = shown(r.dir);
    fs::path messages = dir / "messages";
    return UserRef{std::move(dir), std::move(messages), std::move(r.name)};
}

// ---- delivery ----

bool MemoryMailbox::blacklisted(const PathParts& user, std::string_view sender) {
    // lstat(messages/blacklist/<sender>): a sender with '/' is looked up below, through
    // symlinks except the last component.
    PathParts entry = plus(plus(user, "messages"), "blacklist");
    for (auto& part : split_path(sender)) {
        entry.push_back(std::move(part));
    }
    const auto folder = tree_.canonical(PathParts(entry.begin(), entry.end() - 1));
    if (folder.where != MemoryTree::Canonical::Where::inside || folder.node == nullptr ||
        folder.node->kind != Kind::folder) {
        return false;
    }
    tree_.record(Touch::read, "deliver", folder.real, entry.back());
    return folder.node->children.contains(entry.back());
}

bool MemoryMailbox::place(const PathParts& user, std::string name, std::uint64_t timestamp,
                          std::string_view content) {
    const PathParts messages = plus(user, "messages");
    MemoryNode& folder = *tree_.find(messages); // ensure_mailbox made it
    for (int attempt = 0; attempt < name_attempts;
         ++attempt, name = message_name(timestamp, sequence_++)) {
        if (!folder.children.contains(name)) {
            tree_.record(Touch::write, "deliver", messages, name);
            tree_.add(folder, name, Kind::file).content = content;
            return true;
        }
    }
    return false;
}

std::variant<DeliveryReport, MailboxError>
MemoryMailbox::deliver(const OrgUnitRef& org, std::string_view sender,
                       std::span<const std::string> recipients, std::uint64_t timestamp,
                       std::string_view content) {
    const std::string name = message_name(timestamp, sequence_++);
    DeliveryReport report;
    const auto base = parts_of(org.dir);
    if (!base) {
        return MailboxError{"org unit " + quoted(org.dir) + " is not in this mailbox"};
    }
    // Every recipient first: one that leaves the org unit refuses the whole message.
    std::vector<PathParts> targets;
    std::set<std::string> seen;
    const auto shown_fn = [this](const PathParts& p) { return shown(p); };
    for (const std::string& recipient : recipients) {
        if (recipient.find('\0') == std::string::npos &&
            recipient.size() > protocol::max_user_name) {
            report.missing += seen.insert("missing:" + recipient).second ? 1 : 0;
            continue;
        }
        Resolved r = resolve(tree_, *base, recipient, "deliver", shown_fn);
        if (r.found == Found::refused) {
            return MailboxError{"recipient: " + r.reason};
        }
        if (r.found == Found::missing || r.name.empty() || r.dir == *base) {
            report.missing += seen.insert("missing:" + r.name).second ? 1 : 0;
            continue;
        }
        if (seen.insert(join_path(r.dir)).second) {
            targets.push_back(std::move(r.dir));
        }
    }
    std::string failures;
    const std::optional<std::string> sender_name =
        sender.find('\0') == std::string_view::npos ? normalise(sender) : std::nullopt;
    for (const PathParts& dir : targets) {
        if (ensure_mailbox(dir, "deliver")) {
            ++report.missing;
            continue;
        }
        if (sender_name && !sender_name->empty() && !faults_.has(Fault::blacklist_ignored) &&
            blacklisted(dir, *sender_name)) {
            ++report.blacklisted;
            continue;
        }
        // FAULT same_second_loss: named after the second alone, a taken name not retried.
        if (faults_.has(Fault::same_second_loss)) {
            const std::string by_second = std::to_string(timestamp);
            MemoryNode& folder = *tree_.find(plus(dir, "messages"));
            if (!folder.children.contains(by_second)) {
                tree_.record(Touch::write, "deliver", plus(dir, "messages"), by_second);
                tree_.add(folder, by_second, Kind::file).content = content;
            }
            ++report.delivered;
            continue;
        }
        if (place(dir, name, timestamp, content)) {
            ++report.delivered;
        } else {
            failures += (failures.empty() ? "" : "; ") + quoted(shown(plus(dir, "messages"))) +
                        ": no free message name after " + std::to_string(name_attempts) +
                        " attempts";
        }
    }
    if (!failures.empty()) {
        return MailboxError{"delivered to " + std::to_string(report.delivered) + " of " +
                            std::to_string(targets.size()) + " recipient(s); failed: " + failures};
    }
    return report;
}

// ---- scanning and reading ----

std::optional<std::vector<StoredMessage>> MemoryMailbox::scan(const UserRef& user, ScanMemo& memo) {
    // The user's folder is canonical, so only messages/ itself could be a symlink (or a file);
    // FsMailbox then lists nothing either (O_NOFOLLOW), so no symlink needs following here.
    const auto parts = parts_of(user.messages);
    MemoryNode* folder = parts ? tree_.find(*parts) : nullptr;
    if (folder == nullptr || folder->kind != Kind::folder) {
        memo = {};
        return std::vector<StoredMessage>{};
    }
    tree_.record(Touch::read, "scan", *parts);
    // The change counter is exact, so unlike a directory's mtime it needs no settling time.
    const auto change = static_cast<std::int64_t>(folder->change);
    const auto id = static_cast<std::int64_t>(folder->id);
    if (memo.valid && memo.mtime_ns == change && memo.ctime_ns == id) {
        return std::nullopt;
    }
    std::vector<StoredMessage> out;
    for (const auto& [name, node] : folder->children) {
        if (name.front() >= '0' && name.front() <= '9' && node->kind == Kind::file) {
            out.push_back(StoredMessage{name, leading_timestamp(name)});
        }
    }
    std::sort(out.begin(), out.end(), delivery_order);
    memo = ScanMemo{true, change, id};
    return out;
}

std::optional<std::string> MemoryMailbox::read(const UserRef& user, const StoredMessage& message) {
    const auto parts = is_plain_file_name(message.name) ? parts_of(user.messages) : std::nullopt;
    const auto folder = parts ? tree_.canonical(*parts) : MemoryTree::Canonical{};
    if (!parts || folder.where != MemoryTree::Canonical::Where::inside || folder.node == nullptr ||
        folder.node->kind != Kind::folder) {
        return std::nullopt;
    }
    tree_.record(Touch::read, "read", folder.real, message.name);
    const auto it = folder.node->children.find(message.name);
    if (it == folder.node->children.end() || it->second->kind != Kind::file ||
        it->second->content.size() > max_message_file) {
        return std::nullopt;
    }
    return it->second->content;
}

void MemoryMailbox::remove(const UserRef& user, const StoredMessage& message) {
    const auto parts = is_plain_file_name(message.name) ? parts_of(user.messages) : std::nullopt;
    const auto folder = parts ? tree_.canonical(*parts) : MemoryTree::Canonical{};
    if (!parts || folder.where != MemoryTree::Canonical::Where::inside || folder.node == nullptr ||
        folder.node->kind != Kind::folder) {
        return;
    }
    const auto it = folder.node->children.find(message.name);
    if (it != folder.node->children.end() && it->second->kind != Kind::folder) {
        tree_.record(Touch::write, "remove", folder.real, message.name);
        tree_.erase(*folder.node, message.name);
    }
}

} // namespace xsime::mock
