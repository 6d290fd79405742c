// The scenario runner against the real reference server (`xsime-conform serve` on a temp
// root): hand-built scenarios, one behaviour per test, every wait bounded.
#include "harness/local_fixture.hpp"
#include "harness/plain_connection.hpp"
#include "harness/scenario_loader.hpp"
#include "harness/scenario_runner.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_framing.hpp"
#include "tests/support/scenario_steps.hpp"
#include "tests/support/server_process.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <thread>
#include <vector>

namespace xsime::harness {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using protocol::Opcode;
using steady = std::chrono::steady_clock;

constexpr std::uint8_t op(Opcode o) {
    return protocol::raw(o);
}

Bytes text(std::string value) {
    return Bytes{std::move(value), false};
}

Bytes literal(std::string value) {
    return Bytes{std::move(value), true};
}

template <class A>
Step step(std::string session, A action, std::string note = {}) {
    return test::make_step(std::move(session), std::move(action), std::move(note));
}

LoginStep login(std::string user, std::optional<std::uint64_t> interval_ns = 5'000'000) {
    LoginStep l;
    l.user = std::move(user);
    l.interval_ns = interval_ns;
    return l;
}

SendStep send(std::vector<std::string> to, std::string message) {
    SendStep s;
    s.to = std::move(to);
    s.text = text(std::move(message));
    return s;
}

ExpectStep expect_push(std::string from, std::string message) {
    ExpectStep e;
    e.match.opcode = op(Opcode::message);
    e.match.from = std::move(from);
    e.match.text = text(std::move(message));
    return e;
}

TfCommandStep tf_command(std::string command, std::optional<std::string> expect_reply) {
    TfCommandStep t;
    t.command = std::move(command);
    t.expect_reply = std::move(expect_reply);
    return t;
}

SleepStep sleep_ms(std::uint32_t ms) {
    SleepStep s;
    s.ms = ms;
    return s;
}

ExpectStep expect_header(std::uint8_t opcode, std::int32_t sz) {
    ExpectStep e;
    e.match.opcode = opcode;
    e.match.sz = sz;
    return e;
}

Scenario make_scenario(std::string id, std::vector<std::string> sessions, std::vector<Step> steps,
                       Fixture fixture = {}) {
    Scenario s;
    s.id = std::move(id);
    s.name = "test scenario " + s.id;
    s.clauses = {"TEST"};
    s.requirement = "a test";
    s.keywords = {"test"};
    s.sessions = std::move(sessions);
    for (std::size_t i = 0; i < steps.size(); ++i) {
        steps[i].json_pointer = "/steps/" + std::to_string(i);
    }
    s.steps = std::move(steps);
    s.fixture = std::move(fixture);
    return s;
}

Fixture users(std::vector<std::string> names) {
    Fixture f;
    f.users = std::move(names);
    return f;
}

std::string transcript_text(const CaseResult& result) {
    std::string out;
    for (const auto& entry : result.transcript) {
        const char* arrow = entry.kind == TranscriptEntry::Kind::sent       ? "→ "
                            : entry.kind == TranscriptEntry::Kind::received ? "← "
                                                                            : "";
        out += "[" + entry.session + "] " + arrow + entry.decoded + "\n";
    }
    return out;
}

// What a failing assertion prints: enough to see why without rerunning.
std::string explain(const CaseResult& result) {
    return "verdict " + std::to_string(static_cast<int>(result.verdict)) + " message '" +
           result.message + "' expected '" + result.expected + "' actual '" + result.actual +
           "'\n" + transcript_text(result);
}

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

// A FixtureHost that prepares like a local one but cannot look into mailboxes (a remote
// target), to check that mailbox steps become "skipped".
class BlindFixture final : public FixtureHost {
public:
    explicit BlindFixture(fs::path root) : local_(std::move(root)) {}
    std::optional<std::string> prepare(const std::string& org, const Fixture& f) override {
        return local_.prepare(org, f);
    }
    void cleanup(const std::string& org) override { local_.cleanup(org); }
    std::optional<std::vector<std::string>> messages(const std::string&,
                                                     const std::string&) override {
        return std::nullopt;
    }
    std::optional<std::variant<std::size_t, std::string>>
    message_count(const std::string&, const std::string&) override {
        return std::nullopt;
    }
    std::string describe() const override { return "a blind test fixture"; }

private:
    LocalFixture local_;
};

class RunnerTest : public ::testing::Test {
protected:
    CaseResult run(const Scenario& scenario, FixtureHost* host = nullptr) {
        return run_scenario(scenario, transport, host ? *host : fixture, options, cancel);
    }
    // No org unit is left behind by a run, pass or fail.
    void expect_root_clean() {
        for (const auto& entry : fs::directory_iterator(temp.root())) {
            EXPECT_FALSE(entry.path().filename().string().starts_with("xc-")) << entry.path();
        }
    }

    test::TempRoot temp;
    test::ServerProcess server{temp};
    PlainTransport transport{"127.0.0.1", server.port()};
    LocalFixture fixture{temp.root()};
    RunnerOptions options{.step_timeout = 3000ms, .scenario_timeout = 20000ms};
    std::atomic<bool> cancel{false};
};

TEST_F(RunnerTest, OrgNamesAreFreshAndSafe) {
    const auto a = make_org_name("delivery.One_recipient");
    const auto b = make_org_name("delivery.One_recipient");
    EXPECT_EQ(a.substr(0, a.size() - 8), "xc-delivery--ne-recipient-");
    EXPECT_NE(a, b);
    for (const char c : a) {
        EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') << a;
    }
}

TEST_F(RunnerTest, PassingLoginSendExpectExit) {
    auto scenario = make_scenario("delivery.one-recipient", {"alice", "bob"},
                                  {step("alice", login("alice")), step("bob", login("bob")),
                                   step("alice", send({"bob"}, "hello")),
                                   step("bob",
                                        [] {
                                            ExpectStep e;
                                            e.match.opcode = op(Opcode::message);
                                            e.match.payload_regex = "(?<ts>[0-9]+):alice:hello";
                                            e.match.timestamp_within_s = 5;
                                            return e;
                                        }()),
                                   step("bob", ExitStep{}), step("alice", ExitStep{})},
                                  users({"alice", "bob"}));
    const auto result = run(scenario);
    EXPECT_EQ(result.verdict, Verdict::pass) << explain(result);
    EXPECT_TRUE(result.message.empty());
    EXPECT_FALSE(result.failed_step.has_value());
    EXPECT_TRUE(result.transcript.empty()); // not kept for a pass by default
    EXPECT_EQ(result.id, "delivery.one-recipient");
    EXPECT_EQ(result.area, "delivery");
    EXPECT_GT(result.duration.count(), 0);
    expect_root_clean();

    options.keep_passing_transcripts = true;
    const auto kept = run(scenario);
    ASSERT_EQ(kept.verdict, Verdict::pass) << explain(kept);
    const auto text = transcript_text(kept);
    EXPECT_TRUE(contains(text, "[alice] → TF 'XSIME_START'")) << text;
    EXPECT_TRUE(contains(text, "[alice] ← TF 'OK'")) << text;
    EXPECT_TRUE(contains(text, "[alice] → setup (0x04) flags 0 ts 0")) << text;
    EXPECT_TRUE(contains(text, "[alice] ← org-unit (0x01) status 0")) << text;
    EXPECT_TRUE(contains(text, "[alice] → message (0x05) 'bob: hello'")) << text;
    EXPECT_TRUE(contains(text, ":alice:hello")) << text;
    EXPECT_TRUE(contains(text, "[bob] ← push ")) << text;
    EXPECT_TRUE(contains(text, "[bob] ← exit (0x00) sz 0")) << text;
    // Raw bytes are kept: the org-unit status is exactly 01 00 00 00 00.
    bool saw_status = false;
    for (std::size_t i = 1; i < kept.transcript.size(); ++i) {
        EXPECT_GE(kept.transcript[i].offset, kept.transcript[i - 1].offset);
        if (kept.transcript[i].decoded == "org-unit (0x01) status 0") {
            EXPECT_EQ(kept.transcript[i].bytes, std::string("\x01\0\0\0\0", 5));
            saw_status = true;
        }
    }
    EXPECT_TRUE(saw_status);
}

TEST_F(RunnerTest, CapturesAreUsedByLaterSteps) {
    ExpectStep capture;
    capture.match.payload_regex = "(?<ts>[0-9]+):(?<sender>[a-z]+):hello";
    ExpectStep echoed;
    echoed.match.from = "bob";
    echoed.match.text_regex = "got ${ts} from ${sender}";
    auto scenario = make_scenario("captures.reuse", {"alice", "bob"},
                                  {step("alice", login("alice")), step("bob", login("bob")),
                                   step("alice", send({"bob"}, "hello")), step("bob", capture),
                                   step("bob", send({"alice"}, "got ${ts} from ${sender}")),
                                   step("alice", echoed)},
                                  users({"alice", "bob"}));
    options.keep_passing_transcripts = true;
    const auto result = run(scenario);
    ASSERT_EQ(result.verdict, Verdict::pass) << explain(result);
    // The text that went out carried the captured values, not the ${} names.
    const auto text = transcript_text(result);
    EXPECT_FALSE(contains(text, "${ts}")) << text;
    EXPECT_TRUE(contains(text, " from alice'")) << text;

    // A capture that does not exist is a harness error naming the field.
    ExpectStep unknown;
    unknown.match.payload_regex = "${nope}:.*";
    auto broken =
        make_scenario("captures.unknown", {"alice"},
                      {step("alice", login("alice")), step("alice", unknown)}, users({"alice"}));
    const auto error = run(broken);
    EXPECT_EQ(error.verdict, Verdict::error) << explain(error);
    EXPECT_EQ(error.message, "unknown capture ${nope} in /steps/1/expect/payload_regex");
    EXPECT_EQ(error.failed_step, 1u);
    expect_root_clean();
}

TEST_F(RunnerTest, ExpectNothingPassesOnSilenceAndFailsOnAPush) {
    auto quiet = make_scenario(
        "quiet.alone", {"alice"},
        {step("alice", login("alice")), step("alice", ExpectNothingStep{300})}, users({"alice"}));
    const auto start = steady::now();
    const auto passed = run(quiet);
    EXPECT_EQ(passed.verdict, Verdict::pass) << explain(passed);
    EXPECT_GE(steady::now() - start, 300ms);

    auto noisy = make_scenario("quiet.noisy", {"alice", "bob"},
                               {step("alice", login("alice")), step("bob", login("bob")),
                                step("alice", send({"bob"}, "psst")),
                                step("bob", ExpectNothingStep{3000}, "bob must hear nothing")},
                               users({"alice", "bob"}));
    const auto failed = run(noisy);
    EXPECT_EQ(failed.verdict, Verdict::fail) << explain(failed);
    EXPECT_TRUE(contains(failed.message, "received push ")) << failed.message;
    EXPECT_TRUE(contains(failed.message, ":alice:psst")) << failed.message;
    EXPECT_TRUE(contains(failed.message, "session bob: ")) << failed.message;
    EXPECT_EQ(failed.failed_step_note, "bob must hear nothing");
    EXPECT_EQ(failed.expected, "nothing for 3000 ms");
    EXPECT_EQ(failed.failed_step, 3u);
    EXPECT_EQ(failed.failed_step_pointer, "/steps/3");
}

TEST_F(RunnerTest, ExpectCloseAfterANegativeSz) {
    std::string frame = protocol::encode_header(protocol::Header{op(Opcode::message), -5});
    auto scenario =
        make_scenario("bad.negative-sz", {"alice"},
                      {step("alice", login("alice")), step("alice", SendRawStep{literal(frame)}),
                       step("alice", ExpectCloseStep{3000})},
                      users({"alice"}));
    options.keep_passing_transcripts = true;
    const auto result = run(scenario);
    EXPECT_EQ(result.verdict, Verdict::pass) << explain(result);
    const auto text = transcript_text(result);
    EXPECT_TRUE(contains(text, "header message (0x05) sz -5")) << text;
    EXPECT_TRUE(contains(text, "closed by the target")) << text;

    auto open = make_scenario("bad.stays-open", {"alice"},
                              {step("alice", login("alice")), step("alice", ExpectCloseStep{300})},
                              users({"alice"}));
    const auto failed = run(open);
    EXPECT_EQ(failed.verdict, Verdict::fail) << explain(failed);
    EXPECT_TRUE(failed.message.starts_with("still open after ")) << failed.message;
}

TEST_F(RunnerTest, AnyOfAcceptsAnyAlternativeAndListsThemAllOnFailure) {
    // Opcode 5 before the module is ready: a -1 status (ours) or a close (others) is fine.
    const std::vector<std::string> to{"bob"};
    const auto early = protocol::encode_send(to, "too early");
    AnyOfStep either;
    either.alternatives = {ExpectCloseStep{2000}, expect_header(op(Opcode::message), -1)};
    auto passing =
        make_scenario("order.send-first", {"alice"},
                      {step("alice", StartStep{}), step("alice", SendRawStep{literal(early)}),
                       step("alice", either)});
    const auto passed = run(passing);
    EXPECT_EQ(passed.verdict, Verdict::pass) << explain(passed);

    AnyOfStep neither;
    neither.alternatives = {expect_header(op(Opcode::org_unit), 0), ExpectCloseStep{500},
                            expect_header(op(Opcode::message), 0)};
    auto failing =
        make_scenario("order.send-first-bad", {"alice"},
                      {step("alice", StartStep{}), step("alice", SendRawStep{literal(early)}),
                       step("alice", neither)});
    const auto failed = run(failing);
    EXPECT_EQ(failed.verdict, Verdict::fail) << explain(failed);
    EXPECT_TRUE(contains(failed.message, "no alternative matches message (0x05) status -1"))
        << failed.message;
    EXPECT_TRUE(contains(failed.expected, "expect opcode org-unit (0x01), sz 0 | expect_close | "
                                          "expect opcode message (0x05), sz 0"))
        << failed.expected;
    EXPECT_TRUE(contains(failed.message, "#1: opcode message (0x05) instead of org-unit"))
        << failed.message;
    EXPECT_TRUE(contains(failed.message, "#2: not a close")) << failed.message;
    EXPECT_TRUE(contains(failed.message, "#3: sz -1 instead of 0")) << failed.message;

    // Nothing at all: the wait lasts the largest within_ms, then says so.
    AnyOfStep slow;
    ExpectStep quick = expect_header(op(Opcode::org_unit), 0);
    quick.within_ms = 100;
    slow.alternatives = {quick, ExpectCloseStep{400}};
    auto silent =
        make_scenario("order.silent", {"alice"},
                      {step("alice", login("alice")), step("alice", slow)}, users({"alice"}));
    const auto start = steady::now();
    const auto timed_out = run(silent);
    EXPECT_EQ(timed_out.verdict, Verdict::fail) << explain(timed_out);
    EXPECT_TRUE(timed_out.message.starts_with("nothing received within ")) << timed_out.message;
    EXPECT_TRUE(contains(timed_out.message, "one of: ")) << timed_out.message;
    EXPECT_GE(steady::now() - start, 400ms);
}

TEST_F(RunnerTest, MailboxCountAndContent) {
    Fixture f = users({"alice", "bob"});
    f.messages = {{"bob", "carol", 1600000000, "from the fixture"}};
    MailboxStep check;
    check.user = "bob";
    check.count = 2;
    check.content_regex = "[0-9]+:alice:hello";
    check.no_content_regex = ".*secret.*";
    auto scenario = make_scenario(
        "mailbox.count", {"alice"},
        {step("alice", login("alice")), step("alice", send({"bob"}, "hello")), step("", check)}, f);
    const auto passed = run(scenario);
    EXPECT_EQ(passed.verdict, Verdict::pass) << explain(passed);

    MailboxStep wrong;
    wrong.user = "bob";
    wrong.count = 5;
    options.step_timeout = 500ms; // the mailbox check polls until the step timeout
    test::set_action(scenario.steps[2], wrong);
    const auto failed = run(scenario);
    EXPECT_EQ(failed.verdict, Verdict::fail) << explain(failed);
    EXPECT_TRUE(contains(failed.message, "mailbox check failed: 2 messages")) << failed.message;
    EXPECT_TRUE(contains(failed.actual, "1600000000:carol:from the fixture")) << failed.actual;

    MailboxStep forbidden;
    forbidden.user = "bob";
    forbidden.count = 2; // waits for the delivery, so the forbidden content is there to find
    forbidden.no_content_regex = ".*:alice:.*";
    test::set_action(scenario.steps[2], forbidden);
    const auto leaked = run(scenario);
    EXPECT_EQ(leaked.verdict, Verdict::fail) << explain(leaked);
    EXPECT_TRUE(contains(leaked.message, ":alice:hello' matches /.*:alice:.*/")) << leaked.message;
    expect_root_clean();
}

// A mailbox check also waits (it polls until it holds), so the steps after it may rely on
// it: an unobservable one stops the scenario, skipped, rather than going on without the wait.
TEST_F(RunnerTest, UnobservableMailboxCheckStopsTheScenarioAsSkipped) {
    BlindFixture blind(temp.root());
    MailboxStep check;
    check.user = "bob";
    check.count = 1;
    ExpectStep wrong; // the target would fail this step: it must not be reached
    wrong.match.payload_regex = "[0-9]+:alice:goodbye";
    auto scenario =
        make_scenario("mailbox.blind", {"alice", "bob"},
                      {step("alice", login("alice")), step("alice", send({"bob"}, "hello")),
                       step("", check), step("bob", login("bob")), step("bob", wrong)},
                      users({"alice", "bob"}));
    options.step_timeout = 500ms;
    const auto result = run(scenario, &blind);
    EXPECT_EQ(result.verdict, Verdict::skipped) << explain(result);
    EXPECT_EQ(result.skip_reason, "mailbox check not observable through a blind test fixture "
                                  "(message count); every step before it passed");
    EXPECT_EQ(result.failed_step, 2u);
    const auto text = transcript_text(result);
    EXPECT_NE(text.find("mailbox check not observable"), std::string::npos) << text;
    EXPECT_EQ(text.find("'bob'"), std::string::npos) << "bob never logged in: " << text;
    expect_root_clean();

    // A step before the check that the target fails still fails the case.
    ExpectStep early_wrong;
    early_wrong.match.payload_regex = "nothing like this";
    scenario.steps.insert(scenario.steps.begin() + 2, step("alice", early_wrong));
    const auto failed = run(scenario, &blind);
    EXPECT_EQ(failed.verdict, Verdict::fail) << explain(failed);
    EXPECT_EQ(failed.failed_step, 2u);
    EXPECT_TRUE(failed.skip_reason.empty()) << failed.skip_reason;
}

// A local host that refuses fixtures with links (as a remote one does), and counts what
// was asked of it.
class LimitedFixture final : public FixtureHost {
public:
    explicit LimitedFixture(fs::path root) : local_(std::move(root)) {}
    std::optional<std::string> prepare(const std::string& org, const Fixture& f) override {
        ++prepared;
        return local_.prepare(org, f);
    }
    void cleanup(const std::string& org) override {
        ++cleaned;
        local_.cleanup(org);
    }
    std::optional<std::vector<std::string>> messages(const std::string& org,
                                                     const std::string& user) override {
        return local_.messages(org, user);
    }
    std::optional<std::variant<std::size_t, std::string>>
    message_count(const std::string& org, const std::string& user) override {
        return local_.message_count(org, user);
    }
    std::string describe() const override { return "a limited test fixture"; }
    std::optional<std::string> unsupported(const Fixture& f) const override {
        if (f.links.empty()) {
            return std::nullopt;
        }
        return "no links here";
    }
    int prepared = 0;
    int cleaned = 0;

private:
    LocalFixture local_;
};

// Counts connections, to show that a skipped case sends nothing.
class CountingTransport final : public Transport {
public:
    explicit CountingTransport(Transport& inner) : inner_(inner) {}
    std::variant<std::unique_ptr<Connection>, TransportError> connect(Deadline timeout) override {
        ++connects;
        return inner_.connect(timeout);
    }
    std::string describe() const override { return inner_.describe(); }
    int connects = 0;

private:
    Transport& inner_;
};

TEST_F(RunnerTest, AFixtureTheHostCannotMakeSkipsTheCaseBeforeAnythingIsSent) {
    LimitedFixture limited(temp.root());
    CountingTransport counting(transport);
    Fixture f = users({"alice"});
    f.links = {{"escape", "../../etc"}};
    auto scenario = make_scenario("fixture.links", {"alice"},
                                  {step("alice", login("alice")), step("alice", ExitStep{})}, f);
    const auto skipped = run_scenario(scenario, counting, limited, options, cancel);
    EXPECT_EQ(skipped.verdict, Verdict::skipped) << explain(skipped);
    EXPECT_EQ(skipped.skip_reason, "needs a local fixture: no links here");
    EXPECT_EQ(limited.prepared, 0);
    EXPECT_EQ(limited.cleaned, 0);
    EXPECT_EQ(counting.connects, 0);

    // The same host with a fixture it can make runs the case.
    scenario.fixture.links.clear();
    const auto passed = run_scenario(scenario, counting, limited, options, cancel);
    EXPECT_EQ(passed.verdict, Verdict::pass) << explain(passed);
    EXPECT_EQ(limited.prepared, 1);
    EXPECT_EQ(limited.cleaned, 1);
    EXPECT_GT(counting.connects, 0);
}

TEST_F(RunnerTest, FixtureMessagesAreDeliveredAtLogin) {
    // Checks LocalFixture's file naming against the real server.
    Fixture f = users({"alice"});
    f.messages = {{"alice", "carol", 1600000000, "waiting: for you"}};
    ExpectStep e;
    e.match.payload = text("1600000000:carol:waiting: for you");
    auto scenario = make_scenario("fixture.delivered", {"alice"},
                                  {step("alice", login("alice")), step("alice", e)}, f);
    const auto result = run(scenario);
    EXPECT_EQ(result.verdict, Verdict::pass) << explain(result);
}

TEST_F(RunnerTest, SendChunksSplitsAHeader) {
    const std::vector<std::string> to{"bob"};
    const auto frame = protocol::encode_send(to, "split");
    SendChunksStep chunks;
    chunks.chunks = {literal(frame.substr(0, 2)), literal(frame.substr(2, 2)),
                     literal(frame.substr(4))};
    chunks.delay_ms = 150;
    auto scenario =
        make_scenario("chunks.header", {"alice", "bob"},
                      {step("alice", login("alice")), step("bob", login("bob")),
                       step("alice", chunks), step("bob", expect_push("alice", "split"))},
                      users({"alice", "bob"}));
    options.keep_passing_transcripts = true;
    const auto start = steady::now();
    const auto result = run(scenario);
    EXPECT_EQ(result.verdict, Verdict::pass) << explain(result);
    EXPECT_GE(steady::now() - start, 300ms); // two pauses
    // One transcript entry per chunk.
    std::size_t alice_sends_after_login = 0;
    for (const auto& entry : result.transcript) {
        if (entry.kind == TranscriptEntry::Kind::sent && entry.session == "alice" &&
            (entry.bytes.size() == 2 || entry.bytes == frame.substr(4))) {
            ++alice_sends_after_login;
        }
    }
    EXPECT_EQ(alice_sends_after_login, 3u) << transcript_text(result);
}

TEST_F(RunnerTest, CancelStopsALongWaitPromptly) {
    auto scenario = make_scenario(
        "cancel.long", {"alice"},
        {step("alice", login("alice")), step("alice", ExpectNothingStep{20000})}, users({"alice"}));
    std::thread canceller([this] {
        std::this_thread::sleep_for(500ms);
        cancel.store(true);
    });
    const auto start = steady::now();
    const auto result = run(scenario);
    const auto elapsed = steady::now() - start;
    canceller.join();
    EXPECT_EQ(result.verdict, Verdict::error) << explain(result);
    EXPECT_TRUE(result.message.starts_with("run deadline reached")) << result.message;
    EXPECT_LT(elapsed, 2500ms);
    expect_root_clean();

    // Already cancelled: nothing is prepared or sent.
    const auto again = run(scenario);
    EXPECT_EQ(again.verdict, Verdict::error);
    EXPECT_EQ(again.message, "run deadline reached");
}

TEST_F(RunnerTest, UnreachableTargetIsAnError) {
    boost::asio::io_context io;
    std::uint16_t port = 0;
    {
        // A port that was free a moment ago: nothing listens there now.
        boost::asio::ip::tcp::acceptor probe(
            io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
        port = probe.local_endpoint().port();
    }
    PlainTransport nowhere("127.0.0.1", port);
    auto scenario = make_scenario("net.unreachable", {"alice"}, {step("alice", login("alice"))},
                                  users({"alice"}));
    const auto result = run_scenario(scenario, nowhere, fixture, options, cancel);
    EXPECT_EQ(result.verdict, Verdict::error) << explain(result);
    EXPECT_TRUE(result.message.starts_with("target unreachable: ")) << result.message;
    expect_root_clean();
}

TEST_F(RunnerTest, FailureCarriesStepPointerNoteAndTranscript) {
    LoginStep bad = login("alice");
    bad.org_unit = "/no-such-org-unit";
    auto scenario = make_scenario("login.bad-org", {"alice"},
                                  {step("alice", bad, "the org unit does not exist")});
    const auto result = run(scenario);
    EXPECT_EQ(result.verdict, Verdict::fail) << explain(result);
    EXPECT_TRUE(contains(result.message, "org-unit (0x01) for org unit '/no-such-org-unit' "
                                         "answered status -1 (expected 0)"))
        << result.message;
    EXPECT_EQ(result.failed_step_note, "the org unit does not exist");
    EXPECT_EQ(result.message.find("note"), std::string::npos) << "the note is not repeated";
    EXPECT_EQ(result.failed_step, 0u);
    EXPECT_EQ(result.failed_step_pointer, "/steps/0");
    EXPECT_EQ(result.failed_step_note, "the org unit does not exist");
    EXPECT_EQ(result.actual, "org-unit (0x01) status -1");
    const auto text = transcript_text(result);
    EXPECT_TRUE(contains(text, "org-unit (0x01) '/no-such-org-unit'")) << text;
    bool raw = false;
    for (const auto& entry : result.transcript) {
        raw = raw || (entry.kind == TranscriptEntry::Kind::received &&
                      entry.bytes == std::string("\x01\xff\xff\xff\xff", 5));
    }
    EXPECT_TRUE(raw) << text;
}

TEST_F(RunnerTest, ExitStartAndLoginTrackTheSessionLevel) {
    auto scenario = make_scenario(
        "module.reenter", {"alice", "bob"},
        {step("alice", login("alice")), step("alice", ExitStep{}), step("alice", StartStep{}),
         // Back in the module with the configuration remembered: no login needed.
         step("alice", send({"alice"}, "again")), step("alice", expect_push("alice", "again")),
         step("alice", ExitStep{}),
         // A login right after start must not send XSIME_START a second time.
         step("bob", StartStep{}), step("bob", login("bob")), step("bob", send({"bob"}, "third")),
         step("bob", expect_push("bob", "third"))},
        users({"alice", "bob"}));
    const auto result = run(scenario);
    EXPECT_EQ(result.verdict, Verdict::pass) << explain(result);
}

TEST_F(RunnerTest, TfCommandsAndCloseThenReconnect) {
    TfCommandStep unknown = tf_command("NOT_A_COMMAND", std::string("UNKNOWN"));
    // END has no reply, it closes: a "tf" step waits for a reply, so END goes as raw bytes.
    SendRawStep end{literal(protocol::encode_tf_message("END"))};
    TfCommandStep any_reply = tf_command("ANOTHER", std::nullopt);
    auto scenario = make_scenario(
        "tf.commands", {"alice"},
        {step("alice", unknown), step("alice", login("alice")), step("alice", CloseStep{}),
         // The next step connects again, at the TF level.
         step("alice", login("alice")), step("alice", ExitStep{}), step("alice", any_reply),
         step("alice", end), step("alice", ExpectCloseStep{2000})},
        users({"alice"}));
    const auto result = run(scenario);
    EXPECT_EQ(result.verdict, Verdict::pass) << explain(result);

    TfCommandStep wrong = tf_command("NOT_A_COMMAND", std::string("OK"));
    auto failing = make_scenario("tf.wrong", {"alice"}, {step("alice", wrong)});
    const auto failed = run(failing);
    EXPECT_EQ(failed.verdict, Verdict::fail) << explain(failed);
    EXPECT_EQ(failed.message, "NOT_A_COMMAND answered 'UNKNOWN' (expected 'OK')");
}

TEST_F(RunnerTest, ExpectMismatchAndTimeoutMessages) {
    auto mismatch =
        make_scenario("expect.mismatch", {"alice"},
                      {step("alice", login("alice")), step("alice", send({"alice"}, "one")),
                       step("alice", expect_push("alice", "two"))},
                      users({"alice"}));
    const auto failed = run(mismatch);
    EXPECT_EQ(failed.verdict, Verdict::fail) << explain(failed);
    EXPECT_TRUE(contains(failed.message, "received frame does not match: text 'one' instead of "
                                         "'two'"))
        << failed.message;

    ExpectStep skipping = expect_push("alice", "two");
    skipping.skip_pushes = true;
    skipping.within_ms = 500;
    test::set_action(mismatch.steps[2], skipping);
    const auto timed_out = run(mismatch);
    EXPECT_EQ(timed_out.verdict, Verdict::fail) << explain(timed_out);
    EXPECT_TRUE(timed_out.message.starts_with("nothing received within ")) << timed_out.message;
    EXPECT_TRUE(contains(timed_out.message, "1 non-matching pushes skipped")) << timed_out.message;
}

TEST_F(RunnerTest, ScenarioDeadlineBoundsEverything) {
    auto scenario =
        make_scenario("deadline.sleep", {"alice"},
                      {step("alice", login("alice")), step("", sleep_ms(5000))}, users({"alice"}));
    scenario.timeout_ms = 600;
    const auto start = steady::now();
    const auto result = run(scenario);
    EXPECT_EQ(result.verdict, Verdict::fail) << explain(result);
    EXPECT_TRUE(contains(result.message, "scenario deadline of 600 ms reached during sleep"))
        << result.message;
    EXPECT_LT(steady::now() - start, 2000ms);
}

// ---- end to end with the loader: the JSON contract and the runner agree ----

TEST_F(RunnerTest, LoadedScenarioWithCapturesOrgAndHexRuns) {
    // "$$" is a literal '$' in text and regexes; a capture is used in a later send and
    // expect; hex bytes that spell "${x}" are sent as they are, never expanded.
    constexpr std::string_view json = R"({
      "id": "e2e.loaded",
      "name": "a loaded scenario uses ${org}, captures and literal hex",
      "clauses": ["TEST"], "requirement": "a test", "level": "must", "keywords": ["test"],
      "fixture": {"users": ["alice", "bob"]},
      "sessions": ["alice", "bob"],
      "steps": [
        {"session": "alice", "login": {"user": "alice", "org_unit": "/${org}"}},
        {"session": "bob", "login": {"user": "bob", "interval_ms": 5}},
        {"session": "alice", "send": {"to": ["bob"], "text": "cost $$5"}},
        {"session": "bob", "expect": {"opcode": "message",
                                      "payload_regex": "(?<ts>[0-9]+):alice:cost \\$$5"}},
        {"session": "bob", "send": {"to": ["alice"], "text": "ack ${ts}"}},
        {"session": "alice", "expect": {"from": "bob", "text": "ack ${ts}"}},
        {"session": "alice", "send_raw": {"hex": "05 00 00 00 0a 62 6f 62 3a 20 24 7b 78 7d 21"}},
        {"session": "bob", "expect": {"text_hex": "24 7b 78 7d 21"}},
        {"mailbox": {"user": "bob", "count": 2, "content_regex": "[0-9]+:alice:cost \\$$5"}}
      ]
    })";
    auto parsed = parse_scenario(json, "e2e/loaded.json");
    if (auto* errors = std::get_if<std::vector<LoadError>>(&parsed)) {
        FAIL() << format(errors->front());
    }
    options.keep_passing_transcripts = true;
    const auto result = run(std::get<Scenario>(parsed));
    EXPECT_EQ(result.verdict, Verdict::pass) << explain(result);
    EXPECT_TRUE(contains(transcript_text(result), "'bob: ${x}!'")) << transcript_text(result);
}

// repeat, generated bytes and arithmetic on a captured timestamp, against the real server.
TEST_F(RunnerTest, RepeatFillAndArithmeticRun) {
    const std::string json = R"({
      "id": "e2e.engine", "name": "the scenario engine's forms", "clauses": ["TEST"],
      "requirement": "a test", "level": "must", "keywords": ["test"],
      "fixture": {"users": ["alice", "bob"]},
      "sessions": ["alice", "bob"],
      "steps": [
        {"session": "alice", "login": {"user": "alice"}},
        {"session": "bob", "login": {"user": "bob", "interval_ms": 5}},
        {"repeat": {"count": 3, "steps": [
          {"session": "alice", "send": {"to": ["bob"], "text": "n${i:02}"}},
          {"session": "bob", "expect": {"from": "alice", "text": "n${i:02}"}}]}},
        {"session": "alice", "send": {"to": ["bob"], "text": {"fill": "ab", "count": 101}}},
        {"session": "bob", "expect": {"payload_regex": "(?<t>[0-9]+):alice:(ab)+a",
                                      "text": {"fill": "ab", "count": 101}}},
        {"session": "bob", "setup": {"timestamp": "${t+1}"}},
        {"session": "bob", "expect_nothing": {"ms": 100}}
      ]
    })";
    auto parsed = parse_scenario(json, "e2e/engine.json");
    if (auto* errors = std::get_if<std::vector<LoadError>>(&parsed)) {
        FAIL() << format(errors->front());
    }
    options.keep_passing_transcripts = true;
    const auto result = run(std::get<Scenario>(parsed));
    EXPECT_EQ(result.verdict, Verdict::pass) << explain(result);
    const auto text = transcript_text(result);
    for (const auto* message : {"alice:n01", "alice:n02", "alice:n03"}) {
        EXPECT_TRUE(contains(text, message)) << text;
    }
    // The setup carried the captured push timestamp plus one.
    const auto at = text.find(":alice:abab");
    ASSERT_NE(at, std::string::npos) << text;
    const auto start = text.rfind(' ', at) + 1;
    const auto pushed = std::stoull(text.substr(start, at - start));
    EXPECT_TRUE(contains(text, "ts " + std::to_string(pushed + 1))) << text;

    // A failure inside the block names its round.
    auto wrong = parse_scenario(
        std::string(json).replace(json.find("\"n${i:02}\"}}]"), 13, "\"n${i:01}\"}}]"),
        "e2e/engine.json");
    ASSERT_TRUE(std::holds_alternative<Scenario>(wrong));
    options.keep_passing_transcripts = false;
    const auto failed = run(std::get<Scenario>(wrong));
    EXPECT_EQ(failed.verdict, Verdict::fail) << explain(failed);
    EXPECT_EQ(failed.failed_step_pointer, "/steps/2/repeat/steps/1");
    EXPECT_TRUE(contains(failed.message, "(i = 1)")) << failed.message;
}

#ifdef XSIME_SCENARIOS_DIR
TEST_F(RunnerTest, EveryShippedScenarioPassesAgainstTheReferenceServer) {
    const auto loaded = load_scenarios({XSIME_SCENARIOS_DIR});
    for (const auto& error : loaded.errors) {
        ADD_FAILURE() << format(error);
    }
    ASSERT_FALSE(loaded.scenarios.empty());
    for (const auto& scenario : loaded.scenarios) {
        if (scenario.subject != Subject::server) {
            continue; // client scenarios: tests/suite/client_suite_test.sh
        }
        const auto result = run(scenario);
        EXPECT_EQ(result.verdict, Verdict::pass) << scenario.id << ": " << explain(result);
    }
    expect_root_clean();
}
#endif

} // namespace
} // namespace xsime::harness
