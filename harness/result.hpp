// The result model: what a run did, case by case; reporters read only this.
#pragma once

#include "harness/level.hpp"
#include "harness/load_error.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xsime::harness {

// One byte exchange or event, for the transcript of a case.
struct TranscriptEntry {
    std::chrono::microseconds offset{0}; // since the case started
    std::string session;
    enum class Kind { sent, received, closed, note } kind = Kind::note;
    std::string bytes;   // raw bytes sent or received (empty for closed/note)
    std::string decoded; // human reading: "setup (0x04) sz 2 ts 0", "push 1700000000:alice:hi"
};

enum class Verdict {
    pass,
    fail,    // the target did something the scenario does not allow
    error,   // the harness could not run the case (fixture, unreachable target, bad step)
    skipped, // gated: level not selected, or a check the transport cannot observe
};

// How the case relates to the known-failure baseline (--expect-failures).
enum class Baseline {
    none,           // not listed
    expected_fail,  // listed and failed: does not fail the run
    unexpected_pass // listed but passed: fails the run, so the baseline gets updated
};

// A failed case explained by another failure: it relies on a clause (the scenario's
// relies_on) that a failed case checking that clause broke. It still counts as failed; reports
// fold it under that deviation. attribution.hpp says how it is found.
struct Consequence {
    std::string clause;  // the relied-on clause, one the proving case checks
    std::string case_id; // the failed case that proves it: a deviation, never a consequence
};

struct CaseResult {
    // From the scenario.
    std::string id;
    std::string name;
    std::string area;
    Level level = Level::must;
    std::vector<std::string> clauses;
    std::vector<std::string> relies_on; // clauses it needs but does not check
    std::string requirement;
    std::vector<std::string> keywords;
    std::string file;

    Verdict verdict = Verdict::pass;
    std::string message;                    // one line: what went wrong (empty on pass)
    std::string expected;                   // for failures: what the step wanted
    std::string actual;                     // ... and what it got
    std::optional<std::size_t> failed_step; // index into the scenario's steps
    std::string failed_step_pointer;        // JSON pointer of that step, e.g. "/steps/4"
    std::string failed_step_note;           // that step's "note" from the file, if any
    std::string skip_reason;

    std::chrono::microseconds duration{0};
    std::vector<TranscriptEntry> transcript; // kept for failures and errors
    std::uint32_t attempts = 1;              // > 1 with --rerun-failures
    bool flaky = false;                      // failed, then passed on a rerun
    std::uint32_t repetition = 0;            // 0-based, with --repeat
    Baseline baseline = Baseline::none;
    std::optional<Consequence> consequence_of; // set by attribute() after the run
};

struct RunResult {
    std::string tool_version;
    std::string target; // "embedded", or HOST:PORT
    std::chrono::system_clock::time_point started;
    std::chrono::microseconds duration{0};
    // The settings the run used (filters, levels, shard, jobs...), as shown in reports.
    std::map<std::string, std::string> settings;
    // SHA-256 (lowercase hex) of the scenario files that ran, so that a report names exactly
    // what it certifies; "" when unknown. cli/scenario_set.hpp says how it is computed.
    std::string scenario_set_sha256;
    std::size_t scenario_files = 0; // how many files that hash covers
    std::vector<CaseResult> cases;
    bool timed_out = false;   // the whole-run deadline (--timeout) cut it short
    bool interrupted = false; // SIGINT or SIGTERM stopped it: cases after it never ran
    // The cases the plan held (scenarios x repeat); more than cases.size() when the run was
    // interrupted or never reached the target: the rest did not run and have no result.
    std::size_t planned = 0;
    // Why no case ran: the target failed the check before the run (unreachable, refused TF
    // handshake, the other transport). "" when the check passed.
    std::string target_error;
    // Scenario files that could not be loaded; the run is incomplete without them.
    std::vector<LoadError> load_errors;
};

} // namespace xsime::harness
