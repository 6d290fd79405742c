// The scenario executor: runs ONE scenario against a target through a Transport and a
// FixtureHost, and turns what happened into a CaseResult with a wire transcript.
#pragma once

#include "harness/fixture_host.hpp"
#include "harness/result.hpp"
#include "harness/scenario.hpp"
#include "harness/transport.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

namespace xsime::harness {

struct RunnerOptions {
    // Bound of every single wait (connect, send, reply) unless a step says otherwise
    // (expect's within_ms, expect_nothing's ms, expect_close's within_ms).
    std::chrono::milliseconds step_timeout{5000};
    // The whole scenario, unless the scenario sets timeout_ms. Reaching it fails the case.
    std::chrono::milliseconds scenario_timeout{30000};
    bool keep_passing_transcripts = false;
};

// Never hangs and never throws for anything a target can do. Every wait is bounded by
// min(step deadline, scenario deadline) and is cut into slices of at most 100 ms so that
// `cancel` (the whole-run deadline or an interruption, set by another thread) stops the case
// promptly: a cancelled case is verdict error "run deadline reached" (run_suite restates it
// for an interruption), and its org unit is still removed. A single send or connect is one
// call bounded by the step timeout and cannot be cut short.
//
// Semantics worth knowing when writing scenarios:
// - Each run works in a fresh org unit (make_org_name) that the fixture prepares and
//   always removes at the end, pass or fail.
// - Sessions connect on their first step; "close" drops the connection, and the next step
//   on that session connects again (at the TF level).
// - Status replies (opcodes 1 and 2) may be preceded by pushes: the module is
//   asynchronous, so pushes before a status are recorded and skipped.
// - "start"/"tf" replies: an expected reply starting "FAILED" accepts any reply starting
//   "FAILED" (implementations word the reason differently).
// - "mailbox" checks poll the fixture every 20 ms until they hold or the step timeout
//   passes (delivery to the folder is asynchronous and has no reply). A host that cannot
//   observe what a check asks (remote fixtures: message contents; a count alone they can
//   take) stops the case there as skipped, never passed: later steps may rely on the
//   check's wait.
// - A fixture the host cannot make (FixtureHost::unsupported: message files or symlinks
//   through TF commands) skips the case before anything is sent.
// - Reaching the scenario deadline is verdict fail (the target took too long); the
//   transcript says which wait it cut short.
// - Transcripts are kept for every verdict except pass (unless keep_passing_transcripts).
CaseResult run_scenario(const Scenario& scenario, Transport& transport, FixtureHost& fixture,
                        const RunnerOptions& options, const std::atomic<bool>& cancel);

class DriverLink;

// A client case (Scenario::subject client): the harness plays the server through `listener`
// (whose connect() accepts the client under test) and the steps drive the client through
// `driver`. There is no fixture; after the last step the driver must finish cleanly, and its
// stderr is kept in the transcript.
CaseResult run_client_scenario(const Scenario& scenario, Transport& listener, DriverLink& driver,
                               const RunnerOptions& options, const std::atomic<bool>& cancel);

// "xc-<id, every character outside [a-z0-9-] replaced by '-'>-<8 random hex digits>".
std::string make_org_name(std::string_view scenario_id);

} // namespace xsime::harness
