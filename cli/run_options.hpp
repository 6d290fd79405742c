// The options of `xsime-conform run` and their checks: a validated plan of what to run, or the
// usage error that stops the command before anything runs.
#pragma once

#include "cli/exit_codes.hpp"
#include "cli/key_files.hpp"
#include "harness/suite.hpp"
#include "mock_server/faults.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace xsime::cli {

// The command line as given (setup_cmd_run binds each field to its option).
struct RunOptions {
    std::vector<std::string> paths;
    std::string clauses;   // --clauses; "": clauses.json beside the scenarios (run_scenarios.hpp)
    std::string scenarios; // --scenarios DIR: the scenario set (scenario_home.hpp); "": look
    bool verbose = false;  // --verbose: a line per case, passes included
    std::string target;
    std::string root;
    std::vector<std::string> filters;
    std::vector<std::string> keywords;
    std::string levels;
    bool strict = false;
    unsigned jobs = 1;
    std::string shard;
    unsigned repeat = 1;
    unsigned rerun_failures = 0;
    unsigned timeout_s = 1800;
    unsigned step_timeout_ms = 5000;
    unsigned scenario_timeout_ms = 30000;
    std::string junit;
    std::string json;
    std::string html;   // --html FILE
    std::string bundle; // --bundle FILE.tar.gz (run_bundle.hpp)
    std::string sign;   // --sign KEY.pem: signs the bundle's MANIFEST
    bool list = false;
    std::string expect_failures;
    std::string transport = "plain";
    std::string pubkey;              // --pubkey (tf, with --target)
    std::optional<std::string> hash; // --hash (tf)
    std::string proto_version = std::string(default_tf_protocol_version);
    std::size_t session_key_size = 0;       // 0: not given, harness::TfSettings' default
    std::string fixtures = "auto";          // auto | local | remote
    std::vector<std::string> server_faults; // mock_server/faults.hpp names
    // A client under test (docs/client-driver.md): its driver's command, or the reference
    // client (with deliberate faults, client/client_faults.hpp names).
    std::string exec;
    bool exec_shell = false;
    bool reference_client = false;
    std::vector<std::string> client_faults;
};

// Why `run` ends before the run: shown as "xsime-conform run: MESSAGE" on stderr.
struct RunStop {
    int exit_code = exit_usage;
    std::string message;
};

// Prints the stop's message and returns its exit code.
int stop_run(const RunStop& stop);

struct Target {
    std::string host;
    std::uint16_t port = 0;
};

// The options once checked, parsed into what the later phases use.
struct RunPlan {
    bool tf = false;                         // --transport tf
    harness::Selection selection;            // --filter, --keyword, --level, --shard
    std::optional<Target> target;            // --target; none: the embedded server
    mock::Faults server_faults;              // --server-fault (embedded server only)
    std::set<std::string> expected_failures; // the --expect-failures baseline
    bool client = false;                     // --exec or --reference-client: client scenarios
};

// Checks the options in a fixed order and stops at the first usage error (exit 2).
std::variant<RunPlan, RunStop> check_run_options(const RunOptions& options);

} // namespace xsime::cli
