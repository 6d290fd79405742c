// The runner against deliberately broken servers: each case fails (never passes, never hangs)
// with a message that names the actual problem, within its scenario deadline.
#include "harness/local_fixture.hpp"
#include "harness/plain_connection.hpp"
#include "harness/scenario_runner.hpp"
#include "protocol/opcode.hpp"
#include "tests/support/misbehaving_server.hpp"
#include "tests/support/scenario_steps.hpp"
#include "tests/support/server_process.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace xsime::harness {
namespace {

using namespace std::chrono_literals;
using Mode = test::MisbehavingServer::Mode;
using steady = std::chrono::steady_clock;

struct Expectation {
    Mode mode;
    Verdict verdict;
    std::vector<std::string> message_parts; // every one must appear in the message
    std::chrono::milliseconds step_timeout;
    std::size_t failed_step; // which step notices the problem
};

std::ostream& operator<<(std::ostream& out, const Expectation& e) {
    return out << test::MisbehavingServer::name(e.mode);
}

// Log in, send a message to oneself, expect it back as a push, exit: the simplest exchange
// that touches every reply kind the misbehaving modes break.
Scenario login_scenario() {
    Scenario s;
    s.id = "misbehaving.login";
    s.name = "login against a misbehaving server";
    s.clauses = {"TEST"};
    s.requirement = "a test";
    s.keywords = {"test"};
    s.sessions = {"alice"};
    s.fixture.users = {"alice"};
    LoginStep login;
    login.user = "alice";
    login.interval_ns = 5'000'000;
    SendStep send;
    send.to = {"alice"};
    send.text = Bytes{"hi", false};
    ExpectStep expect;
    expect.match.opcode = protocol::raw(protocol::Opcode::message);
    expect.match.from = "alice";
    expect.match.text = Bytes{"hi", false};
    s.steps = {test::make_step("alice", login), test::make_step("alice", send),
               test::make_step("alice", expect), test::make_step("alice", ExitStep{})};
    for (std::size_t i = 0; i < s.steps.size(); ++i) {
        s.steps[i].json_pointer = "/steps/" + std::to_string(i);
    }
    return s;
}

class MisbehavingTarget : public ::testing::TestWithParam<Expectation> {};

TEST_P(MisbehavingTarget, FailsWithADiagnosisWithinTheDeadline) {
    const auto& want = GetParam();
    test::TempRoot temp;
    LocalFixture fixture(temp.root());
    std::atomic<bool> cancel{false};
    RunnerOptions options;
    options.step_timeout = want.step_timeout;
    options.scenario_timeout = 3000ms;

    const auto start = steady::now();
    CaseResult result;
    {
        test::MisbehavingServer server(want.mode);
        PlainTransport transport("127.0.0.1", server.port());
        result = run_scenario(login_scenario(), transport, fixture, options, cancel);
    }
    const auto elapsed = steady::now() - start; // includes the server's shutdown

    std::string transcript;
    for (const auto& entry : result.transcript) {
        transcript += entry.decoded + "\n";
    }
    EXPECT_EQ(result.verdict, want.verdict) << result.message << "\n" << transcript;
    for (const auto& part : want.message_parts) {
        EXPECT_NE(result.message.find(part), std::string::npos)
            << "'" << part << "' not in: " << result.message << "\n"
            << transcript;
    }
    EXPECT_EQ(result.failed_step, want.failed_step) << result.message;
    EXPECT_FALSE(result.transcript.empty());
    EXPECT_LT(elapsed, 6s) << "scenario deadline 3 s";
}

INSTANTIATE_TEST_SUITE_P(
    Modes, MisbehavingTarget,
    ::testing::Values(
        // Opcode 3 sz 0 instead of the org-unit status.
        Expectation{Mode::wrong_opcode,
                    Verdict::fail,
                    {"protocol error", "unknown opcode 0x03", "org-unit (0x01) status 0"},
                    1000ms,
                    0},
        // Statuses 0 look the same either way; the push's sz does not.
        Expectation{Mode::little_endian_sz,
                    Verdict::fail,
                    {"protocol error", "over the 16384-byte payload limit", "little-endian"},
                    1000ms,
                    2},
        Expectation{Mode::silence,
                    Verdict::fail,
                    {"nothing received within 1000 ms", "expected org-unit (0x01) status 0"},
                    1000ms,
                    0},
        Expectation{Mode::reset, Verdict::fail, {"closed by the target", "reset"}, 1000ms, 0},
        Expectation{Mode::garbage, Verdict::fail, {"protocol error"}, 1000ms, 0},
        // The first status drips in within 2 s; the second would end at 4 s, after the
        // scenario deadline, with part of it received.
        Expectation{Mode::slow_drip,
                    Verdict::fail,
                    {"nothing received within", "bytes of an incomplete frame arrived",
                     "scenario deadline of 3000 ms"},
                    5000ms,
                    0},
        Expectation{Mode::ascii_opcode,
                    Verdict::fail,
                    {"protocol error", "looks like ASCII '1'"},
                    1000ms,
                    0}),
    [](const ::testing::TestParamInfo<Expectation>& param) {
        return std::string(test::MisbehavingServer::name(param.param.mode));
    });

TEST(MisbehavingServer, SlowDripStillDeliversCorrectRepliesGivenTime) {
    // The drip is slow, not wrong: with enough time the same login passes its first
    // steps, so the failure above is about time alone.
    test::TempRoot temp;
    LocalFixture fixture(temp.root());
    std::atomic<bool> cancel{false};
    RunnerOptions options;
    options.step_timeout = 4000ms;
    options.scenario_timeout = 12000ms;
    auto scenario = login_scenario();
    scenario.steps.resize(1); // login only: two 5-byte statuses, 2 s each
    test::MisbehavingServer server(Mode::slow_drip);
    PlainTransport transport("127.0.0.1", server.port());
    const auto result = run_scenario(scenario, transport, fixture, options, cancel);
    EXPECT_EQ(result.verdict, Verdict::pass) << result.message;
}

TEST(MisbehavingServer, StopsPromptlyWithAClientConnected) {
    auto server = std::make_unique<test::MisbehavingServer>(Mode::silence);
    auto connection = PlainConnection::connect("127.0.0.1", server->port(), 2000ms);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<PlainConnection>>(connection));
    const auto start = steady::now();
    server.reset();
    EXPECT_LT(steady::now() - start, 1s);
}

} // namespace
} // namespace xsime::harness
