// The reference server's mailbox on a real directory: <root>/<org unit>/<user>/messages/.
#pragma once

#include "mock_server/mailbox.hpp"

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_map>

namespace xsime::mock {

class FsMailbox final : public Mailbox {
public:
    // `root` must exist; it is canonicalised once. Temporary files go to
    // <root>/.xsime-tmp/, outside every mailbox, so no reader sees half a message.
    explicit FsMailbox(const std::filesystem::path& root);

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

private:
    // Placements into one messages/ folder: started and finished counts. readdir is not a
    // snapshot (a file linked into a slot the listing already passed is missed while a
    // later one is seen), so a listing is trusted only when no placement overlapped it.
    struct Placements {
        std::uint64_t started = 0;
        std::uint64_t finished = 0;
    };
    Placements placements(const std::filesystem::path& messages);
    void placement_started(const std::filesystem::path& messages);
    void placement_finished(const std::filesystem::path& messages);

    std::filesystem::path root_;
    std::filesystem::path tmp_dir_;
    std::atomic<std::uint64_t> sequence_;
    std::mutex placements_mutex_;
    std::unordered_map<std::string, Placements> placements_;
};

} // namespace xsime::mock
