// The reference server's mailbox on a real directory: <root>/<org unit>/<user>/messages/.
#pragma once

#include "mock_server/faults.hpp"
#include "mock_server/mailbox.hpp"

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace xsime::mock {

class FsMailbox final : public Mailbox {
public:
    // `root` must exist; it is canonicalised once. Temporary files go to
    // <root>/.xsime-tmp/, outside every mailbox, so no reader sees half a message.
    // `faults` (none by default) are the mailbox's share of the injected faults.
    explicit FsMailbox(const std::filesystem::path& root, Faults faults = {});

    const std::filesystem::path& root() const { return root_; }

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
    // readdir is no snapshot: a file linked while a listing runs may be missed while a later
    // one is seen, and one sender's messages would be pushed out of order. So placing a
    // message into a messages/ folder and listing that folder exclude each other.
    std::mutex& folder_mutex(const std::filesystem::path& messages);

    std::filesystem::path root_;
    Faults faults_;
    std::filesystem::path tmp_dir_;
    std::atomic<std::uint64_t> sequence_;
    std::mutex folders_mutex_; // guards folder_mutexes_ (the map, not the folders)
    std::unordered_map<std::string, std::unique_ptr<std::mutex>> folder_mutexes_;
};

} // namespace xsime::mock
