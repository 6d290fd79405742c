// What only the in-memory mailbox has: the setup API, the fake clock, the exact scan memo and
// the log of touched paths. What it shares with FsMailbox is in mailbox_contract_test.cpp.
#include "mock_server/memory_mailbox.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <stdexcept>

namespace xsime::mock {
namespace {

class MemoryMailboxTest : public ::testing::Test {
protected:
    std::uint64_t now_ = 1'700'000'000;
    MemoryMailbox box_{[this] { return now_; }};

    OrgUnitRef org(std::string_view path) { return std::get<OrgUnitRef>(box_.open_org_unit(path)); }
    UserRef user(const OrgUnitRef& unit, std::string_view name) {
        return std::get<UserRef>(box_.open_user(unit, name));
    }
    // The touched paths of one kind, in order.
    std::vector<std::string> touched(MemoryTouch::Kind kind) {
        std::vector<std::string> out;
        for (const auto& touch : box_.touched()) {
            if (touch.kind == kind) {
                out.push_back(touch.path);
            }
        }
        return out;
    }
};

TEST_F(MemoryMailboxTest, SetupBuildsUsersAndBlacklists) {
    box_.make_user("/org", "alice");
    box_.add_blacklist_entry("/org", "bob", "alice");
    EXPECT_EQ(box_.kind("/org/alice/messages/blacklist"), MemoryNode::Kind::folder);
    EXPECT_EQ(box_.file_content("/org/bob/messages/blacklist/alice"), "");
    const auto unit = org("/org");
    EXPECT_EQ(unit.dir, box_.root() / "org");
    const auto report = std::get<DeliveryReport>(
        box_.deliver(unit, "alice", std::vector<std::string>{"bob", "alice"}, now_, "m"));
    EXPECT_EQ(report.delivered, 1u);
    EXPECT_EQ(report.blacklisted, 1u);
    EXPECT_EQ(box_.names("/"), (std::vector<std::string>{".xsime-tmp", "org"}));
}

TEST_F(MemoryMailboxTest, SetupRefusesBadPaths) {
    EXPECT_THROW(box_.make_folders("/"), std::invalid_argument);
    EXPECT_THROW(box_.make_folders("/../x"), std::invalid_argument);
    EXPECT_THROW(box_.write_file("/missing/file", "x"), std::invalid_argument);
    box_.write_file("/file", "x");
    EXPECT_THROW(box_.make_folders("/file/x"), std::invalid_argument);
    EXPECT_THROW(box_.make_symlink("/file", "/x"), std::invalid_argument);
}

TEST_F(MemoryMailboxTest, TimesComeFromTheClock) {
    box_.make_folders("/org");
    ASSERT_EQ(box_.touch_file("/org/f"), std::nullopt);
    now_ += 100;
    EXPECT_EQ(std::get<FileStatus>(box_.file_status("/org/f")).mtime, 1'700'000'000u);
    ASSERT_EQ(box_.touch_file("/org/f"), std::nullopt);
    const auto st = std::get<FileStatus>(box_.file_status("/org/f"));
    EXPECT_EQ(st.mtime, 1'700'000'100u);
    EXPECT_EQ(st.atime, 1'700'000'100u);
    EXPECT_EQ(std::get<FileStatus>(box_.file_status("/org")).mtime, 1'700'000'000u)
        << "touching an existing file leaves its folder alone";
}

TEST_F(MemoryMailboxTest, ScanMemoSkipsAnUnchangedFolderExactly) {
    box_.make_user("/org", "bob");
    const auto bob = user(org("/org"), "bob");
    ScanMemo memo;
    EXPECT_TRUE(box_.scan(bob, memo).has_value());
    EXPECT_FALSE(box_.scan(bob, memo).has_value()) << "no settling time needed in memory";
    box_.deliver(org("/org"), "alice", std::vector<std::string>{"bob"}, now_, "m");
    EXPECT_EQ(box_.scan(bob, memo)->size(), 1u);
    // A folder removed and made again is another folder, even with no entries changed since.
    ASSERT_EQ(box_.remove_folder("/org/bob/messages"), std::nullopt);
    ASSERT_EQ(box_.make_folder("/org/bob/messages"), std::nullopt);
    auto list = box_.scan(bob, memo);
    ASSERT_TRUE(list.has_value());
    EXPECT_TRUE(list->empty());
}

TEST_F(MemoryMailboxTest, SymlinkLoopsAndLinksOutAreNeverFollowedOut) {
    box_.make_folders("/org");
    box_.make_symlink("/org/a", "/org/b");
    box_.make_symlink("/org/b", "/org/a");
    box_.make_symlink("/org/up", "/org/../..");
    box_.make_symlink("/org/rel", "alice");
    const auto unit = org("/org");
    for (const char* name : {"a", "up", "rel"}) {
        EXPECT_TRUE(std::holds_alternative<MailboxError>(box_.open_user(unit, name))) << name;
    }
    // A loop is a missing recipient; a link out of the root refuses the message.
    const auto loop = box_.deliver(unit, "x", std::vector<std::string>{"a"}, now_, "m");
    EXPECT_EQ(std::get<DeliveryReport>(loop).missing, 1u);
    EXPECT_TRUE(std::holds_alternative<MailboxError>(
        box_.deliver(unit, "x", std::vector<std::string>{"rel"}, now_, "m")));
}

TEST_F(MemoryMailboxTest, TouchedPathsNameEveryReadAndWrite) {
    box_.make_user("/org", "alice");
    box_.make_folders("/org/bob");
    box_.make_folders("/other/carol");
    box_.clear_touched();
    const auto unit = org("/org");
    const auto alice = user(unit, "alice");
    box_.deliver(unit, "alice", std::vector<std::string>{"bob", "nobody"}, now_, "m");
    ScanMemo memo;
    box_.scan(alice, memo);
    const auto writes = touched(MemoryTouch::Kind::write);
    ASSERT_EQ(writes.size(), 3u);
    EXPECT_EQ(writes[0], "/org/bob/messages");
    EXPECT_EQ(writes[1], "/org/bob/messages/blacklist");
    EXPECT_TRUE(writes[2].starts_with("/org/bob/messages/1700000000-")) << writes[2];
    for (const auto& touch : box_.touched()) {
        EXPECT_TRUE(touch.path.starts_with("/org/") || touch.path == "/org") << touch.path;
        EXPECT_NE(std::string_view(touch.operation), "") << touch.path;
    }
    const auto reads = touched(MemoryTouch::Kind::read);
    EXPECT_NE(std::find(reads.begin(), reads.end(), "/org/nobody"), reads.end());
    EXPECT_EQ(reads.back(), "/org/alice/messages") << "the scan";
    box_.clear_touched();
    EXPECT_TRUE(box_.touched().empty());
    // Refused before anything is looked at: nothing outside the org unit is recorded.
    box_.deliver(unit, "alice", std::vector<std::string>{"../other/carol"}, now_, "m");
    EXPECT_TRUE(box_.touched().empty());
}

// Found by session_core_fuzz: a path into the temporary folder was looked up before it was
// refused. Now it is refused first, whatever asks: nothing in the folder is even read.
TEST_F(MemoryMailboxTest, NothingInTheTemporaryFolderIsLookedAt) {
    box_.make_folders("/.xsime-tmp/x");
    box_.make_user("/org", "alice");
    box_.clear_touched();
    for (const char* path : {"/.xsime-tmp/x", ".xsime-tmp//x/", "/org/../.xsime-tmp/x"}) {
        EXPECT_TRUE(std::holds_alternative<MailboxError>(box_.open_org_unit(path))) << path;
    }
    const auto root = org("/");
    EXPECT_TRUE(std::holds_alternative<MailboxError>(box_.open_user(root, ".xsime-tmp/x")));
    const auto report = std::get<DeliveryReport>(
        box_.deliver(root, "org/alice", std::vector<std::string>{".xsime-tmp/x"}, now_, "m"));
    EXPECT_EQ(report.missing, 1u);
    for (const auto& touch : box_.touched()) {
        EXPECT_FALSE(touch.path.starts_with("/.xsime-tmp/")) << touch.path;
    }
}

TEST_F(MemoryMailboxTest, RefsFromAnotherMailboxAreRefused) {
    box_.make_user("/org", "bob");
    const OrgUnitRef foreign{"/somewhere/else"};
    EXPECT_TRUE(std::holds_alternative<MailboxError>(box_.open_user(foreign, "bob")));
    EXPECT_TRUE(std::holds_alternative<MailboxError>(
        box_.deliver(foreign, "a", std::vector<std::string>{"bob"}, now_, "m")));
    const UserRef stranger{"/elsewhere/bob", "/elsewhere/bob/messages", "bob"};
    ScanMemo memo;
    EXPECT_TRUE(box_.scan(stranger, memo)->empty());
    EXPECT_EQ(box_.read(stranger, {"1-x", 1}), std::nullopt);
}

} // namespace
} // namespace xsime::mock
