// FsMailbox against a folder swapped for a symlink after it was checked: org units and users
// are re-walked from the root's descriptor on every use, so the swap is refused and nothing is
// read, written or removed outside the root (or outside the org unit).
#include "mock_server/fs_mailbox.hpp"
#include "mock_server/fs_paths.hpp"
#include "tests/support/files.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace xsime::mock {
namespace {

namespace fs = std::filesystem;
using test::message_file_names;
using test::read_file;
using test::write_file;

class FsSymlinkSwapTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "fs_symlink_swap_test.XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        base_ = pattern;
        root_ = base_ / "root";
        outside_ = base_ / "outside";
        fs::create_directories(root_ / "ime" / "bob");
        fs::create_directories(root_ / "other" / "bob" / "messages");
        fs::create_directories(outside_ / "bob" / "messages");
        write_file(outside_ / "bob" / "messages" / "1700000000-secret", "1700000000:x:secret");
        mailbox_ = std::make_unique<FsMailbox>(root_);
        org_ = std::get<OrgUnitRef>(mailbox_->open_org_unit("ime"));
        bob_ = std::get<UserRef>(mailbox_->open_user(org_, "bob"));
    }
    void TearDown() override {
        mailbox_.reset();
        std::error_code ec;
        fs::remove_all(base_, ec);
    }

    // Moves `folder` aside and puts a symlink to `target` in its place.
    void swap_for_symlink(const fs::path& folder, const fs::path& target) {
        fs::rename(folder, folder.string() + "-moved");
        fs::create_directory_symlink(target, folder);
    }
    std::variant<DeliveryReport, MailboxError> send_to_bob() {
        const std::vector<std::string> to = {"bob"};
        return mailbox_->deliver(org_, "alice", to, 1700000001, "1700000001:alice:hi");
    }
    // What lies outside the root is as it was: one message, nothing else.
    void expect_outside_untouched() {
        EXPECT_EQ(message_file_names(outside_ / "bob" / "messages"),
                  std::vector<std::string>{"1700000000-secret"});
        EXPECT_EQ(read_file(outside_ / "bob" / "messages" / "1700000000-secret"),
                  "1700000000:x:secret");
        EXPECT_FALSE(fs::exists(outside_ / "bob" / "messages" / "blacklist"));
        EXPECT_TRUE(message_file_names(root_ / ".xsime-tmp").empty());
    }
    // The user's view of the swapped folder: nothing to scan, read or remove.
    void expect_user_sees_nothing() {
        ScanMemo memo;
        EXPECT_EQ(mailbox_->scan(bob_, memo), std::vector<StoredMessage>{});
        const StoredMessage secret{"1700000000-secret", 1700000000};
        EXPECT_EQ(mailbox_->read(bob_, secret), std::nullopt);
        mailbox_->remove(bob_, secret);
    }

    fs::path base_;
    fs::path root_;
    fs::path outside_;
    std::unique_ptr<FsMailbox> mailbox_;
    OrgUnitRef org_;
    UserRef bob_;
};

TEST_F(FsSymlinkSwapTest, OrgUnitSwappedForASymlinkOutOfTheRootIsRefused) {
    swap_for_symlink(root_ / "ime", outside_);
    const auto delivered = send_to_bob();
    ASSERT_TRUE(std::holds_alternative<MailboxError>(delivered));
    EXPECT_NE(std::get<MailboxError>(delivered).reason.find("outside the root"), std::string::npos)
        << std::get<MailboxError>(delivered).reason;
    EXPECT_TRUE(std::holds_alternative<MailboxError>(mailbox_->open_user(org_, "bob")));
    expect_user_sees_nothing();
    expect_outside_untouched();
}

TEST_F(FsSymlinkSwapTest, OrgUnitSwappedForASymlinkToAnotherOrgUnitIsRefused) {
    swap_for_symlink(root_ / "ime", root_ / "other");
    const auto delivered = send_to_bob();
    ASSERT_TRUE(std::holds_alternative<MailboxError>(delivered));
    EXPECT_NE(std::get<MailboxError>(delivered).reason.find("outside the org unit"),
              std::string::npos)
        << std::get<MailboxError>(delivered).reason;
    EXPECT_TRUE(message_file_names(root_ / "other" / "bob" / "messages").empty());
    expect_user_sees_nothing();
}

TEST_F(FsSymlinkSwapTest, UserFolderSwappedAfterLoginIsRefused) {
    swap_for_symlink(root_ / "ime" / "bob", outside_ / "bob");
    ASSERT_TRUE(std::holds_alternative<MailboxError>(send_to_bob()));
    expect_user_sees_nothing();
    expect_outside_untouched();
}

TEST_F(FsSymlinkSwapTest, MessagesFolderSwappedAfterLoginIsNotFollowed) {
    swap_for_symlink(root_ / "ime" / "bob" / "messages", outside_ / "bob" / "messages");
    // The recipient cannot hold messages any more: counted missing, as before a swap.
    const auto delivered = send_to_bob();
    ASSERT_TRUE(std::holds_alternative<DeliveryReport>(delivered));
    EXPECT_EQ(std::get<DeliveryReport>(delivered).delivered, 0u);
    EXPECT_EQ(std::get<DeliveryReport>(delivered).missing, 1u);
    expect_user_sees_nothing();
    expect_outside_untouched();
}

TEST_F(FsSymlinkSwapTest, BlacklistFolderThatIsASymlinkIsNotFollowed) {
    // A blacklist entry outside the root must not block (or reveal) anything.
    fs::create_directories(outside_ / "blocked");
    write_file(outside_ / "blocked" / "alice", "");
    fs::remove(root_ / "ime" / "bob" / "messages" / "blacklist");
    fs::create_directory_symlink(outside_ / "blocked",
                                 root_ / "ime" / "bob" / "messages" / "blacklist");
    const auto delivered = send_to_bob();
    ASSERT_TRUE(std::holds_alternative<DeliveryReport>(delivered));
    EXPECT_EQ(std::get<DeliveryReport>(delivered).missing, 1u) << "messages/blacklist is a symlink";
    EXPECT_EQ(std::get<DeliveryReport>(delivered).blacklisted, 0u);
}

// ---- the walk itself (fs_paths.hpp) ----

class JailedWalkTest : public FsSymlinkSwapTest {
protected:
    Resolution resolve(std::string_view rel) {
        const Fd root(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        return resolve_beneath(root.get(), fs::canonical(root_), rel);
    }
};

TEST_F(JailedWalkTest, FollowsSymlinksThatStayInsideTheRoot) {
    fs::create_directory_symlink("../other", root_ / "ime" / "relative");
    fs::create_directory_symlink(fs::canonical(root_) / "other", root_ / "absolute");
    EXPECT_EQ(resolve("ime/relative/bob").rel, "other/bob");
    EXPECT_EQ(resolve("absolute/bob").rel, "other/bob");
    EXPECT_EQ(resolve("").rel, "");
    EXPECT_EQ(resolve("ime/relative/bob").found, Lookup::ok);
}

TEST_F(JailedWalkTest, RefusesSymlinksThatLeaveTheRoot) {
    fs::create_directory_symlink("../../outside", root_ / "ime" / "up");
    fs::create_directory_symlink(outside_, root_ / "out");
    fs::create_directory_symlink(outside_ / "nowhere", root_ / "dangling");
    EXPECT_EQ(resolve("ime/up/bob").found, Lookup::refused);
    EXPECT_EQ(resolve("out").found, Lookup::refused);
    EXPECT_EQ(resolve("dangling/x").found, Lookup::refused);
}

TEST_F(JailedWalkTest, MissingFilesAndLoopsAreMissing) {
    write_file(root_ / "file", "x");
    fs::create_directory_symlink("loop", root_ / "loop");
    EXPECT_EQ(resolve("nope").found, Lookup::missing);
    EXPECT_EQ(resolve("file").found, Lookup::missing);
    EXPECT_EQ(resolve("file/x").found, Lookup::missing);
    EXPECT_EQ(resolve("loop").found, Lookup::missing);
}

// Both ways to open a folder by name: the kernel's openat2 where it exists, and the walk one
// component at a time that replaces it elsewhere.
TEST_F(JailedWalkTest, OpenFolderBeneathFollowsNothing) {
    fs::create_directory_symlink(root_ / "other", root_ / "alias");
    const Fd root(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    for (auto* open : {&open_folder_beneath, &walk_folders}) {
        EXPECT_GE(open(root.get(), "other/bob", O_PATH).get(), 0);
        EXPECT_GE(open(root.get(), "", O_PATH).get(), 0);
        EXPECT_LT(open(root.get(), "alias/bob", O_PATH).get(), 0);
        EXPECT_LT(open(root.get(), "alias", O_PATH).get(), 0);
        EXPECT_LT(open(root.get(), "other/../ime", O_PATH).get(), 0) << "'..' is refused";
        EXPECT_LT(open(root.get(), "other/nope", O_PATH).get(), 0);
    }
}

} // namespace
} // namespace xsime::mock
