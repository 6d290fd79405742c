// The run's verdict policy: which case results fail a run, and the process exit code.
// Reporters show the counts; the CLI returns exit_code(). docs/reports.md states the rules.
#pragma once

#include "harness/attribution.hpp"
#include "harness/result.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace xsime::harness {

struct Outcome {
    // Raw verdicts, as the cases reported them, indexed [verdict][level] in enum order.
    // Expected failures and interop failures are counted here too: the counts are the
    // truth, the fields below say how the policy treats them.
    std::array<std::array<int, 3>, 4> counts{};

    int total = 0;
    int flaky = 0;             // passed after failing (attempts > 1); never fails the run
    int expected_failures = 0; // failed, and the baseline says it does
    int unexpected_passes = 0; // passed, but the baseline says it fails: fails the run
    int warnings = 0;          // interop failures outside the baseline: shown, never fatal
    int blocking_failures = 0; // failures that make the run non-conformant (must; should
                               // with strict), baseline failures excluded
    bool strict = false;       // the policy this was computed with
    bool timed_out = false;    // the run deadline cut it short
    bool interrupted = false;  // SIGINT or SIGTERM stopped it
    int not_run = 0;           // planned cases with no result (interrupted, or no target)
    int broken_files = 0;      // scenario files that could not be loaded (their cases never ran)
    std::string target_error;  // why no case ran: the target failed the check before the run
    // Some planned case is not judged: an error verdict, the deadline, an interruption, the
    // target's check, or a broken scenario file. Exit code 3, except broken files alone: 2.
    bool incomplete = false;
    // Root causes (attribution.hpp): the deviations, and how many failed cases are
    // consequences of them. Each failure is either under a deviation or a consequence.
    std::vector<Deviation> deviations;
    int consequences = 0;
    // The run passes the policy: no blocking failure, no unexpected pass, not incomplete.
    bool conformant = true;

    int count(Verdict verdict, Level level) const;
    int count(Verdict verdict) const; // all levels
};

Outcome summarize(const RunResult& run, bool strict);

// 3 when the run was cut short (an error verdict, its deadline, an interruption, or the
// target failed the check before the run); else 2 when some scenario file could not be
// loaded (RunResult::load_errors, or `had_file_errors`); else 1 when not conformant; else 0.
int exit_code(const RunResult& run, bool strict, bool had_file_errors);

// The final verdict, as the console's last-but-one line and the JSON summary show it:
// "CONFORMANT", "NOT CONFORMANT", "BASELINE OUT OF DATE" (only unexpected passes fail
// the run) or "INCOMPLETE (...)" with the reasons, "; "-separated: "no case ran: <target
// error>", "interrupted" (which hides the errors it caused), "harness errors", "run deadline
// reached", "N scenario files could not be loaded".
std::string verdict_line(const Outcome& outcome);

// The stable words reports use for the model's enums (JSON values, JUnit types).
std::string_view verdict_name(Verdict verdict);    // pass fail error skipped
std::string_view level_name(Level level);          // must should interop
std::string_view baseline_name(Baseline baseline); // none expected_fail unexpected_pass

} // namespace xsime::harness
