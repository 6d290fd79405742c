// Unit tests of FsMailbox on real temp directories: jail, delivery, scan, concurrency.
#include "mock_server/fs_mailbox.hpp"
#include "tests/support/files.hpp"

#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace xsime::mock {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::message_file_names;
using test::read_file;
using test::write_file;

// Each test gets <tmp>/fs_mailbox_test.XXXXXX/{root,outside}: "outside" is the target of
// symlinks that must be refused, and everything is removed afterwards.
class FsMailboxTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "fs_mailbox_test.XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        base_ = pattern;
        root_ = base_ / "root";
        outside_ = base_ / "outside";
        fs::create_directories(root_);
        fs::create_directories(outside_ / "victim");
        mailbox_ = std::make_unique<FsMailbox>(root_);
    }
    void TearDown() override {
        mailbox_.reset();
        std::error_code ec;
        fs::remove_all(base_, ec);
    }

    fs::path mkdir(const fs::path& rel) {
        fs::create_directories(root_ / rel);
        return fs::canonical(root_ / rel);
    }
    OrgUnitRef org(std::string_view path) {
        auto result = mailbox_->open_org_unit(path);
        EXPECT_TRUE(std::holds_alternative<OrgUnitRef>(result))
            << std::get<MailboxError>(result).reason;
        return std::holds_alternative<OrgUnitRef>(result) ? std::get<OrgUnitRef>(result)
                                                          : OrgUnitRef{};
    }
    UserRef user(const OrgUnitRef& unit, std::string_view name) {
        auto result = mailbox_->open_user(unit, name);
        EXPECT_TRUE(std::holds_alternative<UserRef>(result))
            << std::get<MailboxError>(result).reason;
        return std::holds_alternative<UserRef>(result) ? std::get<UserRef>(result) : UserRef{};
    }
    bool org_refused(std::string_view path) {
        return std::holds_alternative<MailboxError>(mailbox_->open_org_unit(path));
    }
    bool user_refused(const OrgUnitRef& unit, std::string_view name) {
        return std::holds_alternative<MailboxError>(mailbox_->open_user(unit, name));
    }
    DeliveryReport deliver(const OrgUnitRef& unit, std::string_view sender,
                           const std::vector<std::string>& to, std::uint64_t timestamp,
                           std::string_view content) {
        auto result = mailbox_->deliver(unit, sender, to, timestamp, content);
        EXPECT_TRUE(std::holds_alternative<DeliveryReport>(result))
            << std::get<MailboxError>(result).reason;
        return std::holds_alternative<DeliveryReport>(result) ? std::get<DeliveryReport>(result)
                                                              : DeliveryReport{};
    }
    std::vector<StoredMessage> scan_all(const UserRef& u) {
        ScanMemo memo;
        auto list = mailbox_->scan(u, memo);
        EXPECT_TRUE(list.has_value());
        return list.value_or(std::vector<StoredMessage>{});
    }
    // Sets the folder's mtime (and atime) to now + `from_now`, with a non-zero sub-second
    // part: a whole second would be read as a coarse filesystem's. Its ctime becomes now.
    static void set_mtime(const fs::path& dir, std::chrono::nanoseconds from_now) {
        const auto t = std::chrono::system_clock::now().time_since_epoch() + from_now;
        const auto s = std::chrono::duration_cast<std::chrono::seconds>(t).count();
        const timespec times[2] = {{s, 123456789}, {s, 123456789}};
        ASSERT_EQ(::utimensat(AT_FDCWD, dir.c_str(), times, 0), 0) << dir;
    }
    // Every regular file left in the temporary folder, dot files included.
    std::vector<std::string> tmp_leftovers() { return message_file_names(root_ / ".xsime-tmp"); }

    fs::path base_;
    fs::path root_;
    fs::path outside_;
    std::unique_ptr<FsMailbox> mailbox_;
};

// ---- construction ----

TEST_F(FsMailboxTest, ConstructorCanonicalisesRootAndCreatesTempFolder) {
    EXPECT_EQ(mailbox_->root(), fs::canonical(root_));
    EXPECT_TRUE(fs::is_directory(root_ / ".xsime-tmp"));
    // A second mailbox on the same root reuses the folder.
    EXPECT_NO_THROW(FsMailbox{root_ / "." / ""});
}

TEST_F(FsMailboxTest, ConstructorThrowsOnMissingRootOrFile) {
    EXPECT_THROW(FsMailbox{base_ / "nope"}, std::runtime_error);
    write_file(base_ / "file", "x");
    EXPECT_THROW(FsMailbox{base_ / "file"}, std::runtime_error);
}

// ---- org units ----

TEST_F(FsMailboxTest, OrgUnitWithAndWithoutLeadingSlash) {
    const fs::path ime = mkdir("ime");
    EXPECT_EQ(org("ime").dir, ime);
    EXPECT_EQ(org("/ime").dir, ime);
    EXPECT_EQ(org("//ime/").dir, ime);
    EXPECT_EQ(org("./ime/.").dir, ime);
    EXPECT_EQ(org("/a/b").dir, mkdir("a/b"));
}

TEST_F(FsMailboxTest, SlashOrEmptyIsTheRoot) {
    EXPECT_EQ(org("/").dir, fs::canonical(root_));
    EXPECT_EQ(org("").dir, fs::canonical(root_));
    EXPECT_EQ(org("///").dir, fs::canonical(root_));
}

TEST_F(FsMailboxTest, OrgUnitMissingOrFileRefused) {
    EXPECT_TRUE(org_refused("/nope"));
    write_file(root_ / "file", "x");
    EXPECT_TRUE(org_refused("/file"));
    EXPECT_TRUE(org_refused("/file/x"));
}

TEST_F(FsMailboxTest, OrgUnitDotDotEscapingRefused) {
    mkdir("a");
    const fs::path b = mkdir("b");
    EXPECT_TRUE(org_refused("../outside"));
    EXPECT_TRUE(org_refused("/../outside"));
    EXPECT_TRUE(org_refused("a/../../outside"));
    EXPECT_TRUE(org_refused(".."));
    EXPECT_EQ(org("a/../b").dir, b);
    EXPECT_EQ(org("/a/../b/").dir, b);
}

TEST_F(FsMailboxTest, OrgUnitSymlinkPointingOutRefused) {
    fs::create_directory_symlink(outside_, root_ / "out");
    EXPECT_TRUE(org_refused("out"));
    EXPECT_TRUE(org_refused("/out/victim"));
    // Through a symlink out, even to something missing beyond it.
    EXPECT_TRUE(org_refused("/out/nowhere"));
    fs::create_directory_symlink(outside_ / "nowhere", root_ / "dangling");
    EXPECT_TRUE(org_refused("dangling"));
}

TEST_F(FsMailboxTest, OrgUnitSymlinkPointingInsideAllowed) {
    const fs::path ime = mkdir("ime");
    fs::create_directory_symlink(ime, root_ / "alias");
    EXPECT_EQ(org("/alias").dir, ime);
}

TEST_F(FsMailboxTest, OrgUnitNulByteRefused) {
    mkdir("ime");
    EXPECT_TRUE(org_refused(std::string("ime\0/x", 6)));
    EXPECT_TRUE(org_refused(std::string("ime\0", 4)));
}

TEST_F(FsMailboxTest, OrgUnitTempFolderRefused) {
    EXPECT_TRUE(org_refused(".xsime-tmp"));
    EXPECT_TRUE(org_refused("/.xsime-tmp/"));
}

// ---- users ----

TEST_F(FsMailboxTest, UserOpensAndCreatesMessagesAndBlacklist) {
    const fs::path alice = mkdir("ime/alice");
    const UserRef u = user(org("/ime"), "/alice/");
    EXPECT_EQ(u.name, "alice");
    EXPECT_EQ(u.dir, alice);
    EXPECT_EQ(u.messages, alice / "messages");
    EXPECT_TRUE(fs::is_directory(alice / "messages"));
    EXPECT_TRUE(fs::is_directory(alice / "messages" / "blacklist"));
    // Opening again keeps what is there.
    write_file(alice / "messages" / "blacklist" / "bob", "");
    EXPECT_EQ(user(org("/ime"), "alice").name, "alice");
    EXPECT_TRUE(fs::exists(alice / "messages" / "blacklist" / "bob"));
}

TEST_F(FsMailboxTest, UserNestedNameIsNormalised) {
    mkdir("ime/team/alice");
    EXPECT_EQ(user(org("ime"), "./team//alice/").name, "team/alice");
}

TEST_F(FsMailboxTest, UserMissingRefused) {
    mkdir("ime");
    EXPECT_TRUE(user_refused(org("ime"), "alice"));
    write_file(root_ / "ime" / "file", "x");
    EXPECT_TRUE(user_refused(org("ime"), "file"));
}

TEST_F(FsMailboxTest, UserNameOf128BytesAcceptedAnd129Refused) {
    const std::string n128(128, 'u');
    const std::string n129(129, 'u');
    mkdir("ime/" + n128);
    mkdir("ime/" + n129);
    EXPECT_EQ(user(org("ime"), n128).name, n128);
    EXPECT_TRUE(user_refused(org("ime"), n129));
}

TEST_F(FsMailboxTest, UserEmptyOrOrgUnitItselfRefused) {
    mkdir("ime/a");
    const OrgUnitRef unit = org("ime");
    EXPECT_TRUE(user_refused(unit, ""));
    EXPECT_TRUE(user_refused(unit, "/"));
    EXPECT_TRUE(user_refused(unit, "."));
    EXPECT_TRUE(user_refused(unit, "a/.."));
    fs::create_directory_symlink(root_ / "ime", root_ / "ime" / "self");
    EXPECT_TRUE(user_refused(unit, "self"));
}

TEST_F(FsMailboxTest, UserEscapingOrgUnitViaDotDotRefused) {
    mkdir("ime");
    mkdir("other/bob");
    EXPECT_TRUE(user_refused(org("ime"), "../other/bob"));
    EXPECT_TRUE(user_refused(org("ime"), "x/../../other/bob"));
    EXPECT_FALSE(fs::exists(root_ / "other" / "bob" / "messages"));
}

TEST_F(FsMailboxTest, UserEscapingOrgUnitViaSymlinkRefused) {
    mkdir("ime");
    mkdir("other/bob");
    // Inside the root but outside the org unit: still refused.
    fs::create_directory_symlink(root_ / "other" / "bob", root_ / "ime" / "bob");
    fs::create_directory_symlink(outside_ / "victim", root_ / "ime" / "victim");
    EXPECT_TRUE(user_refused(org("ime"), "bob"));
    EXPECT_TRUE(user_refused(org("ime"), "victim"));
    EXPECT_FALSE(fs::exists(outside_ / "victim" / "messages"));
    // A symlink that stays inside the org unit is fine.
    mkdir("ime/carol");
    fs::create_directory_symlink(root_ / "ime" / "carol", root_ / "ime" / "caz");
    const UserRef caz = user(org("ime"), "caz");
    EXPECT_EQ(caz.name, "caz");
    EXPECT_EQ(caz.dir, fs::canonical(root_ / "ime" / "carol"));
}

TEST_F(FsMailboxTest, UserNulByteRefused) {
    mkdir("ime/alice");
    EXPECT_TRUE(user_refused(org("ime"), std::string("alice\0", 6)));
}

TEST_F(FsMailboxTest, UserMessagesSymlinkOrFileRefused) {
    mkdir("ime/alice");
    mkdir("ime/bob/messages");
    mkdir("ime/carol");
    mkdir("ime/elsewhere");
    fs::create_directory_symlink(root_ / "ime" / "elsewhere", root_ / "ime" / "alice" / "messages");
    fs::create_directory_symlink(root_ / "ime" / "elsewhere",
                                 root_ / "ime" / "bob" / "messages" / "blacklist");
    write_file(root_ / "ime" / "carol" / "messages", "not a folder");
    EXPECT_TRUE(user_refused(org("ime"), "alice"));
    EXPECT_TRUE(user_refused(org("ime"), "bob"));
    EXPECT_TRUE(user_refused(org("ime"), "carol"));
    EXPECT_TRUE(fs::is_empty(root_ / "ime" / "elsewhere"));
}

// ---- delivery ----

TEST_F(FsMailboxTest, DeliverToOneRecipient) {
    mkdir("ime/alice");
    mkdir("ime/bob");
    const OrgUnitRef unit = org("/ime");
    const UserRef bob = user(unit, "bob");
    const std::string content = "1700000000:alice:hello\nworld\0!";
    const DeliveryReport r = deliver(unit, "alice", {"bob"}, 1700000000, content);
    EXPECT_EQ(r.delivered, 1u);
    EXPECT_EQ(r.blacklisted, 0u);
    EXPECT_EQ(r.missing, 0u);
    const auto list = scan_all(bob);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].timestamp, 1700000000u);
    EXPECT_TRUE(std::regex_match(list[0].name, std::regex("1700000000-[0-9]{20}"))) << list[0].name;
    EXPECT_EQ(mailbox_->read(bob, list[0]), content);
    EXPECT_EQ(read_file(bob.messages / list[0].name), content);
}

TEST_F(FsMailboxTest, DeliverNamePadsTimestampToTenDigits) {
    mkdir("ime/bob");
    const OrgUnitRef unit = org("ime");
    deliver(unit, "alice", {"bob"}, 5, "a");
    deliver(unit, "alice", {"bob"}, 12345678901, "b");
    const auto list = scan_all(user(unit, "bob"));
    ASSERT_EQ(list.size(), 2u);
    EXPECT_TRUE(std::regex_match(list[0].name, std::regex("0000000005-[0-9]{20}")));
    EXPECT_EQ(list[0].timestamp, 5u);
    EXPECT_TRUE(std::regex_match(list[1].name, std::regex("12345678901-[0-9]{20}")));
    EXPECT_EQ(list[1].timestamp, 12345678901u);
}

TEST_F(FsMailboxTest, DeliverToManyRecipients) {
    for (const char* name : {"alice", "bob", "carol", "team/dave"}) {
        mkdir(fs::path("ime") / name);
    }
    const OrgUnitRef unit = org("ime");
    const DeliveryReport r =
        deliver(unit, "alice", {"bob", "carol", "/team/dave/"}, 1700000001, "1700000001:alice:hi");
    EXPECT_EQ(r.delivered, 3u);
    for (const char* name : {"bob", "carol", "team/dave"}) {
        const auto list = scan_all(user(unit, name));
        ASSERT_EQ(list.size(), 1u) << name;
        EXPECT_EQ(mailbox_->read(user(unit, name), list[0]), "1700000001:alice:hi");
    }
    EXPECT_TRUE(message_file_names(root_ / "ime" / "alice" / "messages").empty());
    EXPECT_TRUE(tmp_leftovers().empty());
}

TEST_F(FsMailboxTest, DeliverToSenderItself) {
    mkdir("ime/alice");
    const OrgUnitRef unit = org("ime");
    EXPECT_EQ(deliver(unit, "alice", {"alice"}, 1, "1:alice:me").delivered, 1u);
    EXPECT_EQ(scan_all(user(unit, "alice")).size(), 1u);
}

TEST_F(FsMailboxTest, DeliverDuplicateRecipientsOnce) {
    mkdir("ime/bob");
    fs::create_directory_symlink(root_ / "ime" / "bob", root_ / "ime" / "robert");
    const OrgUnitRef unit = org("ime");
    const DeliveryReport r =
        deliver(unit, "alice", {"bob", "/bob", "bob/", "./bob", "robert", "x/../bob"}, 1, "m");
    EXPECT_EQ(r.delivered, 1u);
    EXPECT_EQ(scan_all(user(unit, "bob")).size(), 1u);
}

TEST_F(FsMailboxTest, DeliverUnknownRecipientCountedMissing) {
    mkdir("ime/bob");
    write_file(root_ / "ime" / "file", "x");
    const OrgUnitRef unit = org("ime");
    const DeliveryReport r =
        deliver(unit, "alice", {"ghost", "bob", "file", std::string(129, 'g'), "/"}, 1, "m");
    EXPECT_EQ(r.delivered, 1u);
    EXPECT_EQ(r.missing, 4u);
    EXPECT_FALSE(fs::exists(root_ / "ime" / "messages"));
    EXPECT_FALSE(fs::exists(root_ / "ime" / "ghost"));
}

TEST_F(FsMailboxTest, DeliverOnlyToMissingWritesNothing) {
    mkdir("ime");
    const DeliveryReport r = deliver(org("ime"), "alice", {"ghost"}, 1, "m");
    EXPECT_EQ(r.delivered, 0u);
    EXPECT_EQ(r.missing, 1u);
    EXPECT_TRUE(tmp_leftovers().empty());
}

TEST_F(FsMailboxTest, DeliverRecipientEscapingDeliversNothing) {
    mkdir("ime/bob");
    mkdir("other/carol");
    fs::create_directory_symlink(root_ / "other" / "carol", root_ / "ime" / "carol");
    fs::create_directory_symlink(outside_, root_ / "ime" / "out");
    const OrgUnitRef unit = org("ime");
    const std::vector<std::vector<std::string>> attempts = {
        {"bob", "../other/carol"},      // '..' climbing out of the org unit
        {"bob", "a/../../x"},           // '..' climbing out even though "x" does not exist
        {"bob", "carol"},               // symlink out of the org unit (inside the root)
        {"bob", "out/victim"},          // symlink out of the root
        {"bob", "out/nowhere"},         // symlink out of the root, missing beyond it
        {"bob", std::string("b\0", 2)}, // NUL byte
    };
    for (const auto& to : attempts) {
        const auto result = mailbox_->deliver(unit, "alice", to, 1, "m");
        ASSERT_TRUE(std::holds_alternative<MailboxError>(result)) << to[1];
        EXPECT_FALSE(std::get<MailboxError>(result).reason.empty());
    }
    EXPECT_FALSE(fs::exists(root_ / "ime" / "bob" / "messages"));
    EXPECT_FALSE(fs::exists(root_ / "other" / "carol" / "messages"));
    EXPECT_FALSE(fs::exists(outside_ / "victim" / "messages"));
    EXPECT_TRUE(tmp_leftovers().empty());
}

TEST_F(FsMailboxTest, DeliverBlacklistSkipsSilently) {
    mkdir("ime/alice");
    mkdir("ime/bob");
    mkdir("ime/carol");
    const OrgUnitRef unit = org("ime");
    const UserRef bob = user(unit, "bob");
    const UserRef carol = user(unit, "carol");
    write_file(bob.messages / "blacklist" / "alice", "");
    // Any file type names a blocked sender, even a folder.
    fs::create_directory(carol.messages / "blacklist" / "alice");
    const DeliveryReport r = deliver(unit, "/alice", {"bob", "carol", "alice"}, 1, "m");
    EXPECT_EQ(r.delivered, 1u);
    EXPECT_EQ(r.blacklisted, 2u);
    EXPECT_TRUE(scan_all(bob).empty());
    EXPECT_TRUE(scan_all(carol).empty());
    // Another sender still gets through.
    EXPECT_EQ(deliver(unit, "dave", {"bob"}, 1, "m").delivered, 1u);
    EXPECT_EQ(scan_all(bob).size(), 1u);
}

TEST_F(FsMailboxTest, DeliverToUserWhoNeverLoggedInCreatesMessages) {
    const fs::path bob = mkdir("ime/bob");
    const DeliveryReport r = deliver(org("ime"), "alice", {"bob"}, 7, "7:alice:welcome");
    EXPECT_EQ(r.delivered, 1u);
    EXPECT_TRUE(fs::is_directory(bob / "messages" / "blacklist"));
    const auto names = message_file_names(bob / "messages");
    ASSERT_EQ(names.size(), 1u);
    EXPECT_EQ(read_file(bob / "messages" / names[0]), "7:alice:welcome");
}

TEST_F(FsMailboxTest, DeliverSkipsRecipientWhoseMessagesIsASymlink) {
    mkdir("ime/bob");
    fs::create_directory_symlink(outside_ / "victim", root_ / "ime" / "bob" / "messages");
    const DeliveryReport r = deliver(org("ime"), "alice", {"bob"}, 1, "m");
    EXPECT_EQ(r.delivered, 0u);
    EXPECT_EQ(r.missing, 1u);
    EXPECT_TRUE(fs::is_empty(outside_ / "victim"));
}

TEST_F(FsMailboxTest, ThousandDeliveriesInOneSecondAreUniqueAndInArrivalOrder) {
    mkdir("ime/bob");
    const OrgUnitRef unit = org("ime");
    for (int i = 0; i < 1000; ++i) {
        deliver(unit, "alice", {"bob"}, 1700000000, "1700000000:alice:" + std::to_string(i));
    }
    const UserRef bob = user(unit, "bob");
    const auto list = scan_all(bob);
    ASSERT_EQ(list.size(), 1000u);
    std::set<std::string> names;
    for (std::size_t i = 0; i < list.size(); ++i) {
        names.insert(list[i].name);
        EXPECT_EQ(mailbox_->read(bob, list[i]), "1700000000:alice:" + std::to_string(i));
        if (i > 0) {
            EXPECT_LT(list[i - 1].name, list[i].name); // plain string order, as a reader sorts
        }
    }
    EXPECT_EQ(names.size(), 1000u);
    EXPECT_TRUE(tmp_leftovers().empty());
}

TEST_F(FsMailboxTest, NamesKeepIncreasingAcrossMailboxInstances) {
    mkdir("ime/bob");
    deliver(org("ime"), "alice", {"bob"}, 1, "first");
    // A restarted server starts its sequence from the clock, past the old one.
    mailbox_ = std::make_unique<FsMailbox>(root_);
    deliver(org("ime"), "alice", {"bob"}, 1, "second");
    const UserRef bob = user(org("ime"), "bob");
    const auto list = scan_all(bob);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(mailbox_->read(bob, list[0]), "first");
    EXPECT_EQ(mailbox_->read(bob, list[1]), "second");
}

// ---- scanning ----

TEST_F(FsMailboxTest, ScanOrdersAndFilters) {
    mkdir("ime/bob");
    const OrgUnitRef unit = org("ime");
    const UserRef bob = user(unit, "bob");
    deliver(unit, "alice", {"bob"}, 1700000030, "c");
    deliver(unit, "alice", {"bob"}, 1700000010, "a");
    deliver(unit, "alice", {"bob"}, 1700000020, "b");
    write_file(bob.messages / "1700000000-fixture", "fixture");
    write_file(bob.messages / ".1600000000-hidden", "x");
    write_file(bob.messages / "notes.txt", "x");
    fs::create_directory(bob.messages / "1500000000-folder");
    fs::create_symlink(bob.messages / "1700000000-fixture", bob.messages / "1400000000-link");
    ASSERT_EQ(::mkfifo((bob.messages / "1300000000-fifo").c_str(), 0600), 0);

    const auto list = scan_all(bob);
    ASSERT_EQ(list.size(), 4u);
    EXPECT_EQ(list[0], (StoredMessage{"1700000000-fixture", 1700000000}));
    EXPECT_EQ(mailbox_->read(bob, list[0]), "fixture");
    EXPECT_EQ(list[1].timestamp, 1700000010u);
    EXPECT_EQ(list[2].timestamp, 1700000020u);
    EXPECT_EQ(list[3].timestamp, 1700000030u);
    EXPECT_EQ(mailbox_->read(bob, list[1]), "a");
    EXPECT_EQ(mailbox_->read(bob, list[2]), "b");
    EXPECT_EQ(mailbox_->read(bob, list[3]), "c");
}

TEST_F(FsMailboxTest, ScanTimestampSaturates) {
    mkdir("ime/bob");
    const UserRef bob = user(org("ime"), "bob");
    write_file(bob.messages / "99999999999999999999999-big", "x");
    const auto list = scan_all(bob);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].timestamp, std::numeric_limits<std::uint64_t>::max());
}

TEST_F(FsMailboxTest, ScanOfMissingMessagesFolderIsEmpty) {
    mkdir("ime/bob");
    const UserRef bob = user(org("ime"), "bob");
    fs::remove_all(bob.messages);
    ScanMemo memo;
    const auto list = mailbox_->scan(bob, memo);
    ASSERT_TRUE(list.has_value());
    EXPECT_TRUE(list->empty());
    EXPECT_FALSE(memo.valid);
}

// The memo's timing rules, on real deliveries. A listing is only trusted once the folder's
// mtime had settled (more than 50 ms old) when it was taken, so the nullopt comes after the
// first such scan. The folder's mtime is set explicitly after each delivery, so that every
// assertion runs and none depends on this machine's speed: "fresh" is 10 s ahead (never
// settled, however long the scans take), "settled" is 10 s old.
TEST_F(FsMailboxTest, ScanMemoSkipsUnchangedFolderOnlyOnceSettled) {
    mkdir("ime/bob");
    const OrgUnitRef unit = org("ime");
    const UserRef bob = user(unit, "bob");
    deliver(unit, "alice", {"bob"}, 1, "one");
    set_mtime(bob.messages, 10s);
    ScanMemo memo;
    const auto first = mailbox_->scan(bob, memo);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->size(), 1u);
    EXPECT_FALSE(memo.valid);
    const auto second = mailbox_->scan(bob, memo);
    ASSERT_TRUE(second.has_value()) << "a fresh mtime must never be trusted";
    EXPECT_EQ(second->size(), 1u);

    set_mtime(bob.messages, -10s);
    // Exactly one more listing (the one taken while settled), then nothing until a change.
    const auto settled = mailbox_->scan(bob, memo);
    ASSERT_TRUE(settled.has_value());
    EXPECT_EQ(settled->size(), 1u);
    EXPECT_TRUE(memo.valid);
    EXPECT_FALSE(mailbox_->scan(bob, memo).has_value());
    EXPECT_FALSE(mailbox_->scan(bob, memo).has_value());

    // A delivery changes the folder: listed at once, whatever the memo says.
    deliver(unit, "alice", {"bob"}, 2, "two");
    const auto after = mailbox_->scan(bob, memo);
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(after->size(), 2u);
}

// The same rules without deliveries: only the folder's times change.
TEST_F(FsMailboxTest, ScanMemoNeverTrustsARecentMtime) {
    mkdir("ime/bob");
    const UserRef bob = user(org("ime"), "bob");
    ScanMemo memo;
    set_mtime(bob.messages, 10s); // "now or later": never settled
    ASSERT_TRUE(mailbox_->scan(bob, memo).has_value());
    EXPECT_FALSE(memo.valid);
    ASSERT_TRUE(mailbox_->scan(bob, memo).has_value());
    ASSERT_TRUE(mailbox_->scan(bob, memo).has_value());

    set_mtime(bob.messages, -10s); // settled; ctime changed, so one listing, then trusted
    ASSERT_TRUE(mailbox_->scan(bob, memo).has_value());
    EXPECT_TRUE(memo.valid);
    EXPECT_FALSE(mailbox_->scan(bob, memo).has_value());
    EXPECT_FALSE(mailbox_->scan(bob, memo).has_value());

    // A fresh memo always lists.
    ScanMemo other;
    EXPECT_TRUE(mailbox_->scan(bob, other).has_value());
}

// ---- read and remove ----

TEST_F(FsMailboxTest, ReadAndRemove) {
    mkdir("ime/bob");
    const OrgUnitRef unit = org("ime");
    const UserRef bob = user(unit, "bob");
    deliver(unit, "alice", {"bob"}, 1, "1:alice:x");
    const auto list = scan_all(bob);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(mailbox_->read(bob, list[0]), "1:alice:x");
    mailbox_->remove(bob, list[0]);
    EXPECT_TRUE(scan_all(bob).empty());
    EXPECT_EQ(mailbox_->read(bob, list[0]), std::nullopt);
    mailbox_->remove(bob, list[0]); // already gone: not an error
    mailbox_->remove(bob, StoredMessage{"1-never-existed", 1});
}

TEST_F(FsMailboxTest, ReadEmptyMessage) {
    mkdir("ime/bob");
    const OrgUnitRef unit = org("ime");
    deliver(unit, "alice", {"bob"}, 1, "");
    const UserRef bob = user(unit, "bob");
    const auto list = scan_all(bob);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(mailbox_->read(bob, list[0]), "");
}

TEST_F(FsMailboxTest, ReadRefusesFilesOverOneMiB) {
    mkdir("ime/bob");
    const UserRef bob = user(org("ime"), "bob");
    write_file(bob.messages / "1-exact", std::string(1024 * 1024, 'x'));
    write_file(bob.messages / "2-over", std::string(1024 * 1024 + 1, 'x'));
    EXPECT_EQ(mailbox_->read(bob, StoredMessage{"1-exact", 1})->size(), 1024u * 1024u);
    EXPECT_EQ(mailbox_->read(bob, StoredMessage{"2-over", 2}), std::nullopt);
}

TEST_F(FsMailboxTest, ReadAndRemoveRefuseNamesOutsideMessages) {
    mkdir("ime/bob");
    const UserRef bob = user(org("ime"), "bob");
    write_file(bob.dir / "secret", "s");
    EXPECT_EQ(mailbox_->read(bob, StoredMessage{"../secret", 0}), std::nullopt);
    mailbox_->remove(bob, StoredMessage{"../secret", 0});
    EXPECT_TRUE(fs::exists(bob.dir / "secret"));
    EXPECT_EQ(mailbox_->read(bob, StoredMessage{"", 0}), std::nullopt);
    EXPECT_EQ(mailbox_->read(bob, StoredMessage{"..", 0}), std::nullopt);
    // Neither a symlink nor a FIFO is read (the FIFO would otherwise block).
    fs::create_symlink(bob.dir / "secret", bob.messages / "1-link");
    EXPECT_EQ(mailbox_->read(bob, StoredMessage{"1-link", 1}), std::nullopt);
    ASSERT_EQ(::mkfifo((bob.messages / "2-fifo").c_str(), 0600), 0);
    EXPECT_EQ(mailbox_->read(bob, StoredMessage{"2-fifo", 2}), std::nullopt);
}

// ---- TF file commands: MKDIR, TOUCH, DEL, RMDIR ----

// A file command's result as text, so that a failed expectation prints the reason.
constexpr std::string_view done_text = "(done)";
std::string refusal(const std::optional<MailboxError>& result) {
    return result ? result->reason : std::string(done_text);
}

TEST_F(FsMailboxTest, MkdirMakesOneFolder) {
    EXPECT_EQ(refusal(mailbox_->make_folder("/org")), done_text);
    EXPECT_TRUE(fs::is_directory(root_ / "org"));
    EXPECT_EQ(refusal(mailbox_->make_folder("/org/my user")), done_text) << "spaces are path bytes";
    EXPECT_TRUE(fs::is_directory(root_ / "org" / "my user"));
    EXPECT_EQ(refusal(mailbox_->make_folder("//org/./b/")), done_text)
        << "normalised like org units";
    EXPECT_TRUE(fs::is_directory(root_ / "org" / "b"));
    EXPECT_EQ(refusal(mailbox_->make_folder("/org/x/../c")), done_text) << "'..' that stays inside";
    EXPECT_TRUE(fs::is_directory(root_ / "org" / "c"));
    EXPECT_FALSE(fs::exists(root_ / "org" / "x"));
}

TEST_F(FsMailboxTest, MkdirRefusesAMissingParentAndAnExistingPath) {
    EXPECT_EQ(refusal(mailbox_->make_folder("/org/a")), "parent folder does not exist");
    EXPECT_EQ(refusal(mailbox_->make_folder("/org/a/b")), "parent folder does not exist");
    EXPECT_FALSE(fs::exists(root_ / "org"));
    mkdir("org/a");
    EXPECT_EQ(refusal(mailbox_->make_folder("/org/a")), "already exists");
    write_file(root_ / "org" / "file", "x");
    EXPECT_EQ(refusal(mailbox_->make_folder("/org/file")), "already exists");
    EXPECT_EQ(refusal(mailbox_->make_folder("/org/file/x")), "'/org/file' is not a folder");
    fs::create_directory_symlink(outside_, root_ / "org" / "link");
    EXPECT_EQ(refusal(mailbox_->make_folder("/org/link")), "already exists");
}

TEST_F(FsMailboxTest, FileCommandsRefuseBadPaths) {
    mkdir("org");
    using Op = std::optional<MailboxError> (Mailbox::*)(std::string_view);
    for (const Op op : {&Mailbox::make_folder, &Mailbox::touch_file, &Mailbox::delete_file,
                        &Mailbox::remove_folder}) {
        Mailbox& box = *mailbox_;
        EXPECT_EQ(refusal((box.*op)("org/x")), "path does not begin with '/'");
        EXPECT_EQ(refusal((box.*op)("")), "path does not begin with '/'");
        EXPECT_EQ(refusal((box.*op)(std::string("/org/x\0y", 8))), "path contains a NUL byte");
        EXPECT_EQ(refusal((box.*op)("/../outside/victim")), "'..' climbs out of the root");
        EXPECT_EQ(refusal((box.*op)("/org/../../outside")), "'..' climbs out of the root");
        EXPECT_EQ(refusal((box.*op)("/")), "names the root itself");
        EXPECT_EQ(refusal((box.*op)("/org/..")), "names the root itself");
        EXPECT_EQ(refusal((box.*op)("//./")), "names the root itself");
        EXPECT_EQ(refusal((box.*op)("/.xsime-tmp")),
                  "'/.xsime-tmp' is the server's temporary folder");
        EXPECT_EQ(refusal((box.*op)("/.xsime-tmp/x")),
                  "'/.xsime-tmp' is the server's temporary folder");
    }
    EXPECT_TRUE(fs::is_directory(root_));
    EXPECT_TRUE(fs::is_directory(root_ / ".xsime-tmp"));
    EXPECT_TRUE(fs::is_directory(outside_ / "victim"));
    EXPECT_TRUE(fs::is_directory(root_ / "org"));
}

// A symlink on the way is refused wherever it points: out of the root, or inside it.
TEST_F(FsMailboxTest, FileCommandsRefuseASymlinkedComponent) {
    mkdir("org/real");
    fs::create_directory_symlink(outside_, root_ / "out");
    fs::create_directory_symlink(root_ / "org", root_ / "alias");
    using Op = std::optional<MailboxError> (Mailbox::*)(std::string_view);
    for (const Op op : {&Mailbox::make_folder, &Mailbox::touch_file, &Mailbox::delete_file,
                        &Mailbox::remove_folder}) {
        Mailbox& box = *mailbox_;
        EXPECT_EQ(refusal((box.*op)("/out/victim")), "'/out' is a symlink");
        EXPECT_EQ(refusal((box.*op)("/out/victim/x")), "'/out' is a symlink");
        EXPECT_EQ(refusal((box.*op)("/alias/real")), "'/alias' is a symlink");
        EXPECT_EQ(refusal((box.*op)("/alias/real/x")), "'/alias' is a symlink");
    }
    EXPECT_TRUE(fs::is_directory(outside_ / "victim"));
    EXPECT_TRUE(fs::is_empty(outside_ / "victim"));
    EXPECT_TRUE(fs::is_directory(root_ / "org" / "real"));
    EXPECT_TRUE(fs::is_empty(root_ / "org" / "real"));
}

TEST_F(FsMailboxTest, TouchCreatesAnEmptyFileOrUpdatesItsTime) {
    mkdir("org/u/messages/blacklist");
    EXPECT_EQ(refusal(mailbox_->touch_file("/org/u/messages/blacklist/mallory")), done_text);
    const fs::path entry = root_ / "org" / "u" / "messages" / "blacklist" / "mallory";
    ASSERT_TRUE(fs::is_regular_file(entry));
    EXPECT_EQ(fs::file_size(entry), 0u);

    // An existing file keeps its content and gets the time of now.
    const fs::path kept = root_ / "org" / "kept";
    write_file(kept, "content");
    const auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(24);
    fs::last_write_time(kept, old_time);
    EXPECT_EQ(refusal(mailbox_->touch_file("/org/kept")), done_text);
    EXPECT_EQ(read_file(kept), "content");
    EXPECT_GT(fs::last_write_time(kept), old_time + std::chrono::hours(23));
}

TEST_F(FsMailboxTest, TouchRefusesWhatIsNotARegularFile) {
    mkdir("org/folder");
    EXPECT_EQ(refusal(mailbox_->touch_file("/org/missing/x")), "parent folder does not exist");
    EXPECT_EQ(refusal(mailbox_->touch_file("/org/folder")), "is a folder");
    ASSERT_EQ(::mkfifo((root_ / "org" / "fifo").c_str(), 0600), 0);
    EXPECT_EQ(refusal(mailbox_->touch_file("/org/fifo")), "is not a regular file");
    // The last component too: touching through a link would change its target.
    write_file(outside_ / "target", "t");
    const auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(24);
    fs::last_write_time(outside_ / "target", old_time);
    fs::create_symlink(outside_ / "target", root_ / "org" / "link");
    fs::create_symlink(outside_ / "nowhere", root_ / "org" / "dangling");
    EXPECT_EQ(refusal(mailbox_->touch_file("/org/link")), "is a symlink");
    EXPECT_EQ(refusal(mailbox_->touch_file("/org/dangling")), "is a symlink");
    EXPECT_EQ(fs::last_write_time(outside_ / "target"), old_time);
    EXPECT_FALSE(fs::exists(outside_ / "nowhere"));
}

TEST_F(FsMailboxTest, DelRemovesAFileOrALinkItself) {
    mkdir("org");
    write_file(root_ / "org" / "file name", "x");
    EXPECT_EQ(refusal(mailbox_->delete_file("/org/file name")), done_text);
    EXPECT_FALSE(fs::exists(root_ / "org" / "file name"));
    write_file(outside_ / "target", "t");
    fs::create_symlink(outside_ / "target", root_ / "org" / "link");
    EXPECT_EQ(refusal(mailbox_->delete_file("/org/link")), done_text);
    EXPECT_FALSE(fs::is_symlink(root_ / "org" / "link"));
    EXPECT_EQ(read_file(outside_ / "target"), "t") << "the link's target is untouched";
    fs::create_directory_symlink(outside_ / "victim", root_ / "org" / "dirlink");
    EXPECT_EQ(refusal(mailbox_->delete_file("/org/dirlink")), done_text);
    EXPECT_TRUE(fs::is_directory(outside_ / "victim"));
}

TEST_F(FsMailboxTest, DelRefusesAFolderAndAMissingFile) {
    mkdir("org/folder");
    EXPECT_EQ(refusal(mailbox_->delete_file("/org/folder")), "is a folder (RMDIR removes folders)");
    EXPECT_TRUE(fs::is_directory(root_ / "org" / "folder"));
    EXPECT_EQ(refusal(mailbox_->delete_file("/org/nope")), "does not exist");
    EXPECT_EQ(refusal(mailbox_->delete_file("/nope/x")), "parent folder does not exist");
}

TEST_F(FsMailboxTest, RmdirRemovesAFolderRecursively) {
    mkdir("org/u/messages/blacklist");
    mkdir("org/keep");
    write_file(root_ / "org" / "u" / "messages" / "1700000000-x", "1700000000:a:hi");
    write_file(root_ / "org" / "u" / "messages" / ".hidden", "h");
    write_file(root_ / "org" / "u" / "messages" / "blacklist" / "mallory", "");
    EXPECT_EQ(refusal(mailbox_->remove_folder("/org/u")), done_text);
    EXPECT_FALSE(fs::exists(root_ / "org" / "u"));
    EXPECT_TRUE(fs::is_directory(root_ / "org" / "keep"));
    // An empty folder too.
    EXPECT_EQ(refusal(mailbox_->remove_folder("/org/keep/")), done_text);
    EXPECT_TRUE(fs::is_empty(root_ / "org"));
}

TEST_F(FsMailboxTest, RmdirRemovesSymlinksInsideAsLinks) {
    mkdir("org/u/sub");
    mkdir("org/elsewhere");
    write_file(outside_ / "victim" / "precious", "p");
    write_file(root_ / "org" / "elsewhere" / "kept", "k");
    fs::create_directory_symlink(outside_ / "victim", root_ / "org" / "u" / "out");
    fs::create_directory_symlink(root_ / "org" / "elsewhere", root_ / "org" / "u" / "sub" / "in");
    fs::create_symlink(outside_ / "victim" / "precious", root_ / "org" / "u" / "file-link");
    fs::create_symlink(outside_ / "nowhere", root_ / "org" / "u" / "dangling");
    EXPECT_EQ(refusal(mailbox_->remove_folder("/org/u")), done_text);
    EXPECT_FALSE(fs::exists(fs::symlink_status(root_ / "org" / "u")));
    EXPECT_EQ(read_file(outside_ / "victim" / "precious"), "p");
    EXPECT_EQ(read_file(root_ / "org" / "elsewhere" / "kept"), "k");
}

TEST_F(FsMailboxTest, RmdirRefusesAFileASymlinkAndAMissingFolder) {
    mkdir("org");
    write_file(root_ / "org" / "file", "x");
    fs::create_directory_symlink(outside_ / "victim", root_ / "org" / "link");
    write_file(outside_ / "victim" / "precious", "p");
    EXPECT_EQ(refusal(mailbox_->remove_folder("/org/file")), "is not a folder");
    EXPECT_EQ(refusal(mailbox_->remove_folder("/org/link")), "is a symlink");
    EXPECT_EQ(refusal(mailbox_->remove_folder("/org/nope")), "does not exist");
    EXPECT_EQ(refusal(mailbox_->remove_folder("/nope/x")), "parent folder does not exist");
    EXPECT_TRUE(fs::exists(root_ / "org" / "file"));
    EXPECT_TRUE(fs::is_symlink(root_ / "org" / "link"));
    EXPECT_EQ(read_file(outside_ / "victim" / "precious"), "p");
}

TEST_F(FsMailboxTest, RmdirStopsAtATreeTooDeep) {
    fs::path deep = root_ / "org";
    std::string rel = "/org";
    for (int level = 0; level < 129; ++level) {
        deep /= "d";
        rel += "/d";
    }
    fs::create_directories(deep);
    const auto reason = refusal(mailbox_->remove_folder("/org"));
    EXPECT_NE(reason.find("nested more than 128 folders deep"), std::string::npos) << reason;
    EXPECT_EQ(reason.find(root_.string()), std::string::npos) << "no server path: " << reason;
    EXPECT_TRUE(fs::is_directory(root_ / "org"));
    // 128 levels below the folder are fine.
    fs::remove(deep);
    EXPECT_EQ(refusal(mailbox_->remove_folder("/org")), done_text);
    EXPECT_FALSE(fs::exists(root_ / "org"));
}

TEST_F(FsMailboxTest, FileCommandReasonsNeverNameTheServersRoot) {
    mkdir("org/folder");
    fs::create_directory_symlink(outside_, root_ / "org" / "out");
    const std::vector<std::optional<MailboxError>> results = {
        mailbox_->make_folder("/org/folder"), mailbox_->make_folder("/nope/x"),
        mailbox_->touch_file("/org/folder"),  mailbox_->touch_file("/org/out/x"),
        mailbox_->delete_file("/org/folder"), mailbox_->delete_file("/org/none"),
        mailbox_->remove_folder("/org/out"),  mailbox_->remove_folder("/../x"),
    };
    for (const auto& result : results) {
        ASSERT_TRUE(result.has_value());
        EXPECT_EQ(result->reason.find(base_.string()), std::string::npos) << result->reason;
    }
}

// ---- concurrency ----

TEST_F(FsMailboxTest, ConcurrentDeliveriesToOneRecipient) {
    mkdir("ime/bob");
    const OrgUnitRef unit = org("ime");
    const UserRef bob = user(unit, "bob");
    constexpr int threads = 4;
    constexpr int per_thread = 250;
    // A long body makes a torn read visible.
    const auto body = [](int t, int i) {
        const std::string id = std::to_string(t) + "." + std::to_string(i) + ":";
        return id + std::string(2000, static_cast<char>('a' + t)) + id;
    };
    std::atomic<int> errors{0};
    std::atomic<bool> done{false};
    std::atomic<int> torn{0};
    std::set<std::string> expected;
    for (int t = 0; t < threads; ++t) {
        for (int i = 0; i < per_thread; ++i) {
            expected.insert(body(t, i));
        }
    }
    // A reader alongside the writers must only ever see whole messages.
    std::thread reader([&] {
        ScanMemo memo;
        while (!done.load()) {
            if (const auto list = mailbox_->scan(bob, memo)) {
                for (const auto& m : *list) {
                    const auto content = mailbox_->read(bob, m);
                    if (content && expected.count(*content) == 0) {
                        ++torn;
                    }
                }
            }
        }
    });
    std::vector<std::thread> writers;
    for (int t = 0; t < threads; ++t) {
        writers.emplace_back([&, t] {
            const std::vector<std::string> to = {"bob"};
            for (int i = 0; i < per_thread; ++i) {
                const auto result = mailbox_->deliver(unit, "alice", to, 1700000000, body(t, i));
                if (!std::holds_alternative<DeliveryReport>(result) ||
                    std::get<DeliveryReport>(result).delivered != 1) {
                    ++errors;
                }
            }
        });
    }
    for (auto& w : writers) {
        w.join();
    }
    done = true;
    reader.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(torn.load(), 0);

    const auto list = scan_all(bob);
    ASSERT_EQ(list.size(), 1000u);
    std::set<std::string> names;
    std::set<std::string> contents;
    for (const auto& m : list) {
        names.insert(m.name);
        const auto content = mailbox_->read(bob, m);
        ASSERT_TRUE(content.has_value());
        contents.insert(*content);
    }
    EXPECT_EQ(names.size(), 1000u);
    EXPECT_EQ(contents, expected);
    EXPECT_TRUE(tmp_leftovers().empty());
}

} // namespace
} // namespace xsime::mock
