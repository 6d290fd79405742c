// Root causes (harness/attribution.hpp): which failures are consequences, and the deviations.
#include "harness/attribution.hpp"
#include "harness/outcome.hpp"
#include "tests/support/case_results.hpp"

#include <gtest/gtest.h>

namespace xsime::harness {
namespace {

using test::case_of;
using test::run_of;

// A case with `verdict` that checks `clauses` and relies on `relies_on`.
CaseResult scenario_case(std::string id, Verdict verdict, std::vector<std::string> clauses,
                         std::vector<std::string> relies_on = {}) {
    CaseResult result = case_of(std::move(id), verdict);
    result.clauses = std::move(clauses);
    result.relies_on = std::move(relies_on);
    return result;
}

std::string consequence(const CaseResult& result) {
    if (!result.consequence_of) {
        return "";
    }
    return result.consequence_of->clause + " see " + result.consequence_of->case_id;
}

std::vector<std::string> deviation_clauses(const RunResult& run) {
    std::vector<std::string> out;
    for (const auto& deviation : find_deviations(run)) {
        out.push_back(deviation.clause);
    }
    return out;
}

TEST(Attribution, AFailureRelyingOnAFailedClauseIsItsConsequence) {
    auto run = run_of({
        scenario_case("delivery.burst", Verdict::fail, {"DELIVERY-EXACTLY-ONCE"}),
        scenario_case("framing.big-endian", Verdict::fail, {"HDR-SZ-BIG-ENDIAN"},
                      {"DELIVERY-EXACTLY-ONCE"}),
    });
    attribute_consequences(run);
    EXPECT_EQ(consequence(run.cases[0]), "");
    EXPECT_EQ(consequence(run.cases[1]), "DELIVERY-EXACTLY-ONCE see delivery.burst");
    const auto deviations = find_deviations(run);
    ASSERT_EQ(deviations.size(), 1u);
    EXPECT_EQ(deviations[0].clause, "DELIVERY-EXACTLY-ONCE");
    EXPECT_EQ(deviations[0].cases, std::vector<std::size_t>{0});
    EXPECT_EQ(deviations[0].consequences, std::vector<std::size_t>{1});
    EXPECT_EQ(summarize(run, false).consequences, 1);
}

TEST(Attribution, ReliedOnClausesThatPassedExplainNothing) {
    auto run = run_of({
        scenario_case("delivery.burst", Verdict::pass, {"DELIVERY-EXACTLY-ONCE"}),
        scenario_case("framing.big-endian", Verdict::fail, {"HDR-SZ-BIG-ENDIAN"},
                      {"DELIVERY-EXACTLY-ONCE"}),
    });
    attribute_consequences(run);
    EXPECT_EQ(consequence(run.cases[1]), "");
    EXPECT_EQ(deviation_clauses(run), std::vector<std::string>{"HDR-SZ-BIG-ENDIAN"});
}

TEST(Attribution, ErrorsAndSkipsProveNothing) {
    auto run = run_of({
        scenario_case("delivery.burst", Verdict::error, {"DELIVERY-EXACTLY-ONCE"}),
        scenario_case("delivery.other", Verdict::skipped, {"DELIVERY-EXACTLY-ONCE"}),
        scenario_case("framing.big-endian", Verdict::fail, {"HDR-SZ-BIG-ENDIAN"},
                      {"DELIVERY-EXACTLY-ONCE"}),
    });
    attribute_consequences(run);
    EXPECT_EQ(consequence(run.cases[2]), "");
}

// a.b fails because A broke, so it proves nothing about B: a.c, which relies on B, is
// reported on its own rather than hidden behind a chain.
TEST(Attribution, AConsequenceProvesNothing) {
    auto run = run_of({
        scenario_case("a.c", Verdict::fail, {"C"}, {"B"}),
        scenario_case("a.b", Verdict::fail, {"B"}, {"A"}),
        scenario_case("a.a", Verdict::fail, {"A"}),
    });
    attribute_consequences(run);
    EXPECT_EQ(consequence(run.cases[0]), "");
    EXPECT_EQ(consequence(run.cases[1]), "A see a.a");
    EXPECT_EQ(consequence(run.cases[2]), "");
    const auto deviations = find_deviations(run);
    ASSERT_EQ(deviations.size(), 2u);
    EXPECT_EQ(deviations[0].clause, "A");
    EXPECT_EQ(deviations[0].consequences, (std::vector<std::size_t>{1}));
    EXPECT_EQ(deviations[1].clause, "C");
}

// Failures relying on each other's clauses: the one most others are linked to is the root
// (a.x: a.y and a.z rely on X), and the others follow from it.
TEST(Attribution, ACycleIsBrokenAtTheMostBlamedFailure) {
    auto run = run_of({
        scenario_case("a.x", Verdict::fail, {"X"}, {"Y"}),
        scenario_case("a.y", Verdict::fail, {"Y"}, {"X"}),
        scenario_case("a.z", Verdict::fail, {"Z"}, {"X"}),
    });
    attribute_consequences(run);
    EXPECT_EQ(consequence(run.cases[0]), "");
    EXPECT_EQ(consequence(run.cases[1]), "X see a.x");
    EXPECT_EQ(consequence(run.cases[2]), "X see a.x");
    EXPECT_EQ(deviation_clauses(run), std::vector<std::string>{"X"});
}

// A cycle with a way out: a.r is a root, so a.y follows from it; a.x's only link is to a.y,
// now a consequence, so a.x stands on its own.
TEST(Attribution, ACycleWithAWayOutIsResolvedFromTheRoot) {
    auto run = run_of({
        scenario_case("a.x", Verdict::fail, {"X"}, {"Y"}),
        scenario_case("a.y", Verdict::fail, {"Y"}, {"X", "R"}),
        scenario_case("a.r", Verdict::fail, {"R"}),
    });
    attribute_consequences(run);
    EXPECT_EQ(consequence(run.cases[0]), "");
    EXPECT_EQ(consequence(run.cases[1]), "R see a.r");
    EXPECT_EQ(deviation_clauses(run), (std::vector<std::string>{"R", "X"}));
}

TEST(Attribution, ARepetitionOfTheSameScenarioIsNeverItsCause) {
    auto run = run_of({
        scenario_case("a.x", Verdict::fail, {"X", "Y"}, {}),
        test::as_repetition(scenario_case("a.x", Verdict::fail, {"X", "Y"}, {}), 1),
        scenario_case("a.y", Verdict::fail, {"Z"}, {"Y"}),
    });
    run.cases[0].relies_on = {"W"};
    attribute_consequences(run);
    EXPECT_EQ(consequence(run.cases[0]), "");
    EXPECT_EQ(consequence(run.cases[1]), "");
    EXPECT_EQ(consequence(run.cases[2]), "Y see a.x");
}

// The fewest clauses account for the root failures: a clause shared by two failures is one
// deviation, not three.
TEST(Attribution, DeviationsAreTheFewestClausesCoveringTheRootFailures) {
    auto run = run_of({
        scenario_case("d.burst-to-many", Verdict::fail, {"SEND-ONE-TO-MANY", "DELIVERY-ONCE"}),
        scenario_case("d.burst", Verdict::fail, {"DELIVERY-ONCE"}),
        scenario_case("f.ascii", Verdict::fail, {"OPCODES-RAW", "ASCII-OPCODES"}),
    });
    attribute_consequences(run);
    const auto deviations = find_deviations(run);
    ASSERT_EQ(deviations.size(), 2u);
    EXPECT_EQ(deviations[0].clause, "DELIVERY-ONCE");
    EXPECT_EQ(deviations[0].cases, (std::vector<std::size_t>{1, 0})); // in id order
    // A tie goes to the clause the case names first.
    EXPECT_EQ(deviations[1].clause, "OPCODES-RAW");
}

// Cases finish in any order; the root causes do not depend on it.
TEST(Attribution, TheOrderOfTheCasesChangesNothing) {
    const std::vector<CaseResult> cases = {
        scenario_case("a.a", Verdict::fail, {"A"}),
        scenario_case("a.b", Verdict::fail, {"B"}),
        scenario_case("a.c", Verdict::fail, {"C"}, {"A", "B"}),
        scenario_case("a.d", Verdict::fail, {"B", "A"}),
    };
    auto forward = run_of(cases);
    auto backward = run_of({cases[3], cases[2], cases[1], cases[0]});
    attribute_consequences(forward);
    attribute_consequences(backward);
    EXPECT_EQ(consequence(forward.cases[2]), "A see a.a");
    EXPECT_EQ(consequence(backward.cases[1]), "A see a.a");
    EXPECT_EQ(deviation_clauses(forward), deviation_clauses(backward));
    // A and B tie on a.d; A wins by id, and B is still needed for a.b.
    EXPECT_EQ(deviation_clauses(forward), (std::vector<std::string>{"A", "B"}));
}

TEST(Attribution, APassingRunHasNoDeviation) {
    auto run = run_of({scenario_case("a.x", Verdict::pass, {"X"}, {"Y"})});
    attribute_consequences(run);
    EXPECT_TRUE(find_deviations(run).empty());
    EXPECT_EQ(summarize(run, false).consequences, 0);
}

} // namespace
} // namespace xsime::harness
