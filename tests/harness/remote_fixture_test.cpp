// Tests of RemoteFixture: the TF commands it sends (against a fake transport that records
// them), how it reports refusals and transport errors, and, against the real reference
// server, that those commands make the folders the scenario needs.
#include "harness/plain_connection.hpp"
#include "harness/remote_fixture.hpp"
#include "harness/scenario_runner.hpp"
#include "protocol/tf_framing.hpp"
#include "tests/support/files.hpp"
#include "tests/support/scenario_steps.hpp"
#include "tests/support/server_process.hpp"

#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace xsime::harness {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using Reply = std::variant<std::string, TransportError>;

// What the fake server saw and will answer, shared by the fake transport and its connections.
struct FakeServer {
    std::size_t connects = 0;
    std::size_t closes = 0;
    std::optional<TransportError> refuse_connect;
    std::vector<std::string> commands;     // TF message bodies received, in order
    std::map<std::string, Reply> replies;  // by command; anything else is answered "OK"
    std::vector<Deadline> timeouts;        // of every connect, send and receive
    std::optional<TransportError> on_send; // every send fails with this
    bool partial = false;                  // bytes left that are not a whole TF message
};

class FakeConnection final : public Connection {
public:
    explicit FakeConnection(FakeServer& server) : server_(server) {}

    std::variant<std::monostate, TransportError> send(std::string_view bytes,
                                                      Deadline timeout) override {
        server_.timeouts.push_back(timeout);
        if (server_.on_send) {
            return *server_.on_send;
        }
        // The codec reads the commands back: the fake never parses TF framing itself.
        decoder_.feed(bytes);
        while (true) {
            auto next = decoder_.next();
            auto* body = std::get_if<std::string>(&next);
            if (!body) {
                break;
            }
            server_.commands.push_back(*body);
        }
        server_.partial = decoder_.mid_frame();
        return std::monostate{};
    }
    std::variant<std::string, TransportError> receive_tf(Deadline timeout) override {
        server_.timeouts.push_back(timeout);
        if (server_.commands.empty()) {
            return TransportError{TransportError::Kind::timeout, "nothing was asked"};
        }
        const auto found = server_.replies.find(server_.commands.back());
        if (found == server_.replies.end()) {
            return std::string(protocol::tf_ok);
        }
        return found->second;
    }
    std::variant<protocol::Frame, protocol::ProtocolError, TransportError>
    receive_frame(Deadline) override {
        return TransportError{TransportError::Kind::other, "no frames at the TF command level"};
    }
    bool wait_closed(Deadline) override { return false; }
    std::size_t buffered() const override { return 0; }
    void close() override { ++server_.closes; }

private:
    FakeServer& server_;
    protocol::TfDecoder decoder_;
};

class FakeTransport final : public Transport {
public:
    explicit FakeTransport(FakeServer& server) : server_(server) {}
    std::variant<std::unique_ptr<Connection>, TransportError> connect(Deadline timeout) override {
        server_.timeouts.push_back(timeout);
        if (server_.refuse_connect) {
            return *server_.refuse_connect;
        }
        ++server_.connects;
        return std::make_unique<FakeConnection>(server_);
    }
    std::string describe() const override { return "fake 127.0.0.1:1"; }

private:
    FakeServer& server_;
};

class RemoteFixtureTest : public ::testing::Test {
protected:
    FakeServer server;
    FakeTransport transport{server};
    RemoteFixture fixture{transport, 1234ms};
};

Fixture full_fixture() {
    Fixture f;
    f.users = {"alice", "team/bob", "team/carol", "x/./y/"};
    f.blacklist = {{"team/bob", {"mallory", "eve", "mallory"}}, {"alice", {"zed"}}};
    f.dirs = {"alice/messages/not-a-message", "extra/deep", "team", "x//y"};
    return f;
}

TEST_F(RemoteFixtureTest, SendsEachFolderAndFileOnceInOrderOnOneConnection) {
    ASSERT_EQ(fixture.prepare("xc-a", full_fixture()), std::nullopt);
    const std::vector<std::string> expected{
        "MKDIR /xc-a",
        // users, each missing prefix ("x/./y/" is x then y)
        "MKDIR /xc-a/alice",
        "MKDIR /xc-a/team",
        "MKDIR /xc-a/team/bob",
        "MKDIR /xc-a/team/carol",
        "MKDIR /xc-a/x",
        "MKDIR /xc-a/x/y",
        // blacklists, by user name; mallory listed twice is touched once
        "MKDIR /xc-a/alice/messages",
        "MKDIR /xc-a/alice/messages/blacklist",
        "TOUCH /xc-a/alice/messages/blacklist/zed",
        "MKDIR /xc-a/team/bob/messages",
        "MKDIR /xc-a/team/bob/messages/blacklist",
        "TOUCH /xc-a/team/bob/messages/blacklist/mallory",
        "TOUCH /xc-a/team/bob/messages/blacklist/eve",
        // dirs: only what is not made yet ("team" and "x//y" already are)
        "MKDIR /xc-a/alice/messages/not-a-message",
        "MKDIR /xc-a/extra",
        "MKDIR /xc-a/extra/deep",
    };
    EXPECT_EQ(server.commands, expected);
    EXPECT_FALSE(server.partial);
    EXPECT_EQ(server.connects, 1u);
    EXPECT_EQ(server.closes, 1u);
    for (const auto timeout : server.timeouts) {
        EXPECT_EQ(timeout, 1234ms);
    }
}

TEST_F(RemoteFixtureTest, AnEmptyFixtureIsJustTheOrgUnit) {
    ASSERT_EQ(fixture.prepare("xc-empty", Fixture{}), std::nullopt);
    EXPECT_EQ(server.commands, std::vector<std::string>{"MKDIR /xc-empty"});
}

TEST_F(RemoteFixtureTest, AFailedReplyStopsPreparationAndIsQuoted) {
    server.replies["MKDIR /xc-a/team/bob"] = std::string("FAILED exists: \"bob\"\n");
    auto error = fixture.prepare("xc-a", full_fixture());
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(*error, "MKDIR /xc-a/team/bob: the server answered 'FAILED exists: \"bob\"\\x0a'");
    EXPECT_EQ(server.commands.back(), "MKDIR /xc-a/team/bob"); // nothing after it
    EXPECT_EQ(server.commands.size(), 4u);
    EXPECT_EQ(server.closes, 1u);
}

TEST_F(RemoteFixtureTest, OnlyExactlyOkIsSuccess) {
    for (const std::string reply : {"OK ", "ok", "", "OKAY"}) {
        server.commands.clear();
        server.replies["TOUCH /xc-a/alice/messages/blacklist/zed"] = reply;
        auto error = fixture.prepare("xc-a", full_fixture());
        ASSERT_TRUE(error.has_value()) << "'" << reply << "'";
        EXPECT_EQ(*error,
                  "TOUCH /xc-a/alice/messages/blacklist/zed: the server answered '" + reply + "'");
    }
    server.replies = {{"MKDIR /xc-a", std::string("UNKNOWN")}};
    auto unknown = fixture.prepare("xc-a", Fixture{});
    ASSERT_TRUE(unknown.has_value());
    EXPECT_EQ(*unknown, "MKDIR /xc-a: the server answered 'UNKNOWN' (it does not implement the "
                        "TF fixture commands)");
}

TEST_F(RemoteFixtureTest, TransportErrorsAreErrorsInOneLine) {
    server.replies["MKDIR /xc-a/alice"] =
        TransportError{TransportError::Kind::timeout, "timed out waiting\nfor a reply"};
    auto timed_out = fixture.prepare("xc-a", full_fixture());
    ASSERT_TRUE(timed_out.has_value());
    EXPECT_EQ(*timed_out, "MKDIR /xc-a/alice: timed out waiting for a reply");
    EXPECT_EQ(server.commands.size(), 2u);
    EXPECT_EQ(server.closes, 1u);

    server.replies.clear();
    server.commands.clear();
    server.on_send =
        TransportError{TransportError::Kind::closed, "the server closed the connection"};
    auto closed = fixture.prepare("xc-a", full_fixture());
    ASSERT_TRUE(closed.has_value());
    EXPECT_EQ(*closed, "MKDIR /xc-a: the server closed the connection");
    EXPECT_TRUE(server.commands.empty());

    server.on_send.reset();
    server.refuse_connect = TransportError{TransportError::Kind::handshake, "FAILED bad hash"};
    auto refused = fixture.prepare("xc-a", full_fixture());
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(*refused, "connecting to fake 127.0.0.1:1 for the fixture: FAILED bad hash");
}

TEST_F(RemoteFixtureTest, RefusesBadPathsBeforeConnecting) {
    std::vector<std::pair<std::string, Fixture>> cases;
    Fixture a;
    a.users = {"alice", "../alice"};
    cases.emplace_back("user '../alice'", a);
    Fixture b;
    b.dirs = {"ok/../../up"};
    cases.emplace_back("dir 'ok/../../up'", b);
    Fixture c;
    c.dirs = {"/abs"};
    cases.emplace_back("dir '/abs'", c);
    Fixture d;
    d.users = {"bob"};
    d.blacklist = {{"bob", {"../evil"}}};
    cases.emplace_back("blacklisted sender '../evil'", d);
    Fixture e;
    e.blacklist = {{"a/../..", {"x"}}};
    cases.emplace_back("blacklist user 'a/../..'", e);
    for (const auto& [what, f] : cases) {
        auto error = fixture.prepare("xc-p", f);
        ASSERT_TRUE(error.has_value()) << what;
        EXPECT_NE(error->find(what), std::string::npos) << *error;
    }
    for (const std::string org : {"", ".", "..", "a/b", "x..y"}) {
        auto error = fixture.prepare(org, Fixture{});
        ASSERT_TRUE(error.has_value()) << org;
        EXPECT_NE(error->find("org unit name"), std::string::npos) << *error;
        fixture.cleanup(org);
    }
    EXPECT_EQ(server.connects, 0u);
    EXPECT_TRUE(server.commands.empty());
}

TEST_F(RemoteFixtureTest, MessagesAndLinksAreUnsupportedAndNeverHalfMade) {
    Fixture plain = full_fixture();
    EXPECT_EQ(fixture.unsupported(plain), std::nullopt);

    const std::string messages_reason =
        "fixture message files (content and chosen timestamps) cannot be placed through the TF "
        "commands MKDIR, TOUCH, DEL, RMDIR";
    const std::string links_reason = "symlinks cannot be made through TF commands";
    Fixture with_messages = plain;
    with_messages.messages = {{"alice", "bob", 1700000000, "hi"}};
    EXPECT_EQ(fixture.unsupported(with_messages), messages_reason);
    Fixture with_links = plain;
    with_links.links = {{"escape", "../../etc"}};
    EXPECT_EQ(fixture.unsupported(with_links), links_reason);
    Fixture both = with_messages;
    both.links = with_links.links;
    EXPECT_EQ(fixture.unsupported(both), messages_reason + "; " + links_reason);

    // prepare() refuses them too rather than making the folders and dropping the rest.
    auto error = fixture.prepare("xc-m", both);
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find(messages_reason), std::string::npos) << *error;
    EXPECT_EQ(server.connects, 0u);
}

TEST_F(RemoteFixtureTest, MailboxesAreNotObservableAndDescribeNamesTheTransport) {
    EXPECT_EQ(fixture.messages("xc-a", "alice"), std::nullopt);
    EXPECT_EQ(fixture.describe(), "remote fixtures through TF commands on fake 127.0.0.1:1");
    EXPECT_EQ(server.connects, 0u);
}

TEST_F(RemoteFixtureTest, CleanupSendsOneRmdirAndIgnoresEveryError) {
    fixture.cleanup("xc-a");
    EXPECT_EQ(server.commands, std::vector<std::string>{"RMDIR /xc-a"});
    EXPECT_EQ(server.connects, 1u);
    EXPECT_EQ(server.closes, 1u);
    for (const auto timeout : server.timeouts) {
        EXPECT_EQ(timeout, 1234ms);
    }

    server.replies["RMDIR /xc-b"] = std::string("FAILED no such folder");
    fixture.cleanup("xc-b");
    server.replies["RMDIR /xc-c"] = TransportError{TransportError::Kind::timeout, "timed out"};
    fixture.cleanup("xc-c");
    server.refuse_connect = TransportError{TransportError::Kind::refused, "connection refused"};
    fixture.cleanup("xc-d");
    EXPECT_EQ(server.commands,
              (std::vector<std::string>{"RMDIR /xc-a", "RMDIR /xc-b", "RMDIR /xc-c"}));
    EXPECT_EQ(server.closes, 3u);
}

// ---- observations: LS and FSTAT ----

TEST_F(RemoteFixtureTest, ObservationsReadListingsAndStatus) {
    server.replies["LS /xc-o/bob/messages"] =
        std::string("CONT F: 1700-1\nD: blacklist/\nF: .lock\nU: fifo\nF: 1700-2\n");
    auto count = fixture.message_count("xc-o", "bob");
    ASSERT_TRUE(count.has_value());
    EXPECT_EQ(std::get<std::size_t>(*count), 2u) << "folders, dot files and others not counted";
    EXPECT_EQ(server.commands, (std::vector<std::string>{"LS /xc-o/bob/messages", "CONT"}));

    // The documented form: only the last component is the name.
    server.replies["LS /xc-o/team/carol/messages"] =
        std::string("CONT F /xc-o/team/carol/messages/a\nD /xc-o/team/carol/messages/blacklist/\n");
    count = fixture.message_count("xc-o", "team//carol/");
    EXPECT_EQ(std::get<std::size_t>(*count), 1u);

    server.replies["LS /xc-o/dan/messages"] = std::string("FAILED 10 : Directory does not exist.");
    EXPECT_EQ(std::get<std::size_t>(*fixture.message_count("xc-o", "dan")), 0u)
        << "no messages/ folder: no messages";
    server.replies["LS /xc-o/eve/messages"] = std::string("FAILED 1 : Access denied to location.");
    EXPECT_EQ(std::get<std::string>(*fixture.message_count("xc-o", "eve")),
              "LS /xc-o/eve/messages: the server answered 'FAILED 1 : Access denied to "
              "location.'");
    EXPECT_EQ(std::get<std::string>(*fixture.message_count("xc-o", "../x")),
              "path '../x/messages' must be a relative path inside the org unit")
        << "never sent";

    server.replies["LS /xc-o/bob/messages/blacklist"] =
        std::string("CONT F: mallory\nF: eve\nD: sub/\n");
    EXPECT_EQ(std::get<std::vector<std::string>>(*fixture.blacklist("xc-o", "bob")),
              (std::vector<std::string>{"eve", "mallory"}));

    server.replies["FSTAT /xc-o/bob"] = std::string("OK D 4096 1796049383 1796049383");
    server.replies["FSTAT /xc-o/bob/f"] = std::string("OK F 0 1796049383 1796049383");
    server.replies["FSTAT /xc-o/none"] = std::string("FAILED 9 : File does not exist.");
    EXPECT_TRUE(std::get<bool>(*fixture.folder_exists("xc-o", "bob")));
    EXPECT_FALSE(std::get<bool>(*fixture.folder_exists("xc-o", "bob/f")));
    EXPECT_FALSE(std::get<bool>(*fixture.folder_exists("xc-o", "none")));
    EXPECT_EQ(server.connects, server.closes) << "every connection is closed";
    EXPECT_EQ(fixture.messages("xc-o", "bob"), std::nullopt) << "contents stay out of reach";
}

// ---- against the real reference server (its MKDIR/TOUCH/RMDIR commands) ----

class RemoteFixtureServerTest : public ::testing::Test {
protected:
    test::TempRoot temp;
    test::ServerProcess server{temp};
    PlainTransport transport{"127.0.0.1", server.port()};
    RemoteFixture fixture{transport, 3000ms};
};

TEST_F(RemoteFixtureServerTest, MakesTheFoldersAndFilesOnDiskAndRemovesThem) {
    Fixture f;
    f.users = {"alice", "bob"};
    f.blacklist = {{"bob", {"mallory", "eve"}}};
    f.dirs = {"alice/messages/not-a-message", "extra/deep"};
    ASSERT_EQ(fixture.prepare("xc-remote", f), std::nullopt) << server.stderr_text();

    const fs::path org = temp.root() / "xc-remote";
    EXPECT_TRUE(fs::is_directory(org / "alice"));
    EXPECT_TRUE(fs::is_directory(org / "bob"));
    EXPECT_TRUE(fs::is_directory(org / "bob" / "messages" / "blacklist"));
    for (const char* sender : {"mallory", "eve"}) {
        const auto file = org / "bob" / "messages" / "blacklist" / sender;
        EXPECT_TRUE(fs::is_regular_file(file)) << file;
        EXPECT_EQ(fs::file_size(file), 0u) << file;
    }
    EXPECT_TRUE(fs::is_directory(org / "alice" / "messages" / "not-a-message"));
    EXPECT_TRUE(fs::is_directory(org / "extra" / "deep"));

    // The org unit exists now, so the server refuses to make it again, in its own words.
    auto again = fixture.prepare("xc-remote", Fixture{});
    ASSERT_TRUE(again.has_value());
    EXPECT_TRUE(again->starts_with("MKDIR /xc-remote: the server answered 'FAILED")) << *again;

    fixture.cleanup("xc-remote");
    EXPECT_FALSE(fs::exists(org));
    EXPECT_TRUE(fs::is_directory(temp.root()));
}

TEST_F(RemoteFixtureServerTest, ARunnerCaseOverItRunsUpToTheMailboxCheck) {
    Scenario scenario;
    scenario.id = "remote.delivery";
    scenario.name = "delivery with a remote fixture";
    scenario.sessions = {"alice", "bob"};
    scenario.fixture.users = {"alice", "bob"};
    const auto add = [&](std::string session, auto action) {
        Step s = test::make_step(std::move(session), std::move(action));
        s.json_pointer = "/steps/" + std::to_string(scenario.steps.size());
        scenario.steps.push_back(std::move(s));
    };
    LoginStep alice;
    alice.user = "alice";
    alice.interval_ns = 5'000'000;
    LoginStep bob = alice;
    bob.user = "bob";
    SendStep hello;
    hello.to = {"bob"};
    hello.text = Bytes{"hello", false};
    MailboxStep check;
    check.user = "bob";
    check.count = 1;
    ExpectStep push;
    push.match.payload_regex = "[0-9]+:alice:hello";
    MailboxStep content;
    content.user = "bob";
    content.content_regex = ".*hello.*";
    add("alice", alice);
    add("alice", hello);
    add("", check); // a count alone is observed through LS: it passes
    add("bob", bob);
    add("bob", push);
    add("", content); // last: a content check is not observable and ends the scenario

    RunnerOptions options{.step_timeout = 3000ms, .scenario_timeout = 20000ms};
    std::atomic<bool> cancel{false};
    const auto result = run_scenario(scenario, transport, fixture, options, cancel);
    EXPECT_EQ(result.verdict, Verdict::skipped) << result.message;
    EXPECT_EQ(result.failed_step, 5u);
    EXPECT_EQ(result.skip_reason,
              "mailbox check not observable through remote fixtures through TF commands on " +
                  transport.describe() +
                  " (message contents: content_regex and no_content_regex need a local "
                  "fixture); every step before it passed");
    // The fixture was made through TF commands (bob got the push) and removed afterwards.
    for (const auto& entry : fs::directory_iterator(temp.root())) {
        EXPECT_FALSE(entry.path().filename().string().starts_with("xc-")) << entry.path();
    }
}

TEST_F(RemoteFixtureServerTest, ObservesTheMailboxThroughLsAndFstat) {
    Fixture f;
    f.users = {"alice", "bob"};
    f.blacklist = {{"bob", {"mallory", "eve"}}};
    f.dirs = {"bob/messages/not-a-message"};
    ASSERT_EQ(fixture.prepare("xc-seen", f), std::nullopt) << server.stderr_text();
    const fs::path messages = temp.root() / "xc-seen" / "bob" / "messages";
    EXPECT_EQ(std::get<std::size_t>(*fixture.message_count("xc-seen", "bob")), 0u)
        << "blacklist/ and other folders are not messages";
    EXPECT_EQ(std::get<std::size_t>(*fixture.message_count("xc-seen", "alice")), 0u)
        << "no messages/ yet";
    for (const char* name : {"1700000000-a", "1700000001-b", ".hidden"}) {
        test::write_file(messages / name, "1700000000:alice:hi");
    }
    fs::create_symlink(messages / "1700000000-a", messages / "1700000002-link");
    EXPECT_EQ(std::get<std::size_t>(*fixture.message_count("xc-seen", "bob")), 2u);
    EXPECT_EQ(std::get<std::vector<std::string>>(*fixture.blacklist("xc-seen", "bob")),
              (std::vector<std::string>{"eve", "mallory"}));
    EXPECT_TRUE(std::get<bool>(*fixture.folder_exists("xc-seen", "bob/messages/not-a-message")));
    EXPECT_FALSE(std::get<bool>(*fixture.folder_exists("xc-seen", "bob/messages/1700000000-a")));
    EXPECT_FALSE(std::get<bool>(*fixture.folder_exists("xc-seen", "carol")));
    // A listing longer than one chunk is read whole.
    for (int i = 0; i < 400; ++i) {
        test::write_file(messages / ("1700000100-message-number-" + std::to_string(i)), "x");
    }
    EXPECT_EQ(std::get<std::size_t>(*fixture.message_count("xc-seen", "bob")), 402u);
    fixture.cleanup("xc-seen");
}

TEST_F(RemoteFixtureServerTest, ACountCheckThatDoesNotHoldFailsRemotely) {
    Scenario scenario;
    scenario.id = "remote.count";
    scenario.name = "a wrong count with a remote fixture";
    scenario.sessions = {"alice"};
    scenario.fixture.users = {"alice", "bob"};
    MailboxStep check;
    check.user = "bob";
    check.count = 1;
    Step s = test::make_step("", check);
    s.json_pointer = "/steps/0";
    scenario.steps.push_back(std::move(s));
    RunnerOptions options{.step_timeout = 300ms, .scenario_timeout = 5000ms};
    std::atomic<bool> cancel{false};
    const auto result = run_scenario(scenario, transport, fixture, options, cancel);
    EXPECT_EQ(result.verdict, Verdict::fail) << result.message;
    EXPECT_EQ(result.message, "mailbox check failed: 0 messages (expected mailbox of 'bob': 1 "
                              "messages)");
}

} // namespace
} // namespace xsime::harness
