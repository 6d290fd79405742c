// One client case end to end: listen as the server, start the client under test's driver
// (docs/client-driver.md) from the --exec template, run the scenario's steps, end the driver.
#pragma once

#include "harness/result.hpp"
#include "harness/scenario.hpp"
#include "harness/scenario_runner.hpp"
#include "harness/tf_server_connection.hpp"

#include <atomic>
#include <memory>
#include <string>

namespace xsime::harness {

struct ClientUnderTest {
    std::string exec;   // the --exec template: "CMD ARGS {host} {port}"
    bool shell = false; // --exec-shell: the template goes to /bin/sh -c
    // The harness's TF server identity (one per run); null: the plain transport.
    std::shared_ptr<const TfServerRole> tf;
};

// A fresh listener and driver process per case, so nothing leaks between cases. The driver
// failing to start (not found, no hello, another protocol version) ends the case: verdict
// error when the command cannot run at all (the run is misconfigured), fail otherwise.
CaseResult run_client_case(const Scenario& scenario, const ClientUnderTest& client,
                           const RunnerOptions& options, const std::atomic<bool>& cancel);

} // namespace xsime::harness
