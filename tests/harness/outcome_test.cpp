// The verdict policy (harness/outcome.hpp): which results fail a run, and the exit codes.
#include "harness/outcome.hpp"
#include "tests/support/case_results.hpp"

#include <gtest/gtest.h>

namespace {

using xsime::harness::Baseline;
using xsime::harness::CaseResult;
using xsime::harness::exit_code;
using xsime::harness::Level;
using xsime::harness::Outcome;
using xsime::harness::RunResult;
using xsime::harness::summarize;
using xsime::harness::Verdict;
using xsime::harness::verdict_line;

using xsime::test::run_of;

// One case of the one area: only verdict, level, baseline and the flaky flag decide an outcome.
CaseResult make_case(Verdict verdict, Level level, Baseline baseline = Baseline::none,
                     bool flaky = false) {
    CaseResult result =
        xsime::test::with_baseline(xsime::test::case_of("area.case", verdict, level), baseline);
    return flaky ? xsime::test::as_flaky(std::move(result), 2) : result;
}

constexpr Verdict all_verdicts[] = {Verdict::pass, Verdict::fail, Verdict::error, Verdict::skipped};
constexpr Level all_levels[] = {Level::must, Level::should, Level::interop};
constexpr Baseline all_baselines[] = {Baseline::none, Baseline::expected_fail,
                                      Baseline::unexpected_pass};

// The rules from the issue, one case at a time, written as plainly as they are stated.
int expected_single_case_exit(Verdict verdict, Level level, Baseline baseline, bool strict) {
    if (verdict == Verdict::error) {
        return 3; // harness fault, whatever the baseline says
    }
    if (verdict == Verdict::fail) {
        if (baseline == Baseline::expected_fail) {
            return 0;
        }
        if (level == Level::must) {
            return 1;
        }
        if (level == Level::should) {
            return strict ? 1 : 0;
        }
        return 0; // interop: a warning
    }
    if (verdict == Verdict::pass && baseline == Baseline::unexpected_pass) {
        return 1;
    }
    return 0;
}

TEST(Outcome, EverySingleCaseCombinationFollowsTheRules) {
    int checked = 0;
    for (const Verdict verdict : all_verdicts) {
        for (const Level level : all_levels) {
            for (const Baseline baseline : all_baselines) {
                for (const bool flaky : {false, true}) {
                    for (const bool strict : {false, true}) {
                        const RunResult run = run_of({make_case(verdict, level, baseline, flaky)});
                        const int expected =
                            expected_single_case_exit(verdict, level, baseline, strict);
                        SCOPED_TRACE(testing::Message()
                                     << "verdict " << static_cast<int>(verdict) << " level "
                                     << static_cast<int>(level) << " baseline "
                                     << static_cast<int>(baseline) << " flaky " << flaky
                                     << " strict " << strict);
                        EXPECT_EQ(exit_code(run, strict, false), expected);
                        const Outcome outcome = summarize(run, strict);
                        EXPECT_EQ(outcome.conformant, expected == 0);
                        EXPECT_EQ(outcome.incomplete, expected == 3);
                        EXPECT_EQ(outcome.count(verdict, level), 1);
                        EXPECT_EQ(outcome.count(verdict), 1);
                        EXPECT_EQ(outcome.total, 1);
                        // File errors only change a run that is otherwise complete.
                        EXPECT_EQ(exit_code(run, strict, true), expected == 3 ? 3 : 2);
                        // A deadline cut wins over everything.
                        RunResult cut = run;
                        cut.timed_out = true;
                        EXPECT_EQ(exit_code(cut, strict, false), 3);
                        EXPECT_EQ(exit_code(cut, strict, true), 3);
                        ++checked;
                    }
                }
            }
        }
    }
    EXPECT_EQ(checked, 4 * 3 * 3 * 2 * 2);
}

TEST(Outcome, FailingMustAlwaysFailsTheRun) {
    const RunResult run = run_of({make_case(Verdict::fail, Level::must)});
    EXPECT_EQ(exit_code(run, false, false), 1);
    EXPECT_EQ(exit_code(run, true, false), 1);
    EXPECT_EQ(summarize(run, false).blocking_failures, 1);
    EXPECT_EQ(verdict_line(summarize(run, false)), "NOT CONFORMANT");
}

TEST(Outcome, FailingShouldFailsTheRunOnlyWithStrict) {
    const RunResult run = run_of({make_case(Verdict::fail, Level::should)});
    EXPECT_EQ(exit_code(run, false, false), 0);
    EXPECT_EQ(exit_code(run, true, false), 1);
    EXPECT_EQ(summarize(run, false).blocking_failures, 0);
    EXPECT_EQ(summarize(run, true).blocking_failures, 1);
    EXPECT_TRUE(summarize(run, false).conformant);
    EXPECT_EQ(summarize(run, false).warnings, 0); // warnings are interop only
    EXPECT_TRUE(summarize(run, true).strict);
}

TEST(Outcome, InteropFailuresAreWarningsEvenWithStrict) {
    const RunResult run = run_of(
        {make_case(Verdict::fail, Level::interop), make_case(Verdict::fail, Level::interop)});
    for (const bool strict : {false, true}) {
        const Outcome outcome = summarize(run, strict);
        EXPECT_EQ(outcome.warnings, 2);
        EXPECT_EQ(outcome.blocking_failures, 0);
        EXPECT_TRUE(outcome.conformant);
        EXPECT_EQ(exit_code(run, strict, false), 0);
        EXPECT_EQ(verdict_line(outcome), "CONFORMANT");
    }
}

TEST(Outcome, ExpectedFailuresDoNotFailTheRunButAreCounted) {
    const RunResult run =
        run_of({make_case(Verdict::fail, Level::must, Baseline::expected_fail),
                make_case(Verdict::fail, Level::interop, Baseline::expected_fail)});
    const Outcome outcome = summarize(run, true);
    EXPECT_EQ(outcome.expected_failures, 2);
    EXPECT_EQ(outcome.warnings, 0); // a baselined interop failure is not also a warning
    EXPECT_EQ(outcome.count(Verdict::fail), 2);
    EXPECT_TRUE(outcome.conformant);
    EXPECT_EQ(exit_code(run, true, false), 0);
}

TEST(Outcome, AnErrorIsNotExcusedByTheBaseline) {
    const RunResult run = run_of({make_case(Verdict::error, Level::must, Baseline::expected_fail)});
    EXPECT_EQ(exit_code(run, false, false), 3);
    EXPECT_EQ(summarize(run, false).expected_failures, 0);
}

TEST(Outcome, UnexpectedPassFailsTheRun) {
    const RunResult run =
        run_of({make_case(Verdict::pass, Level::interop, Baseline::unexpected_pass)});
    const Outcome outcome = summarize(run, false);
    EXPECT_EQ(outcome.unexpected_passes, 1);
    EXPECT_FALSE(outcome.conformant);
    EXPECT_EQ(exit_code(run, false, false), 1);
    EXPECT_EQ(verdict_line(outcome), "BASELINE OUT OF DATE");
}

TEST(Outcome, UnexpectedPassWithARealFailureIsNotConformant) {
    const RunResult run = run_of({make_case(Verdict::pass, Level::must, Baseline::unexpected_pass),
                                  make_case(Verdict::fail, Level::must)});
    EXPECT_EQ(verdict_line(summarize(run, false)), "NOT CONFORMANT");
}

TEST(Outcome, FlakyPassesAreCountedAndDoNotFailTheRun) {
    const RunResult run = run_of({make_case(Verdict::pass, Level::must, Baseline::none, true),
                                  make_case(Verdict::pass, Level::should, Baseline::none, true),
                                  make_case(Verdict::pass, Level::must)});
    const Outcome outcome = summarize(run, true);
    EXPECT_EQ(outcome.flaky, 2);
    EXPECT_EQ(outcome.count(Verdict::pass), 3);
    EXPECT_TRUE(outcome.conformant);
    EXPECT_EQ(exit_code(run, true, false), 0);
}

TEST(Outcome, FlakyFlagOnAFailureIsAFailure) {
    // Only a case that ended passing is flaky; a final fail is judged as a fail.
    const RunResult run = run_of({make_case(Verdict::fail, Level::must, Baseline::none, true)});
    EXPECT_EQ(summarize(run, false).flaky, 0);
    EXPECT_EQ(exit_code(run, false, false), 1);
}

TEST(Outcome, SkippedCasesNeverFailTheRun) {
    const RunResult run = run_of({make_case(Verdict::skipped, Level::must),
                                  make_case(Verdict::skipped, Level::should),
                                  make_case(Verdict::skipped, Level::interop)});
    EXPECT_EQ(exit_code(run, true, false), 0);
    EXPECT_EQ(summarize(run, true).count(Verdict::skipped), 3);
}

TEST(Outcome, ExitCodePrecedenceIsThreeThenTwoThenOne) {
    const CaseResult must_fail = make_case(Verdict::fail, Level::must);
    const CaseResult error = make_case(Verdict::error, Level::should);
    const CaseResult pass = make_case(Verdict::pass, Level::must);

    EXPECT_EQ(exit_code(run_of({}), false, false), 0);
    EXPECT_EQ(exit_code(run_of({pass}), false, false), 0);
    EXPECT_EQ(exit_code(run_of({pass}), false, true), 2);
    EXPECT_EQ(exit_code(run_of({must_fail}), false, false), 1);
    EXPECT_EQ(exit_code(run_of({must_fail}), false, true), 2);        // 2 beats 1
    EXPECT_EQ(exit_code(run_of({must_fail, error}), false, true), 3); // 3 beats 2 and 1
    EXPECT_EQ(exit_code(run_of({error, pass}), false, false), 3);
    EXPECT_EQ(exit_code(run_of({pass}, true), false, false), 3); // cut by the deadline
    EXPECT_EQ(exit_code(run_of({}, true), false, true), 3);
}

TEST(Outcome, CountsPerVerdictAndLevel) {
    const RunResult run = run_of({
        make_case(Verdict::pass, Level::must),
        make_case(Verdict::pass, Level::must),
        make_case(Verdict::fail, Level::must),
        make_case(Verdict::fail, Level::should),
        make_case(Verdict::fail, Level::interop),
        make_case(Verdict::error, Level::interop),
        make_case(Verdict::skipped, Level::should),
        make_case(Verdict::fail, Level::must, Baseline::expected_fail),
        make_case(Verdict::pass, Level::should, Baseline::unexpected_pass),
    });
    const Outcome outcome = summarize(run, false);
    EXPECT_EQ(outcome.total, 9);
    EXPECT_EQ(outcome.count(Verdict::pass, Level::must), 2);
    EXPECT_EQ(outcome.count(Verdict::pass, Level::should), 1);
    EXPECT_EQ(outcome.count(Verdict::pass), 3);
    EXPECT_EQ(outcome.count(Verdict::fail, Level::must), 2);
    EXPECT_EQ(outcome.count(Verdict::fail, Level::should), 1);
    EXPECT_EQ(outcome.count(Verdict::fail, Level::interop), 1);
    EXPECT_EQ(outcome.count(Verdict::fail), 4);
    EXPECT_EQ(outcome.count(Verdict::error, Level::interop), 1);
    EXPECT_EQ(outcome.count(Verdict::error, Level::must), 0);
    EXPECT_EQ(outcome.count(Verdict::skipped, Level::should), 1);
    EXPECT_EQ(outcome.expected_failures, 1);
    EXPECT_EQ(outcome.unexpected_passes, 1);
    EXPECT_EQ(outcome.warnings, 1);
    EXPECT_EQ(outcome.blocking_failures, 1); // the must failure; should is not strict
    EXPECT_TRUE(outcome.incomplete);
    EXPECT_FALSE(outcome.conformant);
}

TEST(Outcome, VerdictLineNamesTheReasonARunIsIncomplete) {
    EXPECT_EQ(verdict_line(summarize(run_of({make_case(Verdict::error, Level::must)}), false)),
              "INCOMPLETE (harness errors)");
    EXPECT_EQ(verdict_line(summarize(run_of({}, true), false)),
              "INCOMPLETE (run deadline reached)");
    EXPECT_EQ(
        verdict_line(summarize(run_of({make_case(Verdict::error, Level::must)}, true), false)),
        "INCOMPLETE (harness errors; run deadline reached)");
    // Incomplete wins over a failure: the run cannot claim either way.
    EXPECT_EQ(verdict_line(summarize(run_of({make_case(Verdict::fail, Level::must),
                                             make_case(Verdict::error, Level::must)}),
                                     false)),
              "INCOMPLETE (harness errors)");
    EXPECT_EQ(verdict_line(summarize(run_of({}), false)), "CONFORMANT");
}

// A run stopped by a signal, with `ran` of `planned` cases reported.
RunResult interrupted_run(std::vector<CaseResult> ran, std::size_t planned) {
    RunResult run = run_of(std::move(ran));
    run.interrupted = true;
    run.planned = planned;
    return run;
}

TEST(Outcome, AnInterruptedRunIsIncompleteAndCountsWhatDidNotRun) {
    // The stopped case is an error because of the interruption: the line says why, once.
    const RunResult run = interrupted_run(
        {make_case(Verdict::pass, Level::must), make_case(Verdict::error, Level::must)}, 5);
    const Outcome outcome = summarize(run, false);
    EXPECT_TRUE(outcome.interrupted);
    EXPECT_TRUE(outcome.incomplete);
    EXPECT_FALSE(outcome.conformant);
    EXPECT_EQ(outcome.total, 2);
    EXPECT_EQ(outcome.not_run, 3);
    EXPECT_EQ(verdict_line(outcome), "INCOMPLETE (interrupted)");
    EXPECT_EQ(exit_code(run, false, false), 3);
    EXPECT_EQ(exit_code(run, false, true), 3); // 3 beats broken files
    // Even when every case that ran passed: the run did not judge all it planned.
    const RunResult passes = interrupted_run({make_case(Verdict::pass, Level::must)}, 1);
    EXPECT_EQ(verdict_line(summarize(passes, false)), "INCOMPLETE (interrupted)");
    EXPECT_EQ(exit_code(passes, false, false), 3);
}

TEST(Outcome, BrokenFilesMakeTheRunIncompleteWithExitTwo) {
    RunResult run = run_of({make_case(Verdict::pass, Level::must)});
    run.load_errors = {{"a.json", "/level", "expected must, should or interop"},
                       {"a.json", "/steps/2", "unknown step"},
                       {"b.json", "", "JSON syntax error"}};
    const Outcome outcome = summarize(run, false);
    EXPECT_EQ(outcome.broken_files, 2); // files, not errors
    EXPECT_TRUE(outcome.incomplete);
    EXPECT_FALSE(outcome.conformant);
    EXPECT_EQ(verdict_line(outcome), "INCOMPLETE (2 scenario files could not be loaded)");
    EXPECT_EQ(exit_code(run, false, false), 2);
    run.load_errors.pop_back();
    EXPECT_EQ(verdict_line(summarize(run, false)),
              "INCOMPLETE (1 scenario file could not be loaded)");
    // 2 beats 1; 3 beats 2, and both reasons are named.
    run.cases.push_back(make_case(Verdict::fail, Level::must));
    EXPECT_EQ(exit_code(run, false, false), 2);
    run.cases.push_back(make_case(Verdict::error, Level::must));
    EXPECT_EQ(exit_code(run, false, false), 3);
    EXPECT_EQ(verdict_line(summarize(run, false)),
              "INCOMPLETE (harness errors; 1 scenario file could not be loaded)");
}

TEST(Outcome, ATargetThatFailedTheCheckBeforeTheRunIsSaidOnce) {
    RunResult run = run_of({});
    run.planned = 129;
    run.target_error = "target unreachable: connection refused";
    const Outcome outcome = summarize(run, false);
    EXPECT_EQ(outcome.total, 0);
    EXPECT_EQ(outcome.count(Verdict::error), 0);
    EXPECT_EQ(outcome.not_run, 129);
    EXPECT_TRUE(outcome.incomplete);
    EXPECT_EQ(verdict_line(outcome),
              "INCOMPLETE (no case ran: target unreachable: connection refused)");
    EXPECT_EQ(exit_code(run, false, false), 3);
    EXPECT_EQ(exit_code(run, false, true), 3);
}

TEST(Outcome, EnumNamesAreTheReportVocabulary) {
    using xsime::harness::baseline_name;
    using xsime::harness::level_name;
    using xsime::harness::verdict_name;
    EXPECT_EQ(verdict_name(Verdict::pass), "pass");
    EXPECT_EQ(verdict_name(Verdict::fail), "fail");
    EXPECT_EQ(verdict_name(Verdict::error), "error");
    EXPECT_EQ(verdict_name(Verdict::skipped), "skipped");
    EXPECT_EQ(level_name(Level::must), "must");
    EXPECT_EQ(level_name(Level::should), "should");
    EXPECT_EQ(level_name(Level::interop), "interop");
    EXPECT_EQ(baseline_name(Baseline::none), "none");
    EXPECT_EQ(baseline_name(Baseline::expected_fail), "expected_fail");
    EXPECT_EQ(baseline_name(Baseline::unexpected_pass), "unexpected_pass");
}

} // namespace
