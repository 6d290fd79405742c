// The reference server's mailbox on a real directory: <root>/<org unit>/<user>/messages/.
#pragma once

#include "mock_server/mailbox.hpp"

#include <atomic>
#include <filesystem>

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
    std::filesystem::path root_;
    std::filesystem::path tmp_dir_;
    std::atomic<std::uint64_t> sequence_;
};

} // namespace xsime::mock
