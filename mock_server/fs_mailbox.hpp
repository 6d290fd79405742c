// The reference server's mailbox on a real directory: <root>/<org unit>/<user>/messages/.
#pragma once

#include "mock_server/faults.hpp"
#include "mock_server/fs_paths.hpp"
#include "mock_server/mailbox.hpp"

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace xsime::mock {

class FsMailbox final : public Mailbox {
public:
    // `root` must exist; it is canonicalised and opened once, and every path from a client
    // is walked from that descriptor (fs_paths.hpp). Temporary files go to <root>/.xsime-tmp/,
    // outside every mailbox, so no reader sees half a message; what a crashed server left
    // there is removed here.
    // `faults` (none by default) are the mailbox's share of the injected faults.
    explicit FsMailbox(const std::filesystem::path& root, Faults faults = {});

    const std::filesystem::path& root() const { return root_; }
    // How many leftover temporary files the constructor removed, for the server's log.
    std::size_t removed_leftovers() const { return removed_leftovers_; }

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
    // Where a user name leads inside an org unit.
    struct Located {
        Lookup found = Lookup::refused; // missing also for the org unit itself and .xsime-tmp
        std::string rel;                // the user folder below the root, when ok
        std::string name;               // the name, normalised, relative to the org unit
        std::string reason;
    };

    // The folder below the root that `dir` names ("a/b", "" for the root), for a ref this
    // mailbox made; std::nullopt for any other path.
    std::optional<std::string> below_root(const std::filesystem::path& dir) const;
    Located locate_user(const std::string& org_rel, std::string_view name) const;
    // The recipients' folders below the root, each once; missing ones are counted in
    // `report`; an error when one leaves the org unit.
    std::variant<std::vector<std::string>, MailboxError>
    recipient_folders(const std::string& org_rel, std::span<const std::string> recipients,
                      DeliveryReport& report) const;
    // The user folder's messages/ (O_PATH), messages/ and messages/blacklist/ created when
    // missing; Fd(-1) with `found` and `reason` set when it cannot hold messages.
    Fd open_mailbox(const std::string& user_rel, Lookup& found, std::string& reason) const;
    // The user's messages/ as it is (nothing created, nothing followed); Fd(-1) if unusable.
    Fd open_messages(const UserRef& user, int flags) const;
    // One message on its way: in the temporary folder, to be linked into each mailbox.
    struct Outgoing {
        std::string tmp_name;
        std::string name; // its name in messages/ (a fresh one when that is taken)
        std::uint64_t timestamp = 0;
        std::string_view content;
        std::optional<std::string> sender; // normalised, for the blacklist
    };
    // Links `message` into the messages/ of the user folder `user_rel`, the outcome counted
    // in `report`; false, with `reason`, when it failed.
    bool deliver_to(const std::string& user_rel, const Outgoing& message, DeliveryReport& report,
                    std::string& reason);
    // Removes the files a crashed server left in the temporary folder; returns how many.
    std::size_t remove_leftovers();
    // readdir is no snapshot: a file linked while a listing runs may be missed while a later
    // one is seen, and one sender's messages would be pushed out of order. So placing a
    // message into a messages/ folder and listing that folder exclude each other.
    std::mutex& folder_mutex(const std::filesystem::path& messages);

    std::filesystem::path root_;
    Faults faults_;
    std::filesystem::path tmp_dir_;
    Fd root_fd_{-1}; // O_PATH; where every walk starts
    Fd tmp_fd_{-1};  // O_PATH; the temporary folder
    std::size_t removed_leftovers_ = 0;
    std::atomic<std::uint64_t> sequence_;
    std::mutex folders_mutex_; // guards folder_mutexes_ (the map, not the folders)
    std::unordered_map<std::string, std::unique_ptr<std::mutex>> folder_mutexes_;
};

} // namespace xsime::mock
