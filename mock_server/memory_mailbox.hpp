// A Mailbox held in memory, for the fuzzers and the tests: the same path rules, delivery order,
// timestamps and refusal codes as FsMailbox (tests/mock_server/mailbox_contract_test.cpp
// proves it), with no disk and a clock of the caller's choice.
#pragma once

#include "mock_server/faults.hpp"
#include "mock_server/mailbox.hpp"
#include "mock_server/memory_tree.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xsime::mock {

class MemoryMailbox final : public Mailbox {
public:
    using Clock = MemoryTree::Clock;

    // `clock` gives Unix seconds for every mtime and atime. `root` only names the root in
    // OrgUnitRef/UserRef paths and in log reasons; nothing on disk is used. The root holds the
    // server's temporary folder, as FsMailbox's does, so that the same refusals apply.
    explicit MemoryMailbox(Clock clock, std::filesystem::path root = "/xsime-memory",
                           Faults faults = {});

    const std::filesystem::path& root() const { return root_; }

    // ---- setup for fixtures: paths from the root, "/org/alice"; a bad one throws
    // std::invalid_argument (these are for test code, never for client input) ----

    // Every missing folder of `path` (mkdir -p). An org unit, a user folder alike.
    void make_folders(std::string_view path);
    // A regular file (its folder must exist), replaced if it is there.
    void write_file(std::string_view path, std::string_view content);
    // A symlink to `target`: a path from the root ("/org/carol"), or anything not beginning
    // with '/' for a link out of the root ("../outside"), which is refused wherever it matters.
    void make_symlink(std::string_view path, std::string_view target);
    // An entry that is neither file, folder nor symlink (a FIFO's stand-in: FSTAT says 'U').
    void make_special(std::string_view path);
    // `org`/`user` and its messages/blacklist/ folders.
    void make_user(std::string_view org, std::string_view user);
    // An empty file messages/blacklist/<sender> in the user's folder: `sender` is blocked.
    void add_blacklist_entry(std::string_view org, std::string_view user, std::string_view sender);

    // ---- inspection, for tests and fuzzers (no symlink followed, nothing recorded) ----

    std::optional<MemoryNode::Kind> kind(std::string_view path);
    // A regular file's content.
    std::optional<std::string> file_content(std::string_view path);
    // The names in a folder, sorted; empty when it is no folder.
    std::vector<std::string> names(std::string_view path);
    // Every path the Mailbox methods looked at or changed since the last clear, in order.
    const std::vector<MemoryTouch>& touched() const { return tree_.touched(); }
    void clear_touched() { tree_.clear_touched(); }
    // The parts below the root of an OrgUnitRef's or UserRef's dir; std::nullopt for a path
    // that is not under root().
    std::optional<PathParts> parts_of(const std::filesystem::path& dir) const;

    std::variant<OrgUnitRef, MailboxError> open_org_unit(std::string_view path) override;
    std::variant<UserRef, MailboxError> open_user(const OrgUnitRef& org,
                                                  std::string_view name) override;
    std::variant<DeliveryReport, MailboxError>
    deliver(const OrgUnitRef& org, std::string_view sender, std::span<const std::string> recipients,
            std::uint64_t timestamp, std::string_view content) override;
    std::optional<std::vector<StoredMessage>> scan(const UserRef& user, ScanMemo& memo) override;
    std::optional<std::string> read(const UserRef& user, const StoredMessage& message) override;
    void remove(const UserRef& user, const StoredMessage& message) override;
    std::optional<MailboxError> make_folder(std::string_view path) override;
    std::optional<MailboxError> touch_file(std::string_view path) override;
    std::optional<MailboxError> delete_file(std::string_view path) override;
    std::optional<MailboxError> remove_folder(std::string_view path) override;
    std::variant<FileStatus, FileFailure> file_status(std::string_view path) override;
    std::variant<std::vector<ListEntry>, FileFailure> list_folder(std::string_view path,
                                                                  bool recursive) override;

private:
    // The setup API's path: normalised parts, at least one.
    static PathParts setup_parts(std::string_view path);
    // The folder that will hold `parts`'s last component, for the setup API.
    MemoryNode& setup_parent(const PathParts& parts);
    std::filesystem::path shown(const PathParts& parts) const;
    // messages/ and messages/blacklist/ made when missing; an error when either is something
    // else (a symlink, a file).
    std::optional<std::string> ensure_mailbox(const PathParts& user, const char* operation);
    bool blacklisted(const PathParts& user, std::string_view sender);
    // Places `content` in the user's messages/ under `name`, or a fresh name if it is taken;
    // false when every attempt found its name taken.
    bool place(const PathParts& user, std::string name, std::uint64_t timestamp,
               std::string_view content);

    MemoryTree tree_;
    std::filesystem::path root_;
    Faults faults_;
    std::uint64_t sequence_ = 1;
    mutable std::string last_dir_; // parts_of()'s last question and answer
    mutable std::optional<PathParts> last_parts_;
};

} // namespace xsime::mock
