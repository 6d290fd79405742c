// Tests of client scenarios as the loader reads them: the subject, which step kinds each
// subject allows, and the client step kinds' models and mistakes.
#include "harness/scenario_loader.hpp"
#include "harness/steps/driver_step.hpp"
#include "harness/steps/expect_event_step.hpp"
#include "harness/steps/expect_frame_step.hpp"
#include "harness/steps/expect_no_event_step.hpp"
#include "harness/steps/expect_tf_step.hpp"
#include "harness/steps/push_step.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace xsime::harness {
namespace {

using json = nlohmann::json;

json client_scenario(json steps) {
    return json{{"id", "client.example"},
                {"name", "an example"},
                {"subject", "client"},
                {"clauses", {"PUSH-FORMAT"}},
                {"requirement", "timestamp:user:message"},
                {"level", "must"},
                {"keywords", {"client"}},
                {"sessions", {"server"}},
                {"steps", std::move(steps)}};
}

std::variant<Scenario, std::vector<LoadError>> parse(const json& doc) {
    return parse_scenario(doc.dump(), "client/example.json");
}

std::string errors_text(const std::variant<Scenario, std::vector<LoadError>>& parsed) {
    std::string out;
    if (const auto* errors = std::get_if<std::vector<LoadError>>(&parsed)) {
        for (const auto& error : *errors) {
            out += format(error) + "\n";
        }
    }
    return out;
}

Scenario load_ok(const json& doc) {
    auto parsed = parse(doc);
    EXPECT_TRUE(std::holds_alternative<Scenario>(parsed)) << errors_text(parsed);
    return std::holds_alternative<Scenario>(parsed) ? std::get<Scenario>(parsed) : Scenario{};
}

// Exactly one error, at `pointer`, containing `part`.
::testing::AssertionResult one_error(const json& doc, const std::string& pointer,
                                     const std::string& part) {
    const auto parsed = parse(doc);
    const auto* errors = std::get_if<std::vector<LoadError>>(&parsed);
    if (errors == nullptr || errors->size() != 1) {
        return ::testing::AssertionFailure() << "expected one error, got:\n" << errors_text(parsed);
    }
    const auto& error = errors->front();
    if (error.file != "client/example.json" || error.pointer != pointer ||
        error.message.find(part) == std::string::npos) {
        return ::testing::AssertionFailure() << "got: " << format(error);
    }
    return ::testing::AssertionSuccess();
}

TEST(ClientScenario, LoadsEveryClientStepIntoItsModel) {
    const auto scenario = load_ok(client_scenario(json::array({
        {{"driver", {{"cmd", "setup"}, {"unique", true}, {"timestamp", 7}}}},
        {{"driver", {{"cmd", "send"}, {"to", {"alice", "bob"}}, {"text_hex", "ff00"}}}},
        {{"accept", json::object()}},
        {{"expect_tf", {{"command", "XSIME_START"}, {"reply", "OK"}}}},
        {{"expect_frame", {{"opcode", "setup"}, {"sz", 1}, {"u64", 7}}}},
        {{"push", {{"timestamp", "${org}"}, {"from", "alice"}, {"text", "a:b"}}}},
        {{"expect_event", {{"event", {"error", "closed"}}, {"within_ms", 200}}}},
        {{"expect_no_event", {{"ms", 100}, {"event", "message"}}}},
        {{"send_raw", {{"hex", "05 ff ff ff ff"}}}},
    })));
    EXPECT_EQ(scenario.subject, Subject::client);
    ASSERT_EQ(scenario.steps.size(), 9U);
    const auto* setup = scenario.steps[0].as<DriverStep>();
    ASSERT_NE(setup, nullptr);
    EXPECT_EQ(setup->cmd, "setup");
    EXPECT_TRUE(setup->unique);
    EXPECT_FALSE(setup->auto_delete);
    EXPECT_EQ(setup->number.value, 7U);
    const auto* send = scenario.steps[1].as<DriverStep>();
    ASSERT_NE(send, nullptr);
    EXPECT_EQ(send->to, (std::vector<std::string>{"alice", "bob"}));
    ASSERT_TRUE(send->message.has_value());
    EXPECT_EQ(send->message->value, std::string("\xff\x00", 2));
    EXPECT_TRUE(send->message->literal);
    const auto* tf = scenario.steps[3].as<ExpectTfStep>();
    ASSERT_NE(tf, nullptr);
    EXPECT_EQ(tf->reply, std::optional<std::string>("OK"));
    const auto* frame = scenario.steps[4].as<ExpectFrameStep>();
    ASSERT_NE(frame, nullptr);
    EXPECT_EQ(frame->opcode, 4U);
    EXPECT_EQ(frame->sz, std::optional<std::int32_t>(1));
    ASSERT_TRUE(frame->u64.has_value());
    EXPECT_EQ(frame->u64->value, 7U);
    const auto* push = scenario.steps[5].as<PushStep>();
    ASSERT_NE(push, nullptr);
    EXPECT_EQ(push->timestamp.reference, "${org}");
    const auto* event = scenario.steps[6].as<ExpectEventStep>();
    ASSERT_NE(event, nullptr);
    EXPECT_EQ(event->match.events, (std::vector<std::string>{"error", "closed"}));
    EXPECT_EQ(event->within_ms, 200U);
    const auto* quiet = scenario.steps[7].as<ExpectNoEventStep>();
    ASSERT_NE(quiet, nullptr);
    EXPECT_EQ(quiet->events, (std::vector<std::string>{"message"}));
}

TEST(ClientScenario, SubjectDefaultsToServerAndIsChecked) {
    auto doc = client_scenario(json::array({{{"sleep", {{"ms", 1}}}}}));
    doc.erase("subject");
    EXPECT_EQ(load_ok(doc).subject, Subject::server);
    doc["subject"] = "browser";
    EXPECT_TRUE(one_error(doc, "/subject", "expected a subject: server or client"));
}

TEST(ClientScenario, StepsOfTheOtherSubjectAreRefusedNamingTheAllowedOnes) {
    EXPECT_TRUE(one_error(client_scenario(json::array({{{"login", {{"user", "bob"}}}}})),
                          "/steps/0/login",
                          "a login step belongs in a server scenario; this scenario's subject "
                          "is client (its steps: expect_nothing, expect_close, send_raw"));
    auto server = client_scenario(json::array({{{"driver", {{"cmd", "connect"}}}}}));
    server["subject"] = "server";
    EXPECT_TRUE(one_error(server, "/steps/0/driver", "a driver step belongs in a client scenario"));
}

TEST(ClientScenario, AClientScenarioHasNoFixture) {
    auto doc = client_scenario(json::array({{{"accept", json::object()}}}));
    doc["fixture"] = {{"users", {"bob"}}};
    EXPECT_TRUE(one_error(doc, "/fixture", "a client scenario has no fixture"));
}

TEST(ClientScenario, DriverCommandMistakesNameTheField) {
    EXPECT_TRUE(one_error(client_scenario(json::array({{{"driver", {{"cmd", "login"}}}}})),
                          "/steps/0/driver/cmd", "expected a driver command (connect, start"));
    EXPECT_TRUE(
        one_error(client_scenario(json::array({{{"driver", {{"cmd", "start"}, {"path", "x"}}}}})),
                  "/steps/0/driver/path", "unknown key \"path\" in a start command"));
    EXPECT_TRUE(one_error(client_scenario(json::array({{{"driver", {{"cmd", "user"}}}}})),
                          "/steps/0/driver/name", "required field \"name\" is missing"));
    EXPECT_TRUE(
        one_error(client_scenario(json::array({{{"driver", {{"cmd", "send"}, {"to", {"a"}}}}}})),
                  "/steps/0/driver", "text"));
}

TEST(ClientScenario, EventKindsAndCommandsAreChecked) {
    EXPECT_TRUE(one_error(client_scenario(json::array({{{"expect_event", {{"event", "done"}}}}})),
                          "/steps/0/expect_event/event", "expected an event kind (ok, failed"));
    EXPECT_TRUE(one_error(
        client_scenario(json::array({{{"expect_event", {{"event", "ok"}, {"cmd", "stat"}}}}})),
        "/steps/0/expect_event/cmd", "expected a driver command"));
    EXPECT_TRUE(
        one_error(client_scenario(json::array({{{"expect_no_event", {{"event", "message"}}}}})),
                  "/steps/0/expect_no_event/ms", "required field \"ms\" is missing"));
    EXPECT_TRUE(
        one_error(client_scenario(json::array(
                      {{{"expect_frame", {{"opcode", "setup"}, {"payload", "x"}, {"u64", 1}}}}})),
                  "/steps/0/expect_frame/u64", "not both"));
}

} // namespace
} // namespace xsime::harness
