// The console reporter: failures as they happen, the terminal progress line, the summary.
#include "harness/outcome.hpp"
#include "reports/console_reporter.hpp"
#include "tests/support/case_results.hpp"

#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using xsime::harness::Baseline;
using xsime::harness::CaseResult;
using xsime::harness::Level;
using xsime::harness::RunResult;
using xsime::harness::summarize;
using xsime::harness::TranscriptEntry;
using xsime::reports::ConsoleReporter;
using namespace std::chrono_literals;

using xsime::test::entry;
// passing_case: "a passing case"; failing_case: "A message to one user is pushed to that
// user", "the push did not arrive", step 3, a four-entry transcript (support/case_results.hpp).
using xsime::test::as_flaky;
using xsime::test::error_case;
using xsime::test::failing_case;
using xsime::test::passing_case;
using xsime::test::skipped_case;
using xsime::test::with_baseline;
using xsime::test::with_level;

TEST(ConsoleReporter, PrintsAFailureAsSoonAsItHappensWithEverythingNeeded) {
    std::ostringstream out;
    ConsoleReporter reporter(out, false, false);
    reporter.on_start(3);
    reporter.on_case(passing_case("delivery.first"), 1, 3);
    reporter.on_case(failing_case("delivery.one-recipient"), 2, 3);
    const std::string text = out.str(); // before on_finish
    EXPECT_NE(text.find("Running 3 cases\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("delivery.first"), std::string::npos) << "passes stay quiet:\n" << text;
    const auto expect_line = [&](const std::string& line) {
        EXPECT_NE(text.find(line + "\n"), std::string::npos) << "missing: " << line << "\n" << text;
    };
    expect_line("FAIL  delivery.one-recipient \u2014 A message to one user is pushed to that user");
    expect_line("      the push did not arrive");
    expect_line("      level must \u00b7 clauses PUSH-FORMAT, OP5-TIMESTAMP");
    expect_line("      requirement: \"It looks like this: timestamp:user:message\"");
    expect_line("      step 3 at /steps/3: the push");
    expect_line("      expected: opcode 5, payload matching (?<ts>[0-9]+):alice:hello");
    expect_line("      actual:   nothing within 2000 ms");
    expect_line("      transcript:");
    expect_line("        +12.345ms alice \u2192 setup (0x04) flags 2 ts 0");
    expect_line("        +13.000ms bob \u2190 01 00 00 00 00");
    expect_line("        +14.000ms bob \u2192 \"hello\"");
    expect_line("        +2015.000ms bob \u2715 closed");
    expect_line("      file: scenarios/delivery/one-recipient.json");
    EXPECT_EQ(text.find('\r'), std::string::npos);
    EXPECT_EQ(text.find('\x1b'), std::string::npos);
}

TEST(ConsoleReporter, ShowsOnlyTheTranscriptTail) {
    CaseResult result = failing_case("delivery.long");
    result.transcript.clear();
    for (int i = 1; i <= 20; ++i) {
        result.transcript.push_back(entry(std::chrono::microseconds(i * 1000), "alice",
                                          TranscriptEntry::Kind::note, "",
                                          "entry-" + std::to_string(i) + "."));
    }
    std::ostringstream out;
    ConsoleReporter reporter(out, false, false);
    reporter.on_case(result, 1, 1);
    const std::string text = out.str();
    EXPECT_NE(text.find("transcript (last 12 of 20 entries):"), std::string::npos) << text;
    EXPECT_EQ(text.find("entry-8."), std::string::npos) << text;
    for (int i = 9; i <= 20; ++i) {
        EXPECT_NE(text.find("alice \u00b7 entry-" + std::to_string(i) + "."), std::string::npos)
            << i;
    }
}

TEST(ConsoleReporter, LongPayloadsAreShortenedWithTheirByteCount) {
    CaseResult result = failing_case("delivery.big");
    result.transcript = {
        entry(0us, "alice", TranscriptEntry::Kind::sent, std::string(20000, 'a')),
        entry(0us, "alice", TranscriptEntry::Kind::received, std::string(5000, '\x01')),
        entry(0us, "alice", TranscriptEntry::Kind::received, std::string(16389, 'x'),
              "push 1700000000:bob:" + std::string(16369, 'x')),
    };
    std::ostringstream out;
    ConsoleReporter reporter(out, false, false);
    reporter.on_case(result, 1, 1);
    const std::string text = out.str();
    EXPECT_NE(text.find("\u2192 \"aaaa"), std::string::npos);
    EXPECT_NE(text.find("\" \u2026 (20000 bytes)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\u2190 01 01 01"), std::string::npos);
    EXPECT_NE(text.find(" \u2026 (5000 bytes)\n"), std::string::npos);
    EXPECT_NE(text.find(" \u2026 (16389 bytes)\n"), std::string::npos);
    EXPECT_LT(text.size(), 2000u) << "nothing printed at full length";
}

TEST(ConsoleReporter, BytesFromTheWireCannotControlTheTerminal) {
    CaseResult result = failing_case("delivery.hostile");
    result.message = "got \x1b[2J\x07 and \xff\xfe";
    result.actual = "line1\nline2\r";
    result.transcript = {
        entry(0us, "bob", TranscriptEntry::Kind::received, "", "push 1:evil:\x1b]0;title\x07")};
    std::ostringstream out;
    ConsoleReporter reporter(out, true, true); // even on a terminal with colour
    reporter.on_case(result, 1, 1);
    const std::string text = out.str();
    EXPECT_NE(text.find("got \\x1B[2J\\x07 and \\xFF\\xFE"), std::string::npos) << text;
    EXPECT_NE(text.find("actual:   line1\\nline2\\r"), std::string::npos) << text;
    EXPECT_NE(text.find("push 1:evil:\\x1B]0;title\\x07"), std::string::npos) << text;
    // The only escape sequences are the reporter's own colours.
    for (std::size_t at = text.find('\x1b'); at != std::string::npos;
         at = text.find('\x1b', at + 1)) {
        const std::string sequence = text.substr(at, text.find('m', at) - at + 1);
        EXPECT_TRUE(sequence == "\x1b[0m" || sequence == "\x1b[1;31m" || sequence == "\x1b[1;33m" ||
                    sequence == "\x1b[1;35m")
            << "unexpected sequence at " << at;
    }
    EXPECT_EQ(text.find('\x07'), std::string::npos);
}

TEST(ConsoleReporter, TerminalProgressLineIsRewrittenAndClearedBeforeOutput) {
    std::ostringstream out;
    ConsoleReporter reporter(out, true, false);
    reporter.on_start(80);
    reporter.on_case(passing_case("delivery.a"), 1, 80);
    EXPECT_NE(out.str().find("\r[  1/80] 0 failed  delivery.a"), std::string::npos) << out.str();
    reporter.on_case(passing_case("delivery.burst-same-second"), 12, 80);
    const std::string line = "[ 12/80] 0 failed  delivery.burst-same-second";
    EXPECT_NE(out.str().find("\r" + line), std::string::npos);
    EXPECT_EQ(out.str().find('\n'), std::string::npos) << "passes only move the progress line";

    out.str("");
    reporter.on_case(failing_case("delivery.x"), 13, 80);
    const std::string text = out.str();
    // Cleared with spaces the width of what was there, then the failure, then the line again.
    const std::string clear = "\r" + std::string(line.size(), ' ') + "\r";
    ASSERT_EQ(text.rfind(clear, 0), 0u) << text;
    EXPECT_EQ(text.substr(clear.size(), 5), "FAIL ");
    EXPECT_NE(text.find("\n\r[ 13/80] 1 failed  delivery.x"), std::string::npos) << text;
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << "no colour unless asked";

    out.str("");
    reporter.on_finish(RunResult{}, summarize(RunResult{}, false));
    EXPECT_EQ(out.str().rfind("\r", 0), 0u) << "the summary starts by clearing the line";
}

TEST(ConsoleReporter, ProgressNeverGoesBackwards) {
    std::ostringstream out;
    ConsoleReporter reporter(out, true, false);
    reporter.on_case(passing_case("delivery.b"), 5, 9);
    reporter.on_case(passing_case("delivery.a"), 4, 9); // finished earlier, reported later
    EXPECT_NE(out.str().find("\r[  5/9] 0 failed  delivery.a"), std::string::npos) << out.str();
}

TEST(ConsoleReporter, ColourOnlyOnATerminal) {
    for (const bool tty : {false, true}) {
        for (const bool color : {false, true}) {
            std::ostringstream out;
            ConsoleReporter reporter(out, tty, color);
            RunResult run;
            run.cases = {failing_case("delivery.x")};
            reporter.on_case(run.cases[0], 1, 1);
            reporter.on_finish(run, summarize(run, false));
            EXPECT_EQ(out.str().find('\x1b') != std::string::npos, tty && color)
                << "tty " << tty << " color " << color;
            EXPECT_EQ(out.str().find('\r') != std::string::npos, tty);
        }
    }
}

TEST(ConsoleReporter, SummaryCountsEverythingAndEndsWithTheScraperLine) {
    RunResult run;
    run.target = "127.0.0.1:7777";
    run.tool_version = "0.1.0";
    run.duration = 3456789us;
    run.cases = {passing_case("delivery.a"),
                 failing_case("delivery.z"),
                 with_level(failing_case("framing.b"), Level::should),
                 with_level(failing_case("interop.c"), Level::interop),
                 error_case("login.d"),
                 skipped_case("limits.e", "level not selected"),
                 as_flaky(passing_case("delivery.f"), 3),
                 with_baseline(failing_case("blacklist.g"), Baseline::expected_fail),
                 with_baseline(passing_case("blacklist.h"), Baseline::unexpected_pass)};

    std::ostringstream out;
    ConsoleReporter reporter(out, false, false);
    for (const CaseResult& result : run.cases) {
        reporter.on_case(result, 1, run.cases.size());
    }
    reporter.on_finish(run, summarize(run, false));
    const std::string text = out.str();
    const auto expect_line = [&](const std::string& line) {
        EXPECT_NE(text.find(line + "\n"), std::string::npos) << "missing: " << line << "\n" << text;
    };
    expect_line("Summary: 9 cases in 3.457 s against 127.0.0.1:7777 (xsime-conform 0.1.0)");
    expect_line("  passed              3");
    expect_line("  failed              4  (must 2, should 1, interop 1)");
    expect_line("  errors              1  (harness faults: these cases were not judged)");
    expect_line("  skipped             1  (not run: listed below with the reason)");
    expect_line("  SKIP  limits.e [must]: level not selected");
    expect_line("  flaky               1  (failed, then passed on a rerun)");
    expect_line("  expected failures   1  (in the baseline; counted in failed)");
    expect_line("  unexpected passes   1  (in the baseline but passed: update it)");
    expect_line("  warnings            1  (interop failures; they never fail the run)");
    expect_line("  should-level failures fail the run only with --strict");
    expect_line("XFAIL blacklist.g \u2014 A message to one user is pushed to that user: expected "
                "failure (baseline): the push did not arrive");
    expect_line("XPASS blacklist.h \u2014 a passing case: passed, but the baseline lists it as "
                "failing; update the baseline");
    expect_line("FLAKY delivery.f \u2014 a passing case: failed 2 times, then passed");
    expect_line("      (interop: a warning, never fails the run)");
    expect_line("ERROR login.d \u2014 A message to one user is pushed to that user");
    expect_line("  ERROR login.d [must]");
    expect_line("  FAIL  delivery.z [must]");
    expect_line("  XFAIL blacklist.g [must]");
    expect_line("INCOMPLETE (harness errors)");
    // failed = fail + error verdicts: 4 fails (expected one included) and 1 error.
    ASSERT_GE(text.size(), 20u);
    EXPECT_EQ(text.substr(text.rfind('\n', text.size() - 2) + 1), "3 passed, 5 failed\n");
}

TEST(ConsoleReporter, SkippedCasesAreListedOneLineEachWithTheirReason) {
    RunResult run;
    run.target = "embedded";
    run.cases = {passing_case("delivery.a"),
                 skipped_case("tf.z", "mailbox check not observable over remote fixtures"),
                 with_level(skipped_case("limits.e", "level should not selected (--level must)"),
                            Level::should),
                 xsime::test::as_repetition(skipped_case("limits.e", "run deadline reached"), 1),
                 skipped_case("limits.f", "")};
    std::ostringstream out;
    ConsoleReporter reporter(out, false, false);
    reporter.on_finish(run, summarize(run, false));
    const std::string text = out.str();
    // In id order, after the counts and before the verdict.
    EXPECT_NE(text.find("\n  skipped             4  (not run: listed below with the reason)\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\nSkipped cases:\n"
                        "  SKIP  limits.e [should]: level should not selected (--level must)\n"
                        "  SKIP  limits.e [must] (repetition 2): run deadline reached\n"
                        "  SKIP  limits.f [must]: no reason given\n"
                        "  SKIP  tf.z [must]: mailbox check not observable over remote "
                        "fixtures\n"
                        "CONFORMANT\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("SKIP  delivery.a"), std::string::npos) << text;

    std::ostringstream none;
    ConsoleReporter quiet(none, false, false);
    run.cases = {passing_case("delivery.a")};
    quiet.on_finish(run, summarize(run, false));
    EXPECT_EQ(none.str().find("Skipped cases"), std::string::npos) << none.str();
    EXPECT_NE(none.str().find("  skipped             0\n"), std::string::npos) << none.str();
}

TEST(ConsoleReporter, SummarySaysWhetherFixturesAreLocalOrRemote) {
    const auto summary = [](const std::string& fixtures) {
        RunResult run;
        run.target = "127.0.0.1:7777";
        run.cases = {passing_case("delivery.a")};
        if (!fixtures.empty()) {
            run.settings["fixtures"] = fixtures;
        }
        std::ostringstream out;
        ConsoleReporter reporter(out, false, false);
        reporter.on_finish(run, summarize(run, false));
        return out.str();
    };
    EXPECT_NE(summary("remote").find("\n  fixtures            remote  (made through TF commands "
                                     "MKDIR/TOUCH/DEL/RMDIR)\n  passed"),
              std::string::npos)
        << summary("remote");
    EXPECT_NE(summary("local").find("\n  fixtures            local  (made in the target's "
                                    "mailbox root on this machine)\n"),
              std::string::npos)
        << summary("local");
    EXPECT_EQ(summary("").find("fixtures"), std::string::npos) << summary("");
}

TEST(ConsoleReporter, VerdictLines) {
    const auto last_lines = [](const RunResult& run, bool strict) {
        std::ostringstream out;
        ConsoleReporter reporter(out, false, false);
        reporter.on_finish(run, summarize(run, strict));
        return out.str();
    };
    RunResult run;
    run.cases = {passing_case("delivery.a")};
    EXPECT_NE(last_lines(run, false).find("\nCONFORMANT\n1 passed, 0 failed\n"), std::string::npos);
    run.cases.push_back(failing_case("delivery.b"));
    EXPECT_NE(last_lines(run, false).find("\nNOT CONFORMANT\n1 passed, 1 failed\n"),
              std::string::npos);
    run.cases[1].level = Level::should;
    EXPECT_NE(last_lines(run, false).find("\nCONFORMANT\n1 passed, 1 failed\n"), std::string::npos);
    EXPECT_NE(last_lines(run, true).find("\nNOT CONFORMANT\n"), std::string::npos);
    run.timed_out = true;
    std::ostringstream out;
    ConsoleReporter reporter(out, false, false);
    reporter.on_finish(run, summarize(run, false));
    EXPECT_NE(out.str().find("the run deadline cut the run short"), std::string::npos);
    EXPECT_NE(out.str().find("\nINCOMPLETE (run deadline reached)\n"), std::string::npos);
}

// What an incomplete run did not judge is in the summary, with the same counts as the JSON
// summary: cases that did not run, scenario files that could not be loaded.
TEST(ConsoleReporter, IncompleteRunsSayWhatDidNotRunAndWhichFilesBroke) {
    const auto summary_of = [](const RunResult& run) {
        std::ostringstream out;
        ConsoleReporter reporter(out, false, false);
        reporter.on_finish(run, summarize(run, false));
        return out.str();
    };
    RunResult interrupted;
    interrupted.cases = {passing_case("delivery.a"),
                         error_case("delivery.b", "interrupted before the case finished")};
    interrupted.interrupted = true;
    interrupted.planned = 5;
    const auto stopped = summary_of(interrupted);
    EXPECT_NE(stopped.find("\n  errors              1  (stopped by the interruption, or harness "
                           "faults: not judged)\n"),
              std::string::npos)
        << stopped;
    EXPECT_NE(stopped.find("\n  not run             3  (interrupted before they started)\n"),
              std::string::npos)
        << stopped;
    EXPECT_NE(stopped.find("\n  interrupted (SIGINT or SIGTERM): 3 of 5 planned cases did not "
                           "run; the cases it stopped are errors\n"),
              std::string::npos)
        << stopped;
    EXPECT_NE(stopped.find("\nINCOMPLETE (interrupted)\n1 passed, 1 failed\n"), std::string::npos)
        << stopped;

    RunResult broken;
    broken.cases = {passing_case("delivery.a")};
    broken.planned = 1;
    broken.load_errors = {{"s/x.json", "/level", "expected must, should or interop"},
                          {"s/y.json", "", "JSON syntax error"}};
    const auto files = summary_of(broken);
    EXPECT_NE(files.find("\n  broken files        2  (could not be loaded"), std::string::npos)
        << files;
    EXPECT_NE(files.find("\nScenario files that could not be loaded:\n  s/x.json: /level: "
                         "expected must, should or interop\n  s/y.json: JSON syntax error\n"),
              std::string::npos)
        << files;
    EXPECT_NE(files.find("\nINCOMPLETE (2 scenario files could not be loaded)\n"),
              std::string::npos)
        << files;
    EXPECT_EQ(files.find("\n  not run "), std::string::npos) << files;

    RunResult unreachable;
    unreachable.planned = 4;
    unreachable.target_error = "target unreachable: connection refused";
    const auto none = summary_of(unreachable);
    EXPECT_NE(none.find("\n  not run             4  (the target failed the check before the "
                        "run)\n"),
              std::string::npos)
        << none;
    EXPECT_NE(none.find("\nINCOMPLETE (no case ran: target unreachable: connection refused)\n"
                        "0 passed, 0 failed\n"),
              std::string::npos)
        << none;
}

TEST(ConsoleReporter, ConcurrentCasesNeverInterleave) {
    constexpr int threads = 4;
    constexpr int per_thread = 50;
    std::ostringstream out;
    ConsoleReporter reporter(out, true, true);
    reporter.on_start(threads * per_thread);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&reporter, t] {
            for (int i = 0; i < per_thread; ++i) {
                CaseResult result =
                    failing_case("area.t" + std::to_string(t) + "-" + std::to_string(i));
                result.message = "message-of-t" + std::to_string(t) + "-" + std::to_string(i);
                reporter.on_case(result, static_cast<std::size_t>(t * per_thread + i + 1),
                                 threads * per_thread);
            }
        });
    }
    for (std::thread& worker : workers) {
        worker.join();
    }
    const std::string text = out.str();
    int blocks = 0;
    for (std::size_t at = text.find("FAIL \x1b[0m area.t"); at != std::string::npos;
         at = text.find("FAIL \x1b[0m area.t", at + 1)) {
        ++blocks;
        const std::size_t id_start = at + std::string("FAIL \x1b[0m area.").size();
        const std::string id = text.substr(id_start, text.find(' ', id_start) - id_start);
        const std::size_t next_line = text.find('\n', at) + 1;
        EXPECT_EQ(text.substr(next_line, 6 + 11 + id.size()), "      message-of-" + id)
            << "the block of " << id << " was interleaved";
    }
    EXPECT_EQ(blocks, threads * per_thread);
    EXPECT_NE(text.find("/200] 200 failed"), std::string::npos);
}

} // namespace
