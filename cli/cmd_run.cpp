// `xsime-conform run`: replay scenarios against a target (default: the embedded reference
// server) and report to the console, JUnit XML, JSON and HTML, and in a bundle. The options and
// run(), which calls the phases in order: check the options, load and select the scenarios,
// read their files, open the report files and the bundle, start or name the target,
// preflight, run, and write the reports and the bundle.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/run_bundle.hpp"
#include "cli/run_client.hpp"
#include "cli/run_interrupt.hpp"
#include "cli/run_options.hpp"
#include "cli/run_preflight.hpp"
#include "cli/run_reports.hpp"
#include "cli/run_scenarios.hpp"
#include "cli/run_target.hpp"
#include "cli/scenario_set.hpp"
#include "harness/attribution.hpp"
#include "harness/outcome.hpp"
#include "harness/scenario_runner.hpp"
#include "harness/suite.hpp"
#include "reports/console_reporter.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>
#include <variant>
#include <vector>

namespace xsime::cli {

namespace {

// The run itself: every planned case on the target, until done or interrupted; the console
// shows each case as it ends. When the preflight failed, no case runs and the result says
// why, once (RunResult::target_error), instead of one error per case.
harness::RunResult run_cases(const std::vector<harness::Planned>& planned,
                             const RunOptions& options, const RunPlan& plan, RunTarget& target,
                             const std::optional<harness::ClientUnderTest>& client,
                             const std::optional<std::string>& preflight_error,
                             const std::atomic<bool>& interrupt,
                             reports::ConsoleReporter& console) {
    const std::size_t total = planned.size() * std::max(1u, options.repeat);
    if (preflight_error) {
        harness::RunResult result;
        result.started = std::chrono::system_clock::now();
        result.planned = total;
        result.target_error = *preflight_error;
        return result;
    }
    harness::SuiteOptions suite;
    suite.expected_failures = plan.expected_failures;
    suite.jobs = options.jobs;
    suite.repeat = options.repeat;
    suite.rerun_failures = options.rerun_failures;
    suite.run_timeout = std::chrono::seconds(options.timeout_s);
    suite.interrupt = &interrupt;
    harness::RunnerOptions runner;
    runner.step_timeout = std::chrono::milliseconds(options.step_timeout_ms);
    runner.scenario_timeout = std::chrono::milliseconds(options.scenario_timeout_ms);

    std::size_t done = 0;
    console.on_start(total);
    const auto run_case = [&](const harness::Scenario& scenario, const std::atomic<bool>& cancel) {
        if (client) {
            return harness::run_client_case(scenario, *client, runner, cancel);
        }
        return harness::run_scenario(scenario, *target.transport, *target.fixture, runner, cancel);
    };
    return harness::run_suite(planned, run_case, suite, [&](const harness::CaseResult& one) {
        console.on_case(one, ++done, total);
    });
}

// What the result says besides its cases: the broken files, the tool, the target and the
// settings, the exact scenario files; then which failures are consequences of which.
struct RunContext {
    const RunOptions& options;
    const RunPlan& plan;
    const RunTarget& target;
    const harness::LoadResult& loaded;
    const ScenarioSet& scenarios;
};
void complete_result(harness::RunResult& result, const RunContext& run) {
    result.load_errors = run.loaded.errors;
    result.tool_version = XSIME_VERSION;
    result.target = run.target.text;
    result.settings = run_settings(run.options, run.plan, run.target);
    result.scenario_set_sha256 = run.scenarios.sha256;
    result.scenario_files = run.scenarios.files.size();
    harness::attribute_consequences(result);
}

// What the run certifies: a client under test (the harness plays the server), or a server,
// checked by the preflight before any case runs.
struct UnderTest {
    RunTarget target;
    std::optional<harness::ClientUnderTest> client;
    std::optional<std::string> preflight_error;
};

std::variant<UnderTest, RunStop> open_subject(const RunOptions& options, const RunPlan& plan) {
    UnderTest out;
    if (plan.client) {
        auto made = open_client(options);
        if (auto* stop = std::get_if<RunStop>(&made)) {
            return std::move(*stop);
        }
        out.client = std::get<harness::ClientUnderTest>(std::move(made));
        out.target.text = client_target_text(options);
        return out;
    }
    auto reached = open_target(options, plan);
    if (auto* stop = std::get_if<RunStop>(&reached)) {
        return std::move(*stop);
    }
    out.target = std::get<RunTarget>(std::move(reached));
    out.preflight_error =
        preflight(*out.target.transport, {plan.tf, plan.target.has_value(),
                                          std::chrono::milliseconds(options.step_timeout_ms)});
    return out;
}

int run(const RunOptions& options) {
    auto checked = check_run_options(options);
    if (const auto* stop = std::get_if<RunStop>(&checked)) {
        return stop_run(*stop);
    }
    const auto& plan = std::get<RunPlan>(checked);
    const auto found = run_paths(options);
    if (const auto* stop = std::get_if<RunStop>(&found)) {
        return stop_run(*stop);
    }
    const auto& paths = std::get<std::vector<std::string>>(found);
    auto loading = load_run_scenarios(options, paths, plan.expected_failures);
    if (const auto* stop = std::get_if<RunStop>(&loading)) {
        return stop_run(*stop);
    }
    const auto& loaded = std::get<harness::LoadResult>(loading);
    const bool file_errors = !loaded.errors.empty();
    const auto planned = harness::plan(loaded.scenarios, plan.selection);
    if (options.list) {
        list_plan(planned);
        return file_errors ? exit_usage : exit_ok;
    }
    if (const auto stop = check_plan(planned, loaded.scenarios, plan.selection, options)) {
        return stop_run(*stop);
    }
    auto scenario_set = read_scenario_set(planned, paths);
    if (const auto* stop = std::get_if<RunStop>(&scenario_set)) {
        return stop_run(*stop);
    }
    // From here a signal stops the run and the reports are still written (run_interrupt.hpp).
    const RunInterrupt interrupt;
    auto opened = ReportFiles::open(options);
    if (const auto* stop = std::get_if<RunStop>(&opened)) {
        return stop_run(*stop);
    }
    auto& report_files = std::get<ReportFiles>(opened);
    auto bundling = BundleWriter::open(options);
    if (const auto* stop = std::get_if<RunStop>(&bundling)) {
        return stop_run(*stop);
    }
    auto opened_subject = open_subject(options, plan);
    if (const auto* stop = std::get_if<RunStop>(&opened_subject)) {
        return stop_run(*stop);
    }
    auto& [target, client, preflight_error] = std::get<UnderTest>(opened_subject);

    const bool tty = ::isatty(STDOUT_FILENO) == 1;
    reports::ConsoleReporter console(std::cout, tty, tty, options.verbose);
    auto result = run_cases(planned, options, plan, target, client, preflight_error,
                            interrupt.requested(), console);
    const auto& scenarios_run = std::get<ScenarioSet>(scenario_set);
    complete_result(result, {options, plan, target, loaded, scenarios_run});
    const auto outcome = harness::summarize(result, options.strict);
    console.on_finish(result, outcome);
    const bool reports_written = report_files.write(result, outcome);
    if (!std::get<BundleWriter>(bundling).write(result, outcome, scenarios_run) ||
        !reports_written) {
        return exit_harness_fault;
    }
    return harness::exit_code(result, options.strict, file_errors);
}

// Which scenarios run: the set, the catalogue their clause ids are checked against, and the
// filters.
void add_selection_options(CLI::App& cmd, RunOptions& options) {
    const std::string group = "Selection";
    cmd.add_option("--scenarios", options.scenarios,
                   "The scenario set to run when no PATH is given (default: $XSIME_SCENARIOS, "
                   "else ./scenarios, else the installed set)")
        ->type_name("DIR")
        ->group(group);
    cmd.add_option("--clauses", options.clauses,
                   "The clause catalogue the scenarios' clause ids are checked against "
                   "(default: clauses.json in the first folder given, else the scenario set's; "
                   "none found: ids are not checked)")
        ->type_name("FILE")
        ->group(group);
    // One value per occurrence: otherwise `--filter 'a.*' scenarios/` would read the folder
    // as a second glob.
    cmd.add_option("--filter", options.filters,
                   "Only ids matching this shell glob, e.g. 'delivery.*' (repeatable: any)")
        ->type_name("GLOB")
        ->allow_extra_args(false)
        ->group(group);
    cmd.add_option("--keyword", options.keywords,
                   "Only scenarios with this keyword (repeatable: any)")
        ->type_name("WORD")
        ->allow_extra_args(false)
        ->group(group);
    cmd.add_option("--level", options.levels,
                   "Levels that run, comma-separated: must,should,interop; the others are "
                   "reported as skipped (default: all)")
        ->type_name("LEVELS")
        ->group(group);
    cmd.add_option("--shard", options.shard,
                   "Run the I-th of N deterministic slices, e.g. 2/4 (for parallel CI jobs; "
                   "an empty slice passes)")
        ->type_name("I/N")
        ->group(group);
    cmd.add_flag("--list", options.list, "List the scenarios that would run, and exit")
        ->group(group);
}

// The server under test, how to reach it, and where its fixtures go.
void add_target_options(CLI::App& cmd, RunOptions& options) {
    const std::string group = "Target (default: the embedded reference server)";
    cmd.add_option("--target", options.target,
                   "The server under test, e.g. 127.0.0.1:7777 or [::1]:7777")
        ->type_name("HOST:PORT")
        ->group(group);
    cmd.add_option("--root", options.root,
                   "The target's mailbox root on this machine, where fixtures are prepared; "
                   "without it, fixtures go through TF commands (see --fixtures)")
        ->type_name("DIR")
        ->check(CLI::ExistingDirectory)
        ->group(group);
    cmd.add_option("--fixtures", options.fixtures,
                   "local: prepare fixtures in the root folder (the embedded server's, or "
                   "--root); remote: through the TF commands MKDIR/TOUCH/DEL/RMDIR, as for a "
                   "server on another machine; auto: local when a root is known")
        ->type_name("auto|local|remote")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "local", "remote"}))
        ->group(group);
    cmd.add_option("--server-fault", options.server_faults,
                   "Start the embedded server with this deliberate fault, to test the suite "
                   "itself (repeatable; names in docs/reference-server.md)")
        ->type_name("NAME")
        ->allow_extra_args(false)
        ->group(group);
}

// The TF handshake and session cipher, on the target or on the embedded server.
void add_tf_options(CLI::App& cmd, RunOptions& options) {
    const std::string group = "TF transport";
    cmd.add_option("--transport", options.transport,
                   "plain: TF framing only; tf: the TF handshake (version, RSA-OAEP session "
                   "key, hash) and the session cipher")
        ->type_name("plain|tf")
        ->capture_default_str()
        ->check(CLI::IsMember({"plain", "tf"}))
        ->group(group);
    cmd.add_option("--pubkey", options.pubkey,
                   "tf with --target: the server's RSA-2048 public key (PEM)")
        ->type_name("FILE")
        ->group(group);
    cmd.add_option("--hash", options.hash,
                   "tf: the server's hash string (required with --target; the embedded server "
                   "takes any you give)")
        ->type_name("STR")
        ->group(group);
    cmd.add_option("--session-key-size", options.session_key_size,
                   "tf: bytes of the random session key each connection makes, 16 to 214; "
                   "try both ends to certify a server (default: 32)")
        ->type_name("N")
        ->check(CLI::Range(std::size_t{16}, std::size_t{214}))
        ->group(group);
    cmd.add_option("--proto-version", options.proto_version,
                   "tf: the protocol version string sent first")
        ->capture_default_str()
        ->type_name("STR")
        ->group(group);
}

// A client under test instead of a server: the harness plays the server.
void add_client_options(CLI::App& cmd, RunOptions& options) {
    const std::string group = "Client under test (instead of a server)";
    cmd.add_option("--exec", options.exec,
                   "Certify a client: run the client scenarios, starting this driver program "
                   "per scenario (docs/client-driver.md); {host}, {port} and {transport} are "
                   "replaced, words are split like sh does, but no shell runs")
        ->type_name("CMD")
        ->group(group);
    cmd.add_flag("--exec-shell", options.exec_shell,
                 "Give --exec's text to /bin/sh -c instead (pipes, $VARS, redirections)")
        ->group(group);
    cmd.add_flag("--reference-client", options.reference_client,
                 "Run the client scenarios against the project's reference client "
                 "(xsime-conform client-driver)")
        ->group(group);
    cmd.add_option("--client-fault", options.client_faults,
                   "With --reference-client: start it with this deliberate fault, to test the "
                   "client suite itself (repeatable; 'xsime-conform client-driver "
                   "--list-client-faults')")
        ->type_name("NAME")
        ->allow_extra_args(false)
        ->group(group);
}

// Parallelism, repetition and deadlines.
void add_schedule_options(CLI::App& cmd, RunOptions& options) {
    const std::string group = "Deadlines and retries";
    cmd.add_option("-j,--jobs", options.jobs, "Scenarios run in parallel, 1 to 256")
        ->type_name("N")
        ->capture_default_str()
        ->check(CLI::Range(1u, 256u))
        ->group(group);
    cmd.add_option("--timeout", options.timeout_s,
                   "Deadline for the whole run: running cases are stopped, the rest skipped, "
                   "and the run exits 3")
        ->type_name("SECONDS")
        ->capture_default_str()
        ->check(CLI::Range(1u, 7u * 24 * 3600))
        ->group(group);
    cmd.add_option("--step-timeout", options.step_timeout_ms, "Deadline of a step that sets none")
        ->type_name("MS")
        ->capture_default_str()
        ->check(CLI::Range(1u, 3600u * 1000))
        ->group(group);
    cmd.add_option("--scenario-timeout", options.scenario_timeout_ms,
                   "Deadline of a scenario that sets none")
        ->type_name("MS")
        ->capture_default_str()
        ->check(CLI::Range(1u, 3600u * 1000))
        ->group(group);
    cmd.add_option("--repeat", options.repeat, "Run every scenario N times")
        ->type_name("N")
        ->capture_default_str()
        ->check(CLI::Range(1u, 10000u))
        ->group(group);
    cmd.add_option("--rerun-failures", options.rerun_failures,
                   "Rerun a failing scenario up to N times; a later pass is reported as flaky")
        ->type_name("N")
        ->capture_default_str()
        ->check(CLI::Range(0u, 100u))
        ->group(group);
}

// Which failures fail the run.
void add_verdict_options(CLI::App& cmd, RunOptions& options) {
    const std::string group = "Verdict";
    cmd.add_flag("--strict", options.strict,
                 "A failing 'should' also fails the run (a failing 'must' always does; "
                 "'interop' failures are warnings)")
        ->group(group);
    cmd.add_option("--expect-failures", options.expect_failures,
                   "Known-failure baseline: a file with one scenario id per line. Listed "
                   "failures do not fail the run; a listed case that passes does")
        ->type_name("FILE")
        ->group(group);
}

// The console, the report files and the bundle.
void add_report_options(CLI::App& cmd, RunOptions& options) {
    const std::string group = "Reports";
    cmd.add_flag("-v,--verbose", options.verbose,
                 "Print every case with its verdict and time, passes included")
        ->group(group);
    cmd.add_option("--junit", options.junit, "Write a JUnit XML report to FILE")
        ->type_name("FILE")
        ->group(group);
    cmd.add_option("--json", options.json, "Write a JSON report to FILE (docs/reports.md)")
        ->type_name("FILE")
        ->group(group);
    cmd.add_option("--html", options.html,
                   "Write an HTML report to FILE: one self-contained page for certifiers, "
                   "deviations first")
        ->type_name("FILE")
        ->group(group);
    cmd.add_option("--bundle", options.bundle,
                   "Write a .tar.gz holding the HTML, JSON and JUnit reports, the scenario files "
                   "that ran, the command line, the tool version and a MANIFEST of their "
                   "SHA-256; check it with 'xsime-conform verify-bundle'")
        ->type_name("FILE")
        ->group(group);
    cmd.add_option("--sign", options.sign,
                   "With --bundle: sign the MANIFEST with this unencrypted PEM private key (RSA, "
                   "EC or Ed25519) as MANIFEST.sig")
        ->type_name("KEY.pem")
        ->group(group);
}

} // namespace

void setup_cmd_run(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<RunOptions>();
    auto* cmd = app.add_subcommand(
        "run", "Replay scenarios against a server under test (default: the embedded reference "
               "server), or against a client under test with --exec, and report. Exit codes: 0 all "
               "passed, 1 non-conformant, 2 usage or "
               "scenario-file error, 3 target unreachable, harness fault, run deadline or "
               "interrupted (SIGINT/SIGTERM: the reports are still written; a second one "
               "exits at once).");
    cmd->add_option("paths", options->paths,
                    "Scenario files or folders (default: the scenario set, see --scenarios)")
        ->type_name("PATH");
    // In this order in --help.
    add_selection_options(*cmd, *options);
    add_target_options(*cmd, *options);
    add_tf_options(*cmd, *options);
    add_client_options(*cmd, *options);
    add_schedule_options(*cmd, *options);
    add_verdict_options(*cmd, *options);
    add_report_options(*cmd, *options);
    cmd->callback([options, &exit_code] { exit_code = run(*options); });
}

} // namespace xsime::cli
