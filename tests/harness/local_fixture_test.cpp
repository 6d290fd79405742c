// Tests of LocalFixture: the mailbox layout it creates, what messages() reads, and that
// cleanup never reaches outside the root.
#include "harness/fixture_paths.hpp"
#include "harness/local_fixture.hpp"
#include "tests/support/files.hpp"
#include "tests/support/server_process.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <variant>

namespace xsime::harness {
namespace {

namespace fs = std::filesystem;

using test::read_file;
using test::write_file;

class LocalFixtureTest : public ::testing::Test {
protected:
    test::TempRoot temp;
    LocalFixture fixture{temp.root()};
};

TEST_F(LocalFixtureTest, PreparesUsersBlacklistsMessagesDirsAndLinks) {
    Fixture f;
    f.users = {"alice", "bob"};
    f.blacklist = {{"bob", {"mallory", "eve"}}};
    f.messages = {{"alice", "bob", 1700000000, "hello: there"},
                  {"alice", "carol", 1600000000, "x"}};
    f.dirs = {"extra/deep"};
    f.links = {{"escape", "../../outside"}, {"sub/alias", "alice"}};
    ASSERT_EQ(fixture.prepare("xc-org-1", f), std::nullopt);

    const fs::path org = temp.root() / "xc-org-1";
    EXPECT_TRUE(fs::is_directory(org / "alice"));
    EXPECT_TRUE(fs::is_directory(org / "bob"));
    EXPECT_TRUE(fs::is_regular_file(org / "bob" / "messages" / "blacklist" / "mallory"));
    EXPECT_TRUE(fs::is_regular_file(org / "bob" / "messages" / "blacklist" / "eve"));
    EXPECT_EQ(read_file(org / "alice" / "messages" / "1700000000-fixture-1"),
              "1700000000:bob:hello: there");
    EXPECT_EQ(read_file(org / "alice" / "messages" / "1600000000-fixture-2"), "1600000000:carol:x");
    EXPECT_TRUE(fs::is_directory(org / "extra" / "deep"));
    ASSERT_TRUE(fs::is_symlink(org / "escape"));
    EXPECT_EQ(fs::read_symlink(org / "escape"), "../../outside"); // verbatim, never resolved
    ASSERT_TRUE(fs::is_symlink(org / "sub" / "alias"));
    EXPECT_EQ(fs::read_symlink(org / "sub" / "alias"), "alice");
    // No temporary file is left behind.
    for (const auto& entry : fs::directory_iterator(org / "alice" / "messages")) {
        EXPECT_NE(entry.path().filename().string().front(), '.') << entry.path();
    }
}

TEST_F(LocalFixtureTest, MessagesAreSortedContentsOfVisibleRegularFiles) {
    Fixture f;
    f.users = {"alice"};
    ASSERT_EQ(fixture.prepare("o", f), std::nullopt);
    // Never logged in, no messages/ yet: empty, not "unobservable".
    auto none = fixture.messages("o", "alice");
    ASSERT_TRUE(none.has_value());
    EXPECT_TRUE(none->empty());
    EXPECT_EQ(fixture.message_count("o", "alice"),
              (std::variant<std::size_t, std::string>(std::size_t{0})));

    const fs::path dir = temp.root() / "o" / "alice" / "messages";
    fs::create_directories(dir / "blacklist");
    write_file(dir / "2-b", "2:b:second");
    write_file(dir / "1-a", "1:a:first");
    write_file(dir / ".hidden", "1:x:hidden");
    fs::create_symlink(dir / "1-a", dir / "3-link");
    const auto got = fixture.messages("o", "alice");
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, (std::vector<std::string>{"1:a:first", "2:b:second"}));
    // The count takes the same files: no folder, no dot file, no symlink.
    EXPECT_EQ(fixture.message_count("o", "alice"),
              (std::variant<std::size_t, std::string>(std::size_t{2})));
}

// What the portable mailbox checks look at: blacklist names and folders, never a symlink.
TEST_F(LocalFixtureTest, BlacklistNamesAndFoldersAreObserved) {
    Fixture f;
    f.users = {"alice", "bob"};
    f.blacklist = {{"bob", {"mallory", "eve"}}};
    f.dirs = {"bob/messages/blacklist/sub", "real"};
    f.links = {{"bob/messages/blacklist/link", "mallory"}, {"alias", "real"}};
    ASSERT_EQ(fixture.prepare("xc-b", f), std::nullopt);
    using Names = std::variant<std::vector<std::string>, std::string>;
    EXPECT_EQ(fixture.blacklist("xc-b", "bob"), Names(std::vector<std::string>{"eve", "mallory"}))
        << "files only: no folder, no symlink";
    EXPECT_EQ(fixture.blacklist("xc-b", "alice"), Names(std::vector<std::string>{}))
        << "no blacklist/ yet";
    using Exists = std::variant<bool, std::string>;
    EXPECT_EQ(fixture.folder_exists("xc-b", "bob"), Exists(true));
    EXPECT_EQ(fixture.folder_exists("xc-b", "bob/messages/blacklist"), Exists(true));
    EXPECT_EQ(fixture.folder_exists("xc-b", "alice/messages"), Exists(false));
    EXPECT_EQ(fixture.folder_exists("xc-b", "bob/messages/blacklist/eve"), Exists(false))
        << "a file is not a folder";
    EXPECT_EQ(fixture.folder_exists("xc-b", "alias"), Exists(false)) << "nor is a symlink to one";
    // Names that would leave the root are refused, never looked at.
    EXPECT_EQ(fixture.folder_exists("xc-b", "../xc-b"),
              Exists("path '../xc-b' must be a relative path inside the org unit"));
    EXPECT_EQ(fixture.blacklist("..", "bob"),
              Names("org unit name '..' is not a single folder name"));
}

TEST_F(LocalFixtureTest, CleanupRemovesTheOrgUnitButNotLinkTargets) {
    const fs::path outside = temp.base() / "outside";
    fs::create_directories(outside);
    write_file(outside / "keep", "keep");
    Fixture f;
    f.users = {"alice"};
    f.links = {{"out", outside.string()}};
    ASSERT_EQ(fixture.prepare("xc-c", f), std::nullopt);
    fixture.cleanup("xc-c");
    EXPECT_FALSE(fs::exists(temp.root() / "xc-c"));
    EXPECT_TRUE(fs::exists(outside / "keep"));
}

TEST_F(LocalFixtureTest, RefusesOrgNamesThatLeaveTheRoot) {
    const fs::path victim = temp.base() / "victim";
    fs::create_directories(victim);
    for (const std::string bad : {"", ".", "..", "../victim", "a/b", "x..y"}) {
        auto error = fixture.prepare(bad, Fixture{});
        ASSERT_TRUE(error.has_value()) << "'" << bad << "'";
        EXPECT_NE(error->find("org unit name"), std::string::npos) << *error;
        fixture.cleanup(bad);
        EXPECT_EQ(fixture.messages(bad, "u"), std::vector<std::string>{});
    }
    EXPECT_TRUE(fs::exists(victim));
    EXPECT_TRUE(fs::exists(temp.root()));
}

TEST_F(LocalFixtureTest, RefusesFixturePathsThatLeaveTheOrgUnit) {
    const std::vector<std::pair<std::string, Fixture>> cases = [] {
        std::vector<std::pair<std::string, Fixture>> out;
        Fixture a;
        a.users = {"../alice"};
        out.emplace_back("user", a);
        Fixture b;
        b.dirs = {"/abs"};
        out.emplace_back("dir", b);
        Fixture c;
        c.links = {{"x/../../y", "z"}};
        out.emplace_back("link", c);
        Fixture d;
        d.users = {"bob"};
        d.blacklist = {{"bob", {"../evil"}}};
        out.emplace_back("blacklisted sender", d);
        Fixture e;
        e.messages = {{"..", "a", 1, "t"}};
        out.emplace_back("message recipient", e);
        return out;
    }();
    for (const auto& [what, f] : cases) {
        auto error = fixture.prepare("xc-p", f);
        ASSERT_TRUE(error.has_value()) << what;
        EXPECT_NE(error->find(what), std::string::npos) << *error;
        // Checked before anything is created.
        EXPECT_FALSE(fs::exists(temp.root() / "xc-p")) << what;
    }
}

TEST_F(LocalFixtureTest, ReportsFilesystemErrorsWithThePath) {
    // A file where the org unit's folder should go.
    write_file(temp.root() / "taken", "");
    Fixture f;
    f.users = {"alice"};
    auto error = fixture.prepare("taken", f);
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("taken"), std::string::npos) << *error;
    EXPECT_NE(fixture.describe().find(temp.root().string()), std::string::npos);
}

TEST_F(LocalFixtureTest, CanMakeEveryFixture) {
    Fixture f;
    f.users = {"alice"};
    f.messages = {{"alice", "bob", 1, "x"}};
    f.links = {{"l", "alice"}};
    EXPECT_EQ(fixture.unsupported(f), std::nullopt);
}

// The rules in harness/fixture_paths.hpp, which every fixture host applies.
TEST(FixturePathsTest, OrgNamesAreSingleFolderNames) {
    for (const std::string good : {"xc-a", "a.b", "-", "xc-delivery-1a2b3c4d"}) {
        EXPECT_TRUE(valid_org_name(good)) << good;
    }
    for (const std::string& bad :
         {std::string(), std::string("."), std::string(".."), std::string("a/b"), std::string("/a"),
          std::string("x..y"), std::string("...x"), std::string("a\0b", 3)}) {
        EXPECT_FALSE(valid_org_name(bad)) << bad;
    }
}

TEST(FixturePathsTest, PathsStayInsideTheOrgUnit) {
    for (const std::string good : {"alice", "a/b", "a/./b/", "a..b", "..a"}) {
        EXPECT_EQ(check_inside_org("user", good), std::nullopt) << good;
    }
    for (const std::string& bad :
         {std::string(), std::string(".."), std::string("a/../b"), std::string("/abs"),
          std::string("a/.."), std::string("a\0b", 3)}) {
        const auto error = check_inside_org("dir", bad);
        ASSERT_TRUE(error.has_value()) << bad;
        EXPECT_EQ(*error, "dir '" + bad + "' must be a relative path inside the org unit");
    }
}

TEST(FixturePathsTest, CheckFixtureReportsTheFirstProblem) {
    Fixture f;
    f.users = {"alice"};
    f.blacklist = {{"alice", {"mallory"}}};
    f.messages = {{"alice", "bob", 1, "x"}};
    f.dirs = {"alice/extra"};
    f.links = {{"alice/l", "/anywhere/at/all"}}; // a link's target is never checked
    EXPECT_EQ(check_fixture("xc-a", f), std::nullopt);
    EXPECT_NE(check_fixture("a/b", f).value_or("").find("org unit name 'a/b'"), std::string::npos);
    f.dirs = {"../x"};
    f.links = {{"../l", "t"}};
    EXPECT_EQ(check_fixture("xc-a", f), "dir '../x' must be a relative path inside the org unit");
    f.blacklist = {{"alice", {"a/b"}}};
    EXPECT_EQ(check_fixture("xc-a", f), "blacklisted sender 'a/b' must be a file name");
}

} // namespace
} // namespace xsime::harness
