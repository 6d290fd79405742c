// Tests of one client case end to end with drivers that misbehave (sh scripts): each gives a
// clear failure naming what the driver did, within the step deadline, with its stderr kept.
#include "harness/client_case.hpp"
#include "harness/scenario_loader.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace xsime::harness {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* hello = R"(echo '{"event":"hello","protocol":1,"client":"fake 1"}'; )";

Scenario scenario_with(json steps) {
    const json doc{
        {"id", "client.fake"},        {"name", "a fake driver"}, {"subject", "client"},
        {"clauses", {"PUSH-FORMAT"}}, {"requirement", "r"},      {"level", "must"},
        {"keywords", {"client"}},     {"sessions", {"server"}},  {"steps", std::move(steps)}};
    auto parsed = parse_scenario(doc.dump(), "client/fake.json");
    if (!std::holds_alternative<Scenario>(parsed)) {
        ADD_FAILURE() << "the test's scenario does not load";
        return {};
    }
    return std::get<Scenario>(parsed);
}

struct Ran {
    CaseResult result;
    std::chrono::steady_clock::duration took;
};

Ran run_with(const std::string& script, const json& steps, bool shell = true) {
    RunnerOptions options;
    options.step_timeout = 500ms;
    options.scenario_timeout = 5000ms;
    const std::atomic<bool> cancel{false};
    const ClientUnderTest client{script, shell, nullptr};
    const auto started = std::chrono::steady_clock::now();
    auto result = run_client_case(scenario_with(steps), client, options, cancel);
    return {std::move(result), std::chrono::steady_clock::now() - started};
}

const json just_sleep = json::array({{{"sleep", {{"ms", 1}}}}});

bool transcript_has(const CaseResult& result, const std::string& part) {
    for (const auto& entry : result.transcript) {
        if (entry.decoded.find(part) != std::string::npos) {
            return true;
        }
    }
    return false;
}

TEST(ClientCase, AWellBehavedDriverPasses) {
    const auto ran =
        run_with(std::string(hello) + R"(cat >/dev/null; echo '{"event":"done"}')", just_sleep);
    EXPECT_EQ(ran.result.verdict, Verdict::pass) << ran.result.message;
}

TEST(ClientCase, ADriverThatNeverSpeaksFailsAtTheStepDeadline) {
    const auto ran = run_with("exec sleep 30", just_sleep);
    EXPECT_EQ(ran.result.verdict, Verdict::fail);
    EXPECT_NE(ran.result.message.find("driver: "), std::string::npos) << ran.result.message;
    EXPECT_NE(ran.result.message.find("hello"), std::string::npos) << ran.result.message;
    EXPECT_LT(ran.took, 10s);
}

TEST(ClientCase, ADriverThatExitsEarlySaysItsStatusAndKeepsItsStderr) {
    const auto ran = run_with(
        std::string(hello) + "echo 'client library crashed' >&2; exit 3",
        json::array({{{"driver", {{"cmd", "connect"}}}}, {{"expect_event", {{"event", "ok"}}}}}));
    EXPECT_EQ(ran.result.verdict, Verdict::fail);
    EXPECT_NE(ran.result.message.find("3"), std::string::npos) << ran.result.message;
    EXPECT_TRUE(transcript_has(ran.result, "client library crashed"));
}

TEST(ClientCase, GarbageOnStdoutIsQuoted) {
    const auto ran = run_with(std::string(hello) + "echo 'Segmentation fault'; sleep 5",
                              json::array({{{"expect_event", {{"event", "ok"}}}}}));
    EXPECT_EQ(ran.result.verdict, Verdict::fail);
    EXPECT_NE(ran.result.message.find("not JSON"), std::string::npos) << ran.result.message;
    EXPECT_NE(ran.result.message.find("Segmentation fault"), std::string::npos);
    EXPECT_LT(ran.took, 10s);
}

TEST(ClientCase, AClientThatNeverConnectsFailsTheAccept) {
    const auto ran =
        run_with(std::string(hello) + "sleep 5", json::array({{{"accept", json::object()}}}));
    EXPECT_EQ(ran.result.verdict, Verdict::fail);
    EXPECT_NE(ran.result.message.find("did not connect"), std::string::npos) << ran.result.message;
    EXPECT_LT(ran.took, 10s);
}

TEST(ClientCase, ADriverThatCannotRunIsAnErrorOfTheRun) {
    const auto ran = run_with("/nonexistent/xsime-driver {host} {port}", just_sleep, false);
    EXPECT_EQ(ran.result.verdict, Verdict::error);
    EXPECT_NE(ran.result.message.find("/nonexistent/xsime-driver"), std::string::npos)
        << ran.result.message;
}

TEST(ClientCase, AMessageNoStepExpectedFailsTheCase) {
    const auto ran = run_with(
        std::string(hello) +
            R"(cat >/dev/null; echo '{"event":"message","timestamp":1,"from":"a","text":"x"}'; )"
            R"(echo '{"event":"done"}')",
        just_sleep);
    EXPECT_EQ(ran.result.verdict, Verdict::fail);
    EXPECT_NE(ran.result.message.find("never pushed"), std::string::npos) << ran.result.message;
}

TEST(ClientCase, ADriverThatDoesNotExitAfterDoneIsKilledAtTheDeadline) {
    const auto ran =
        run_with(std::string(hello) + R"(cat >/dev/null; echo '{"event":"done"}'; exec sleep 30)",
                 just_sleep);
    EXPECT_EQ(ran.result.verdict, Verdict::fail);
    EXPECT_NE(ran.result.message.find("driver: "), std::string::npos) << ran.result.message;
    EXPECT_LT(ran.took, 10s);
}

// A client that sends two frames straight away (bash's /dev/tcp), then waits for stdin's end.
constexpr const char* two_frames =
    R"(bash -c 'echo "{\"event\":\"hello\",\"protocol\":1,\"client\":\"fake\"}"; )"
    R"(exec 3<>/dev/tcp/127.0.0.1/{port}; printf "\001\000\000\000\003ime\002\000\000\000\003ime" >&3; )"
    R"(cat >/dev/null; echo "{\"event\":\"done\"}"')";

TEST(ClientCase, PayloadRegexMatchesTheWholePayloadAndCaptures) {
    const auto ran = run_with(
        two_frames,
        json::array(
            {{{"expect_frame", {{"opcode", "org_unit"}, {"payload_regex", "(?<path>i.e)"}}}},
             {{"expect_frame", {{"opcode", "user"}, {"payload", "${path}"}}}}}),
        false);
    EXPECT_EQ(ran.result.verdict, Verdict::pass) << ran.result.message;
    const auto wrong = run_with(
        two_frames,
        json::array({{{"expect_frame", {{"opcode", "org_unit"}, {"payload_regex", "im"}}}}}),
        false);
    EXPECT_EQ(wrong.result.verdict, Verdict::fail);
    EXPECT_NE(wrong.result.message.find("the payload does not match"), std::string::npos)
        << wrong.result.message;
}

} // namespace
} // namespace xsime::harness
