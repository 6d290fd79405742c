// Tests of the outside-org-unit oracle's watch (netfuzz/jail_watch.hpp), its verdict and its
// text finding (jail_oracle.hpp): the fixture's own org units are no change; a new root entry,
// a touched canary, and (with an owned parent) anything beside the root are, each reported once.
#include "netfuzz/jail_oracle.hpp"
#include "netfuzz/jail_watch.hpp"
#include "netfuzz/oracles.hpp"
#include "tests/support/files.hpp"

#include <cstdlib>
#include <gtest/gtest.h>

namespace xsime::netfuzz {
namespace {

namespace fs = std::filesystem;

// parent/root, both removed at the end.
class JailWatchTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto pattern = (fs::temp_directory_path() / "jail-watch-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        parent_ = pattern;
        root_ = parent_ / "root";
        fs::create_directory(root_);
    }
    void TearDown() override {
        watch_.reset();
        fs::remove_all(parent_);
    }

    void start(bool owns_parent) {
        JailWatchOptions options{
            root_, "nf-canary-1", {"alice", "bob"}, owns_parent, [](std::string_view name) {
                return name.starts_with("nf-1-");
            }};
        auto started = JailWatch::start(std::move(options));
        ASSERT_TRUE(std::holds_alternative<std::unique_ptr<JailWatch>>(started))
            << std::get<std::string>(started);
        watch_ = std::move(std::get<std::unique_ptr<JailWatch>>(started));
    }

    fs::path parent_;
    fs::path root_;
    std::unique_ptr<JailWatch> watch_;
};

TEST_F(JailWatchTest, MakesCanariesAndSeesNothingWhenNothingChanges) {
    start(false);
    const auto alice = root_ / "nf-canary-1" / "alice" / "messages";
    EXPECT_TRUE(fs::is_directory(alice / "blacklist"));
    EXPECT_EQ(test::message_file_names(alice), std::vector<std::string>{"0000000001-canary"});
    EXPECT_TRUE(fs::is_directory(root_ / "nf-canary-1" / "bob" / "messages" / "blacklist"));
    EXPECT_FALSE(watch_->sibling());
    EXPECT_TRUE(watch_->changes().empty());
}

TEST_F(JailWatchTest, TheFixturesOrgUnitsAndWhatHappensInsideThemAreNoChange) {
    start(true);
    const auto org = root_ / "nf-1-0";
    fs::create_directories(org / "alice" / "messages" / "blacklist");
    test::write_file(org / "alice" / "messages" / "m1", "1:alice:hi");
    fs::remove_all(org);
    // Reading a canary changes nothing.
    EXPECT_EQ(test::read_file(root_ / "nf-canary-1" / "bob" / "messages" / "0000000001-canary"),
              "1:canary:a message no case may change");
    EXPECT_EQ(watch_->changes(), std::vector<JailChange>{});
}

TEST_F(JailWatchTest, ANewEntryInTheRootIsAChangeReportedOnce) {
    start(false);
    fs::create_directories(root_ / "messages" / "blacklist");
    const std::vector<JailChange> want{{"/messages", "created (a folder)"}};
    EXPECT_EQ(watch_->changes(), want);
    EXPECT_TRUE(watch_->changes().empty());
    fs::remove_all(root_ / "messages");
    EXPECT_EQ(watch_->changes(), (std::vector<JailChange>{{"/messages", "removed (a folder)"}}));
}

TEST_F(JailWatchTest, TouchingACanaryIsAChange) {
    start(false);
    const auto messages = root_ / "nf-canary-1" / "alice" / "messages";
    test::write_file(messages / "0000000001-canary", "overwritten");
    test::write_file(messages / "blacklist" / "mallory", "");
    fs::remove_all(root_ / "nf-canary-1" / "bob");
    const auto seen = watch_->changes();
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.front(),
              (JailChange{"/nf-canary-1/alice/messages/0000000001-canary", "written"}));
    auto has = [&](const JailChange& c) {
        return std::find(seen.begin(), seen.end(), c) != seen.end();
    };
    EXPECT_TRUE(has({"/nf-canary-1/alice/messages/blacklist/mallory", "created"}));
    EXPECT_TRUE(has({"/nf-canary-1/bob", "removed (a folder)"}));
}

TEST_F(JailWatchTest, WithAnOwnedParentTheSiblingAndTheParentAreWatched) {
    start(true);
    ASSERT_TRUE(watch_->sibling());
    EXPECT_EQ(*watch_->sibling(), parent_ / "canary");
    EXPECT_TRUE(fs::is_directory(parent_ / "canary" / "alice" / "messages" / "blacklist"));
    // What "../alice" from the root would reach, and what "../canary/bob" would.
    fs::create_directory(parent_ / "alice");
    test::write_file(parent_ / "canary" / "bob" / "messages" / "0000000002-x", "x");
    EXPECT_EQ(watch_->changes(),
              (std::vector<JailChange>{{"../alice", "created (a folder)"},
                                       {"../canary/bob/messages/0000000002-x", "created"},
                                       {"../canary/bob/messages/0000000002-x", "written"}}));
}

TEST_F(JailWatchTest, TheRootsParentIsNotWatchedUnlessOwned) {
    start(false);
    fs::create_directory(parent_ / "alice");
    EXPECT_TRUE(watch_->changes().empty());
    EXPECT_FALSE(fs::exists(parent_ / "canary"));
}

TEST_F(JailWatchTest, StoppingRemovesTheCanariesAndKeepsTheRoot) {
    start(true);
    watch_.reset();
    EXPECT_TRUE(fs::is_directory(root_));
    EXPECT_FALSE(fs::exists(root_ / "nf-canary-1"));
    EXPECT_FALSE(fs::exists(parent_ / "canary"));
}

TEST_F(JailWatchTest, ACanaryLeftByAKilledRunIsMadeAfresh) {
    fs::create_directories(root_ / "nf-canary-1" / "alice" / "messages");
    test::write_file(root_ / "nf-canary-1" / "alice" / "messages" / "stale", "x");
    start(false);
    EXPECT_EQ(test::message_file_names(root_ / "nf-canary-1" / "alice" / "messages"),
              std::vector<std::string>{"0000000001-canary"});
}

TEST_F(JailWatchTest, AMissingRootIsAnErrorAndIsNotMade) {
    JailWatchOptions options{root_ / "missing", "nf-canary-1", {"alice"}, false, {}};
    auto started = JailWatch::start(std::move(options));
    ASSERT_TRUE(std::holds_alternative<std::string>(started));
    EXPECT_NE(std::get<std::string>(started).find("missing"), std::string::npos);
    EXPECT_FALSE(fs::exists(root_ / "missing"));
}

TEST_F(JailWatchTest, TheOracleKeepsTheFirstCaseThatChangedSomething) {
    start(false);
    JailOracle oracle(std::move(watch_));
    Rng rng(1);
    const auto quiet = valid_case(rng);
    const auto guilty = valid_case(rng);
    oracle.after_case(quiet, "nf-1-0");
    EXPECT_FALSE(oracle.take());
    fs::create_directory(root_ / "messages");
    oracle.after_case(guilty, "nf-1-1");
    fs::create_directory(root_ / "later"); // before take(): drained with the next case, dropped
    oracle.after_case(quiet, "nf-1-2");
    auto seen = oracle.take();
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->org, "nf-1-1");
    EXPECT_EQ(seen->fuzz_case.sessions.size(), guilty.sessions.size());
    EXPECT_EQ(seen->changes, (std::vector<JailChange>{{"/messages", "created (a folder)"}}));
    EXPECT_EQ(seen->verdict.signature, "spec:outside-org-unit");
    EXPECT_FALSE(oracle.take());
    fs::create_directory(root_ / "again");
    oracle.after_case(quiet, "nf-1-3");
    ASSERT_TRUE(oracle.take());
}

TEST(JailVerdict, NoChangeIsNoFindingAndAChangeIsASpecFinding) {
    EXPECT_FALSE(judge_jail({}));
    const auto verdict = judge_jail({{"/messages", "created (a folder)"}, {"/x", "created"}});
    ASSERT_TRUE(verdict);
    EXPECT_EQ(verdict->kind, FindingKind::spec);
    EXPECT_EQ(verdict->signature, "spec:outside-org-unit");
    EXPECT_EQ(verdict->detail, "'/messages' created (a folder) outside the case's org unit (and 1 "
                               "more changes)");
}

TEST_F(JailWatchTest, TheTextFindingNamesTheChangesAndTheCasesBytes) {
    Rng rng(3);
    JailFinding finding{*judge_jail({{"/messages", "created (a folder)"}}),
                        {{"/messages", "created (a folder)"}},
                        valid_case(rng),
                        "nf-7-41",
                        7,
                        41,
                        {"hostile_name"}};
    finding.fuzz_case.sessions[0].messages.push_back(
        raw_message(std::string("\x02\0\0\0\x01/", 6)));
    auto written = write_jail_finding(finding, parent_ / "findings");
    ASSERT_TRUE(std::holds_alternative<WrittenFinding>(written)) << std::get<std::string>(written);
    const auto& file = std::get<WrittenFinding>(written);
    EXPECT_EQ(file.id, finding_id(finding.verdict));
    EXPECT_EQ(file.path, parent_ / "findings" / "fuzz" / (file.id.substr(5) + ".txt"));
    const auto text = test::read_file(file.path);
    EXPECT_TRUE(text.starts_with("spec:outside-org-unit (clause PATHS-JAIL")) << text;
    EXPECT_NE(text.find("  /messages: created (a folder)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("--seed 7 --max-cases 42"), std::string::npos) << text;
    EXPECT_NE(text.find("Mutations: hostile_name\n"), std::string::npos) << text;
    EXPECT_NE(text.find("    raw 02000000012f\n"), std::string::npos) << text;
    // The org unit reference is written with the case's org unit: opcode 1, sz 8, "/nf-7-41".
    EXPECT_NE(text.find("org_unit 0100000008" + std::string("2f6e662d372d3431")), std::string::npos)
        << text;
    auto again = write_jail_finding(finding, parent_ / "findings");
    ASSERT_TRUE(std::holds_alternative<WrittenFinding>(again));
    EXPECT_TRUE(std::get<WrittenFinding>(again).duplicate);
}

} // namespace
} // namespace xsime::netfuzz
