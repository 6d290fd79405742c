// The repeat step: its block written out round by round, ${i} inside it, and its load errors.
#include "harness/steps/send_step.hpp"
#include "tests/support/scenario_text.hpp"

#include <gtest/gtest.h>

namespace xsime::harness {
namespace {

using test::errors_of;
using test::listing;
using test::only_error;
using test::scenario_with;
using json = nlohmann::ordered_json;

json repeat(json count, json steps) {
    return {{"repeat", {{"count", std::move(count)}, {"steps", std::move(steps)}}}};
}

json send_numbered() {
    return {{"session", "alice"}, {"send", {{"to", {"bob"}}, {"text", "burst-${i:02}"}}}};
}

TEST(RepeatStep, WritesTheBlockOutRoundByRound) {
    const json expect = {{"session", "bob"}, {"expect", {{"text", "burst-${i:02}"}}}};
    auto parsed = test::load(scenario_with({{{"session", "alice"}, {"login", {{"user", "alice"}}}},
                                            repeat(3, {send_numbered(), expect}),
                                            {{"session", "bob"}, {"exit", json::object()}}}));
    ASSERT_TRUE(std::holds_alternative<Scenario>(parsed))
        << listing(std::get<std::vector<LoadError>>(parsed));
    const auto& steps = std::get<Scenario>(parsed).steps;
    ASSERT_EQ(steps.size(), 1U + 3 * 2 + 1);
    for (std::size_t round = 1; round <= 3; ++round) {
        const auto& send = steps[1 + (round - 1) * 2];
        const auto& wait = steps[2 + (round - 1) * 2];
        EXPECT_EQ(send.kind, "send");
        EXPECT_EQ(send.json_pointer, "/steps/1/repeat/steps/0");
        EXPECT_EQ(wait.json_pointer, "/steps/1/repeat/steps/1");
        EXPECT_EQ(send.locals.at("i"), std::to_string(round));
        EXPECT_EQ(wait.locals.at("i"), std::to_string(round));
        ASSERT_NE(send.as<SendStep>(), nullptr);
        EXPECT_EQ(send.as<SendStep>()->text.value, "burst-${i:02}"); // expanded when it runs
    }
    EXPECT_TRUE(steps.back().locals.empty());
}

TEST(RepeatStep, CounterNamesASessionPerRound) {
    auto parsed = test::load(
        scenario_with({repeat(3, {{{"session", "u${i:02}"}, {"login", {{"user", "u${i:02}"}}}}})},
                      {"u01", "u02", "u03"}));
    ASSERT_TRUE(std::holds_alternative<Scenario>(parsed))
        << listing(std::get<std::vector<LoadError>>(parsed));
    const auto& steps = std::get<Scenario>(parsed).steps;
    ASSERT_EQ(steps.size(), 3U);
    EXPECT_EQ(steps[0].session, "u01");
    EXPECT_EQ(steps[2].session, "u03");

    const auto errors = errors_of(scenario_with(
        {repeat(3, {{{"session", "u${i:02}"}, {"login", {{"user", "x"}}}}})}, {"u01", "u02"}));
    EXPECT_TRUE(
        only_error(errors, "/steps/0/repeat/steps/0/session", "session \"u03\" is not declared"))
        << listing(errors);
}

TEST(RepeatStep, NestedRepeatsNeedTheirOwnCounter) {
    const json inner = {
        {"repeat",
         {{"count", 2},
          {"var", "j"},
          {"steps",
           {{{"session", "alice"}, {"send", {{"to", {"bob"}}, {"text", "${i}.${j}"}}}}}}}}};
    auto parsed = test::load(scenario_with({repeat(2, {inner})}));
    ASSERT_TRUE(std::holds_alternative<Scenario>(parsed))
        << listing(std::get<std::vector<LoadError>>(parsed));
    const auto& steps = std::get<Scenario>(parsed).steps;
    ASSERT_EQ(steps.size(), 4U);
    EXPECT_EQ(steps[3].locals.at("i"), "2");
    EXPECT_EQ(steps[3].locals.at("j"), "2");
    EXPECT_EQ(steps[3].json_pointer, "/steps/0/repeat/steps/0/repeat/steps/0");

    const auto shadow = errors_of(scenario_with({repeat(2, {repeat(2, {send_numbered()})})}));
    EXPECT_TRUE(only_error(shadow, "/steps/0/repeat/steps/0/repeat/var",
                           "the counter ${i} is already defined here"))
        << listing(shadow);
}

TEST(RepeatStep, CountMustBeAPositiveIntegerWithinTheBound) {
    for (const json& count : {json(0), json(-1), json(1001), json("3"), json(2.5), json(nullptr)}) {
        SCOPED_TRACE(count.dump());
        const auto errors = errors_of(scenario_with({repeat(count, {send_numbered()})}));
        EXPECT_TRUE(
            only_error(errors, "/steps/0/repeat/count", "expected an integer from 1 to 1000"))
            << listing(errors);
    }
    EXPECT_TRUE(errors_of(scenario_with({repeat(1000, {send_numbered()})})).empty());
    // With a bad count the block is still read once: its own mistakes show too.
    const auto both = errors_of(scenario_with(
        {repeat(0, {{{"session", "alice"}, {"setup", {{"timestamp", "${org+1}"}}}}})}));
    ASSERT_EQ(both.size(), 2U) << listing(both);
    EXPECT_EQ(both[0].pointer, "/steps/0/repeat/count");
    EXPECT_EQ(both[1].pointer, "/steps/0/repeat/steps/0/setup/timestamp");
    EXPECT_NE(both[1].message.find("org is the org unit's name, text"), std::string::npos);
}

TEST(RepeatStep, BlockErrorsAreReportedOnceWithTheirPointer) {
    const auto missing = errors_of(scenario_with({{{"repeat", {{"count", 2}}}}}));
    EXPECT_TRUE(only_error(missing, "/steps/0/repeat/steps", "required field \"steps\" is missing"))
        << listing(missing);
    const auto empty = errors_of(scenario_with({repeat(2, json::array())}));
    EXPECT_TRUE(only_error(empty, "/steps/0/repeat/steps", "expected a non-empty array of steps"))
        << listing(empty);
    const auto bad_step = errors_of(scenario_with(
        {repeat(5, {{{"session", "alice"}, {"send", {{"to", {"bob"}}, {"text", 5}}}}})}));
    EXPECT_TRUE(only_error(bad_step, "/steps/0/repeat/steps/0/send/text", "expected a string"))
        << listing(bad_step);
    const auto bad_var = errors_of(
        scenario_with({{{"repeat", {{"count", 2}, {"var", "1x"}, {"steps", {send_numbered()}}}}}}));
    EXPECT_TRUE(only_error(bad_var, "/steps/0/repeat/var", "expected a counter name"))
        << listing(bad_var);
    const auto unknown = errors_of(
        scenario_with({{{"repeat", {{"count", 2}, {"times", 2}, {"steps", {send_numbered()}}}}}}));
    EXPECT_TRUE(only_error(unknown, "/steps/0/repeat/times", "unknown key \"times\""))
        << listing(unknown);
}

TEST(RepeatStep, CounterOutsideItsRepeatIsALoadError) {
    const auto before = errors_of(scenario_with({send_numbered()}));
    EXPECT_TRUE(only_error(before, "/steps/0/send/text",
                           "\"${i:02}\" is not defined here: ${i} is a repeat's counter, usable "
                           "only inside its steps"))
        << listing(before);
    const auto after = errors_of(scenario_with({repeat(2, {send_numbered()}), send_numbered()}));
    EXPECT_TRUE(only_error(after, "/steps/1/send/text", "is not defined here")) << listing(after);
}

} // namespace
} // namespace xsime::harness
