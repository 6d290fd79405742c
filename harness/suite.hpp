// Running a selection of scenarios: filters, shards, repetitions, reruns, parallel jobs,
// the whole-run deadline and the known-failure baseline.
#pragma once

#include "harness/result.hpp"
#include "harness/scenario.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace xsime::harness {

struct Shard {
    unsigned index = 1; // 1-based
    unsigned count = 1;
};

// "I/N" with 1 <= I <= N.
std::variant<Shard, std::string> parse_shard(std::string_view text);

struct Selection {
    std::vector<std::string> id_globs; // shell globs on the id; a case matches any; empty: all
    std::vector<std::string> keywords; // a case has any of them; empty: all
    std::set<Level> levels;            // levels that run; others are reported as skipped
    std::optional<Shard> shard;
    // Only scenarios about this subject are planned: a run certifies a server or a client.
    Subject subject = Subject::server;
};

struct Planned {
    const Scenario* scenario = nullptr;
    // Set when the scenario is selected but its level is not: reported as skipped.
    std::optional<std::string> gated;
};

// Deterministic: sorted by id; the shard takes every N-th case of the filtered list, so
// N jobs with the same files and options split the suite without overlap or gap.
std::vector<Planned> plan(const std::vector<Scenario>& scenarios, const Selection& selection);

// One id per line; blank lines and '#' comments ignored.
std::variant<std::set<std::string>, std::string> load_baseline(const std::filesystem::path& file);

struct SuiteOptions {
    unsigned jobs = 1;
    unsigned repeat = 1;
    unsigned rerun_failures = 0;
    std::chrono::milliseconds run_timeout{0}; // 0: none
    std::set<std::string> expected_failures;
    // Set from outside (a signal handler) to stop the run: running cases are cancelled as by
    // the deadline, no case starts after it, and the result is marked interrupted.
    const std::atomic<bool>* interrupt = nullptr;
};

// Runs one scenario once; called from several threads at a time. `cancel` turns true when
// the whole-run deadline passes or the run is interrupted. In production: run_scenario on a
// transport and fixture.
using CaseRunner =
    std::function<CaseResult(const Scenario& scenario, const std::atomic<bool>& cancel)>;

// Runs the plan; `on_case` is called (from worker threads, one call at a time) as each
// case reaches its final verdict. Cases in the result are sorted by id, then repetition.
// RunResult::planned counts the plan's cases (scenarios x repeat). When the deadline passes,
// the cases it stops are errors and the rest are reported skipped; when `interrupt` turns
// true, the cases it stops are errors saying so and the rest are not in the result at all.
RunResult run_suite(const std::vector<Planned>& planned, const CaseRunner& run_case,
                    const SuiteOptions& options,
                    const std::function<void(const CaseResult&)>& on_case);

} // namespace xsime::harness
