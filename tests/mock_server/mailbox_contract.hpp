// The two mailboxes under the Mailbox contract (mailbox_contract_test.cpp): how a case prepares
// and inspects each, and the typed fixture the cases share.
#pragma once

#include "mock_server/fs_mailbox.hpp"
#include "mock_server/memory_mailbox.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace xsime::mock::contract {

namespace fs = std::filesystem;

inline std::uint64_t unix_now() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

// What a case prepares and inspects, on either mailbox. Paths are from the root ("/ime/bob").
// A symlink's target is a path from the root, or "../outside/..." for one out of the root.
class Backend {
public:
    virtual ~Backend() = default;
    virtual Mailbox& mailbox() = 0;
    virtual void mkdir(std::string_view path) = 0; // with every missing parent
    virtual void write(std::string_view path, std::string_view content) = 0;
    virtual void symlink(std::string_view path, std::string_view target) = 0;
    virtual void special(std::string_view path) = 0; // a FIFO
    virtual bool exists(std::string_view path) = 0;  // symlinks not followed
    virtual std::optional<std::string> content(std::string_view path) = 0;
    virtual std::vector<std::string> names(std::string_view path) = 0;
    // Nothing was created or changed outside the root.
    virtual bool outside_untouched() = 0;
};

class FsBackend final : public Backend {
public:
    FsBackend() {
        std::string pattern = (fs::temp_directory_path() / "mailbox_contract.XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        base_ = pattern;
        fs::create_directories(base_ / "root");
        fs::create_directories(base_ / "outside" / "victim");
        mailbox_ = std::make_unique<FsMailbox>(base_ / "root");
    }
    ~FsBackend() override {
        mailbox_.reset();
        std::error_code ec;
        fs::remove_all(base_, ec);
    }
    Mailbox& mailbox() override { return *mailbox_; }
    void mkdir(std::string_view path) override { fs::create_directories(at(path)); }
    void write(std::string_view path, std::string_view content) override {
        std::ofstream(at(path), std::ios::binary) << content;
    }
    void symlink(std::string_view path, std::string_view target) override {
        fs::create_symlink(at(target), at(path));
    }
    void special(std::string_view path) override {
        if (::mkfifo(at(path).c_str(), 0600) != 0) {
            throw std::runtime_error("mkfifo failed");
        }
    }
    bool exists(std::string_view path) override { return fs::exists(fs::symlink_status(at(path))); }
    std::optional<std::string> content(std::string_view path) override {
        std::ifstream in(at(path), std::ios::binary);
        if (!in || !fs::is_regular_file(fs::symlink_status(at(path)))) {
            return std::nullopt;
        }
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    std::vector<std::string> names(std::string_view path) override {
        std::vector<std::string> out;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(at(path), ec)) {
            out.push_back(entry.path().filename().string());
        }
        std::sort(out.begin(), out.end());
        return out;
    }
    bool outside_untouched() override {
        std::size_t entries = 0;
        for (const auto& entry : fs::recursive_directory_iterator(base_ / "outside")) {
            (void)entry;
            ++entries;
        }
        return entries == 1; // victim/, empty
    }

private:
    fs::path at(std::string_view path) const {
        return path.starts_with("../") ? base_ / path.substr(3)
                                       : base_ / "root" / fs::path(path).relative_path();
    }
    fs::path base_;
    std::unique_ptr<FsMailbox> mailbox_;
};

class MemoryBackend final : public Backend {
public:
    Mailbox& mailbox() override { return mailbox_; }
    void mkdir(std::string_view path) override { mailbox_.make_folders(path); }
    void write(std::string_view path, std::string_view content) override {
        mailbox_.write_file(path, content);
    }
    void symlink(std::string_view path, std::string_view target) override {
        mailbox_.make_symlink(path, target);
    }
    void special(std::string_view path) override { mailbox_.make_special(path); }
    bool exists(std::string_view path) override { return mailbox_.kind(path).has_value(); }
    std::optional<std::string> content(std::string_view path) override {
        return mailbox_.file_content(path);
    }
    std::vector<std::string> names(std::string_view path) override {
        auto out = mailbox_.names(path);
        std::erase(out, ".xsime-tmp");
        return out;
    }
    // The tree has nothing outside the root; what matters is that no path ever escaped it.
    bool outside_untouched() override {
        return std::none_of(
            mailbox_.touched().begin(), mailbox_.touched().end(), [](const MemoryTouch& touch) {
                return !touch.path.starts_with("/") || touch.path.find("/../") != std::string::npos;
            });
    }

private:
    MemoryMailbox mailbox_{unix_now};
};

template <typename B>
class MailboxContract : public ::testing::Test {
protected:
    B backend_;
    Mailbox& box() { return backend_.mailbox(); }

    OrgUnitRef org(std::string_view path) {
        auto result = box().open_org_unit(path);
        EXPECT_TRUE(std::holds_alternative<OrgUnitRef>(result))
            << path << ": " << std::get<MailboxError>(result).reason;
        return std::holds_alternative<OrgUnitRef>(result) ? std::get<OrgUnitRef>(result)
                                                          : OrgUnitRef{};
    }
    bool org_refused(std::string_view path) {
        return std::holds_alternative<MailboxError>(box().open_org_unit(path));
    }
    UserRef user(const OrgUnitRef& unit, std::string_view name) {
        auto result = box().open_user(unit, name);
        EXPECT_TRUE(std::holds_alternative<UserRef>(result))
            << name << ": " << std::get<MailboxError>(result).reason;
        return std::holds_alternative<UserRef>(result) ? std::get<UserRef>(result) : UserRef{};
    }
    bool user_refused(const OrgUnitRef& unit, std::string_view name) {
        return std::holds_alternative<MailboxError>(box().open_user(unit, name));
    }
    DeliveryReport deliver(const OrgUnitRef& unit, std::string_view sender,
                           const std::vector<std::string>& to, std::uint64_t timestamp,
                           std::string_view content) {
        auto result = box().deliver(unit, sender, to, timestamp, content);
        EXPECT_TRUE(std::holds_alternative<DeliveryReport>(result))
            << std::get<MailboxError>(result).reason;
        return std::holds_alternative<DeliveryReport>(result) ? std::get<DeliveryReport>(result)
                                                              : DeliveryReport{};
    }
    std::vector<StoredMessage> scan(const UserRef& u) {
        ScanMemo memo;
        return box().scan(u, memo).value_or(std::vector<StoredMessage>{});
    }
    // The contents of a user's messages in delivery order.
    std::vector<std::string> contents(const UserRef& u) {
        std::vector<std::string> out;
        for (const auto& m : scan(u)) {
            out.push_back(box().read(u, m).value_or("(vanished)"));
        }
        return out;
    }
    static std::string refusal(const std::optional<MailboxError>& result) {
        return result ? result->reason : std::string("(done)");
    }
    template <typename T>
    static std::string failure(const std::variant<T, FileFailure>& result) {
        if (const auto* f = std::get_if<FileFailure>(&result)) {
            return std::to_string(f->code) + " " + f->reason;
        }
        return "(done)";
    }
};

using Backends = ::testing::Types<FsBackend, MemoryBackend>;
class BackendNames {
public:
    template <typename T>
    static std::string GetName(int) {
        return std::is_same_v<T, FsBackend> ? "Fs" : "Memory";
    }
};

} // namespace xsime::mock::contract
