// The mailbox step: its checks read from a file, and run against a fixture host held in memory
// (what it asks the host, polling, failures, and what it cannot observe).
#include "harness/fixture_host.hpp"
#include "harness/plain_connection.hpp"
#include "harness/scenario_runner.hpp"
#include "harness/steps/mailbox_step.hpp"
#include "tests/support/scenario_steps.hpp"
#include "tests/support/scenario_text.hpp"

#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace xsime::harness {
namespace {

using namespace std::chrono_literals;
using test::errors_of;
using test::listing;
using test::only_error;
using test::scenario_with;
using json = nlohmann::ordered_json;

json mailbox(json check) {
    check["user"] = "bob";
    return {{"mailbox", std::move(check)}};
}

TEST(MailboxStepRead, BlacklistIsSortedAndFoldersKeepTheirOrder) {
    auto parsed = test::load(scenario_with({mailbox(
        {{"blacklist", {"mallory", "eve"}}, {"folders", {{"messages", true}, {".", false}}}})}));
    ASSERT_TRUE(std::holds_alternative<Scenario>(parsed))
        << listing(std::get<std::vector<LoadError>>(parsed));
    const auto* step = std::get<Scenario>(parsed).steps[0].as<MailboxStep>();
    ASSERT_NE(step, nullptr);
    EXPECT_EQ(step->blacklist, (std::vector<std::string>{"eve", "mallory"}));
    using Folders = std::vector<std::pair<std::string, bool>>;
    EXPECT_EQ(step->folders, (Folders{{"messages", true}, {".", false}}));
    EXPECT_FALSE(step->count.has_value());

    auto empty = test::load(scenario_with({mailbox({{"blacklist", json::array()}})}));
    ASSERT_TRUE(std::holds_alternative<Scenario>(empty));
    EXPECT_EQ(std::get<Scenario>(empty).steps[0].as<MailboxStep>()->blacklist,
              std::vector<std::string>{});
}

TEST(MailboxStepRead, RefusesBadBlacklistsAndFolders) {
    const auto at = [](json check, const std::string& pointer, const std::string& part) {
        const auto errors = errors_of(scenario_with({mailbox(std::move(check))}));
        EXPECT_TRUE(only_error(errors, pointer, part)) << pointer << "\n" << listing(errors);
    };
    at({{"blacklist", "eve"}}, "/steps/0/mailbox/blacklist", "an array of file names");
    at({{"blacklist", {"a/b"}}}, "/steps/0/mailbox/blacklist/0", "expected a file name");
    at({{"blacklist", {".."}}}, "/steps/0/mailbox/blacklist/0", "expected a file name");
    at({{"blacklist", {"eve", "eve"}}}, "/steps/0/mailbox/blacklist", "listed twice");
    at({{"folders", json::object()}}, "/steps/0/mailbox/folders", "non-empty object");
    at({{"folders", {"messages"}}}, "/steps/0/mailbox/folders", "non-empty object");
    at({{"folders", {{"../alice", true}}}}, "/steps/0/mailbox/folders/..~1alice",
       "a path inside the user's folder");
    at({{"folders", {{"/messages", true}}}}, "/steps/0/mailbox/folders/~1messages",
       "no leading '/'");
    at({{"folders", {{"messages", 1}}}}, "/steps/0/mailbox/folders/messages", "true or false");
    at(json::object(), "/steps/0/mailbox", "count, blacklist, folders, content_regex");
}

// A fixture host held in memory, with what a remote one can observe: counts, blacklist names
// and folders, but no contents. `answer_after` looks see the blacklist; `can_look` false
// makes it a host that cannot look at all; `error` is an observation failure.
class MemoryFixture final : public FixtureHost {
public:
    std::optional<std::string> prepare(const std::string&, const Fixture&) override {
        return std::nullopt;
    }
    void cleanup(const std::string&) override {}
    std::optional<std::vector<std::string>> messages(const std::string&,
                                                     const std::string&) override {
        return std::nullopt;
    }
    std::optional<std::variant<std::size_t, std::string>>
    message_count(const std::string&, const std::string&) override {
        return count;
    }
    std::optional<std::variant<std::vector<std::string>, std::string>>
    blacklist(const std::string& org, const std::string& user) override {
        asked.insert(org + ": blacklist of " + user);
        if (!can_look) {
            return std::nullopt;
        }
        if (error) {
            return *error;
        }
        return ++looks >= answer_after ? names : std::vector<std::string>{};
    }
    std::optional<std::variant<bool, std::string>> folder_exists(const std::string& org,
                                                                 const std::string& path) override {
        asked.insert(org + ": folder " + path);
        return folders.contains(path);
    }
    std::string describe() const override { return "a memory fixture"; }

    std::size_t count = 0;
    std::vector<std::string> names;
    std::set<std::string> folders;
    int answer_after = 1;
    int looks = 0;
    bool can_look = true;
    std::optional<std::string> error;
    std::set<std::string> asked;
};

class MailboxStepRun : public ::testing::Test {
protected:
    CaseResult run(MailboxStep check) {
        Scenario s;
        s.id = "t.mailbox";
        s.name = "a mailbox check";
        s.clauses = {"TEST"};
        s.requirement = "a test";
        s.keywords = {"test"};
        s.sessions = {"alice"};
        check.user = "bob";
        s.steps.push_back(test::make_step("", std::move(check)));
        s.steps.back().json_pointer = "/steps/0";
        return run_scenario(s, transport, host, options, cancel);
    }
    static MailboxStep wanted() {
        MailboxStep check;
        check.count = 2;
        check.blacklist = std::vector<std::string>{"eve", "mallory"};
        check.folders = {{"messages/blacklist", true}, {".", true}, {"messages/tmp", false}};
        return check;
    }

    MemoryFixture host;
    PlainTransport transport{"127.0.0.1", 9}; // never used: a mailbox step has no session
    RunnerOptions options{
        .step_timeout = 300ms, .scenario_timeout = 5000ms, .keep_passing_transcripts = true};
    std::atomic<bool> cancel{false};
};

TEST_F(MailboxStepRun, PassesWhenEveryPartHoldsAndAsksOnlyAboutTheUser) {
    host.count = 2;
    host.names = {"eve", "mallory"};
    host.folders = {"bob", "bob/messages/blacklist"};
    host.answer_after = 3; // the names appear on the third look: the check polls
    const auto result = run(wanted());
    ASSERT_EQ(result.verdict, Verdict::pass) << result.message;
    EXPECT_GE(host.looks, 3);
    std::set<std::string> folders;
    for (const auto& question : host.asked) {
        folders.insert(question.substr(question.find(": ") + 2));
    }
    EXPECT_EQ(folders,
              (std::set<std::string>{"blacklist of bob", "folder bob",
                                     "folder bob/messages/blacklist", "folder bob/messages/tmp"}));
    ASSERT_FALSE(result.transcript.empty());
    EXPECT_EQ(result.transcript.back().decoded,
              "mailbox of 'bob': 2 messages, blacklist 'eve', 'mallory', messages/blacklist/ "
              "present, the user's folder present, messages/tmp/ absent: as expected");
}

TEST_F(MailboxStepRun, FailsAtTheDeadlineWithWhatItLastSaw) {
    host.count = 2;
    host.names = {"eve"};
    host.folders = {"bob", "bob/messages/blacklist"};
    const auto wrong_names = run(wanted());
    EXPECT_EQ(wrong_names.verdict, Verdict::fail);
    EXPECT_EQ(wrong_names.message,
              "mailbox check failed: blacklist 'eve' (expected mailbox of 'bob': 2 messages, "
              "blacklist 'eve', 'mallory', messages/blacklist/ present, the user's folder "
              "present, messages/tmp/ absent)");
    EXPECT_EQ(wrong_names.actual, "blacklist 'eve'");
    EXPECT_GT(host.looks, 1) << "it polled until the step timeout";

    host.names = {"eve", "mallory"};
    host.folders = {"bob", "bob/messages/blacklist", "bob/messages/tmp"};
    const auto extra_folder = run(wanted());
    EXPECT_EQ(extra_folder.verdict, Verdict::fail);
    EXPECT_EQ(extra_folder.actual, "messages/tmp/ present");

    host.folders = {"bob/messages/blacklist"};
    EXPECT_EQ(run(wanted()).actual, "the user's folder absent");

    host.error = "LS /o/bob/messages/blacklist: the server answered 'FAILED 1'";
    const auto refused = run(wanted());
    EXPECT_EQ(refused.verdict, Verdict::fail);
    EXPECT_EQ(refused.actual,
              "not observed: LS /o/bob/messages/blacklist: the server answered 'FAILED 1'");
}

TEST_F(MailboxStepRun, WhatTheHostCannotObserveIsSkippedNeverPassed) {
    host.count = 2;
    host.can_look = false;
    auto names = wanted();
    names.folders.clear();
    const auto blind = run(names);
    EXPECT_EQ(blind.verdict, Verdict::skipped);
    EXPECT_EQ(blind.skip_reason, "mailbox check not observable through a memory fixture "
                                 "(blacklist names); every step before it passed");

    host.can_look = true;
    MailboxStep contents;
    contents.count = 2;
    contents.no_content_regex = ".*:alice:.*";
    const auto skipped = run(contents);
    EXPECT_EQ(skipped.verdict, Verdict::skipped);
    EXPECT_EQ(skipped.skip_reason,
              "mailbox check not observable through a memory fixture (message contents: "
              "content_regex and no_content_regex need a local fixture); every step before it "
              "passed");
}

} // namespace
} // namespace xsime::harness
