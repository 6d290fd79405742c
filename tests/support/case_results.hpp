// Test support: CaseResult and RunResult values for the tests of what reads the result model
// (the reporters, the verdict policy). Each builder fills what its kind of case carries; a
// test changes the one field it is about on the returned value.
#pragma once

#include "harness/result.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace xsime::test {

inline harness::TranscriptEntry entry(std::chrono::microseconds offset, std::string session,
                                      harness::TranscriptEntry::Kind kind, std::string bytes,
                                      std::string decoded = "") {
    harness::TranscriptEntry out;
    out.offset = offset;
    out.session = std::move(session);
    out.kind = kind;
    out.bytes = std::move(bytes);
    out.decoded = std::move(decoded);
    return out;
}

// The bare case: `id`, its area (the id up to the first '.'), level and verdict; no texts.
inline harness::CaseResult case_of(std::string id,
                                   harness::Verdict verdict = harness::Verdict::pass,
                                   harness::Level level = harness::Level::must) {
    harness::CaseResult result;
    result.id = std::move(id);
    result.area = result.id.substr(0, result.id.find('.'));
    result.level = level;
    result.verdict = verdict;
    return result;
}

// A passing must case named "a passing case".
inline harness::CaseResult passing_case(std::string id) {
    harness::CaseResult result = case_of(std::move(id));
    result.name = "a passing case";
    return result;
}

// A failing must case with everything a report shows for a failure: name, clauses and
// requirement, message "the push did not arrive" with expected and actual, failed step 3
// ("/steps/3", note "the push"), the scenario file, and a transcript of four entries
// (alice sent a setup, bob received a reply, bob sent "hello", bob's connection closed).
inline harness::CaseResult failing_case(std::string id) {
    using Kind = harness::TranscriptEntry::Kind;
    using std::chrono::microseconds;
    harness::CaseResult result = case_of(std::move(id), harness::Verdict::fail);
    result.name = "A message to one user is pushed to that user";
    result.clauses = {"PUSH-FORMAT", "OP5-TIMESTAMP"};
    result.requirement = "It looks like this: timestamp:user:message";
    result.message = "the push did not arrive";
    result.expected = "opcode 5, payload matching (?<ts>[0-9]+):alice:hello";
    result.actual = "nothing within 2000 ms";
    result.failed_step = 3;
    result.failed_step_pointer = "/steps/3";
    result.failed_step_note = "the push";
    result.file = "scenarios/delivery/one-recipient.json";
    result.transcript = {
        entry(microseconds(12345), "alice", Kind::sent,
              std::string("\x04\x00\x00\x00\x02\0\0\0\0\0\0\0\0", 13), "setup (0x04) flags 2 ts 0"),
        entry(microseconds(13000), "bob", Kind::received, std::string("\x01\0\0\0\0", 5)),
        entry(microseconds(14000), "bob", Kind::sent, "hello"),
        entry(microseconds(2015000), "bob", Kind::closed, ""),
    };
    return result;
}

// failing_case(id) as a harness error: the case was not judged, so it has no expected,
// actual or failed step; the message and the transcript up to the fault stay.
inline harness::CaseResult error_case(std::string id,
                                      std::string message = "fixture: cannot create the org unit") {
    harness::CaseResult result = failing_case(std::move(id));
    result.verdict = harness::Verdict::error;
    result.message = std::move(message);
    result.expected.clear();
    result.actual.clear();
    result.failed_step.reset();
    result.failed_step_pointer.clear();
    result.failed_step_note.clear();
    return result;
}

// A must case skipped for `reason`, named "a skipped case".
inline harness::CaseResult skipped_case(std::string id, std::string reason) {
    harness::CaseResult result = case_of(std::move(id), harness::Verdict::skipped);
    result.name = "a skipped case";
    result.skip_reason = std::move(reason);
    return result;
}

// A case whose every text names its field and the case ("name of delivery.a", and for a
// failure or an error "message of delivery.a", "expected of ...", "actual of ..." and a
// one-entry transcript), so that an assertion on a report can tell which case and which
// field a piece of output came from. Duration 1.234567 s.
inline harness::CaseResult labelled_case(std::string id, harness::Verdict verdict,
                                         harness::Level level = harness::Level::must) {
    harness::CaseResult result = case_of(std::move(id), verdict, level);
    result.name = "name of " + result.id;
    result.clauses = {"PUSH-FORMAT"};
    result.requirement = "It looks like this: timestamp:user:message";
    result.duration = std::chrono::microseconds(1234567);
    if (verdict == harness::Verdict::fail || verdict == harness::Verdict::error) {
        result.message = "message of " + result.id;
        result.expected = "expected of " + result.id;
        result.actual = "actual of " + result.id;
        result.transcript = {entry(std::chrono::microseconds(0), "alice",
                                   harness::TranscriptEntry::Kind::sent,
                                   std::string("\x04\0\0\0\x02", 5), "setup (0x04) flags 2")};
    }
    return result;
}

// `result` at another level.
inline harness::CaseResult with_level(harness::CaseResult result, harness::Level level) {
    result.level = level;
    return result;
}

// `result` as the baseline file sees it (expected_fail, unexpected_pass).
inline harness::CaseResult with_baseline(harness::CaseResult result, harness::Baseline baseline) {
    result.baseline = baseline;
    return result;
}

// `result` after `attempts` runs with --rerun-failures, flagged flaky (failed, then passed).
inline harness::CaseResult as_flaky(harness::CaseResult result, std::uint32_t attempts) {
    result.flaky = true;
    result.attempts = attempts;
    return result;
}

// `result` as repetition `n` (0-based) of --repeat.
inline harness::CaseResult as_repetition(harness::CaseResult result, std::uint32_t n) {
    result.repetition = n;
    return result;
}

// A run of `cases`, in that order (the reporters sort); nothing else set.
inline harness::RunResult run_of(std::vector<harness::CaseResult> cases, bool timed_out = false) {
    harness::RunResult run;
    run.cases = std::move(cases);
    run.timed_out = timed_out;
    return run;
}

} // namespace xsime::test
