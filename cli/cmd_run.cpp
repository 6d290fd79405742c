// `xsime-conform run`: replay scenarios against a target (default: the embedded reference
// server) and report to the console, JUnit XML and JSON.
#include "cli/commands.hpp"
#include "cli/embedded_server.hpp"
#include "cli/exit_codes.hpp"
#include "cli/key_files.hpp"
#include "harness/local_fixture.hpp"
#include "harness/outcome.hpp"
#include "harness/plain_connection.hpp"
#include "harness/remote_fixture.hpp"
#include "harness/scenario_loader.hpp"
#include "harness/scenario_runner.hpp"
#include "harness/suite.hpp"
#include "harness/tf_connection.hpp"
#include "mock_server/faults.hpp"
#include "protocol/tf_rsa.hpp"
#include "reports/console_reporter.hpp"
#include "reports/json_reporter.hpp"
#include "reports/junit_reporter.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace xsime::cli {

namespace {

struct RunOptions {
    std::vector<std::string> paths;
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
    bool list = false;
    std::string expect_failures;
    std::string transport = "plain";
    std::string pubkey;              // --pubkey (tf, with --target)
    std::optional<std::string> hash; // --hash (tf)
    std::string proto_version = std::string(default_tf_protocol_version);
    std::size_t session_key_size = 0;       // 0: not given, harness::TfSettings' default
    std::string fixtures = "auto";          // auto | local | remote
    std::vector<std::string> server_faults; // mock_server/faults.hpp names
};

// The hash the embedded server expects over tf when the user names none.
constexpr std::string_view embedded_tf_hash = "xsime-conform-embedded";

struct Target {
    std::string host;
    std::uint16_t port = 0;
};

std::optional<Target> parse_target(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        return std::nullopt;
    }
    try {
        std::size_t used = 0;
        const auto port = std::stoul(text.substr(colon + 1), &used);
        if (used != text.size() - colon - 1 || port == 0 || port > 65535) {
            return std::nullopt;
        }
        auto host = text.substr(0, colon);
        // "[::1]:7777": the brackets only separate an IPv6 address from the port.
        if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
            host = host.substr(1, host.size() - 2);
        }
        return Target{host, static_cast<std::uint16_t>(port)};
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::optional<std::set<harness::Level>> parse_levels(const std::string& text) {
    std::set<harness::Level> levels;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ',')) {
        const auto level = harness::parse_level(item);
        if (!level) {
            return std::nullopt;
        }
        levels.insert(*level);
    }
    return levels;
}

int usage_error(const std::string& message) {
    std::cerr << "xsime-conform run: " << message << '\n';
    return exit_usage;
}

// Opened before the run so that a bad path fails at once, not after an hour of testing.
std::optional<std::ofstream> open_report(const std::string& path, std::string& error) {
    if (path.empty()) {
        return std::nullopt;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) {
        error = "cannot write the report file '" + path + "'";
    }
    return out;
}

void list_plan(const std::vector<harness::Planned>& planned) {
    for (const auto& item : planned) {
        std::cout << item.scenario->id << "  [" << harness::to_string(item.scenario->level) << "]  "
                  << item.scenario->name;
        if (item.gated) {
            std::cout << "  (skipped: " << *item.gated << ')';
        }
        std::cout << '\n';
    }
    std::cout << planned.size() << (planned.size() == 1 ? " scenario\n" : " scenarios\n");
}

int run(const RunOptions& options) {
    const bool tf = options.transport == "tf";
    if (!tf && (!options.pubkey.empty() || options.hash || options.session_key_size != 0)) {
        return usage_error("--pubkey, --hash and --session-key-size only apply with --transport "
                           "tf");
    }
    harness::Selection selection;
    selection.id_globs = options.filters;
    selection.keywords = options.keywords;
    if (!options.levels.empty()) {
        auto levels = parse_levels(options.levels);
        if (!levels) {
            return usage_error("--level: expected a comma-separated list of must, should, "
                               "interop; got '" +
                               options.levels + "'");
        }
        selection.levels = *levels;
    }
    if (!options.shard.empty()) {
        auto shard = harness::parse_shard(options.shard);
        if (auto* error = std::get_if<std::string>(&shard)) {
            return usage_error("--shard: " + *error);
        }
        selection.shard = std::get<harness::Shard>(shard);
    }
    std::optional<Target> target;
    if (!options.target.empty()) {
        target = parse_target(options.target);
        if (!target) {
            return usage_error("--target: expected HOST:PORT, got '" + options.target + "'");
        }
        if (tf && (options.pubkey.empty() || !options.hash)) {
            return usage_error("--transport tf with --target needs --pubkey FILE (the server's "
                               "RSA-2048 public key) and --hash STR (the server's hash string)");
        }
        if (options.fixtures == "local" && options.root.empty()) {
            return usage_error("--fixtures local needs --root DIR: the target's mailbox root on "
                               "this machine");
        }
        if (options.fixtures == "remote" && !options.root.empty()) {
            return usage_error("--fixtures remote and --root contradict each other: --root "
                               "prepares fixtures locally");
        }
    } else if (!options.pubkey.empty()) {
        return usage_error("--pubkey is for --target: the embedded server makes its own key "
                           "pair");
    } else if (!options.root.empty()) {
        // Silently ignoring it would let a user believe fixtures went to that folder.
        return usage_error("--root is only used with --target: the embedded server keeps its "
                           "mailbox in a temporary folder of its own");
    }
    // Faults only exist in the embedded server; with --target they would silently do nothing.
    mock::Faults server_faults;
    if (!options.server_faults.empty() && target) {
        return usage_error("--server-fault only applies to the embedded server, not to --target");
    }
    for (const auto& name : options.server_faults) {
        const auto fault = mock::parse_fault(name);
        if (!fault) {
            return usage_error("--server-fault: unknown fault '" + name +
                               "'; known: " + mock::fault_names());
        }
        server_faults.add(*fault);
    }
    if (!options.junit.empty() && options.junit == options.json) {
        return usage_error("--junit and --json name the same file '" + options.junit + "'");
    }
    harness::SuiteOptions suite;
    if (!options.expect_failures.empty()) {
        auto baseline = harness::load_baseline(options.expect_failures);
        if (auto* error = std::get_if<std::string>(&baseline)) {
            return usage_error("--expect-failures: " + *error);
        }
        suite.expected_failures = std::get<std::set<std::string>>(baseline);
    }

    std::vector<std::filesystem::path> paths(options.paths.begin(), options.paths.end());
    if (paths.empty()) {
        std::error_code ignored;
        if (!std::filesystem::is_directory("scenarios", ignored)) {
            return usage_error("no scenario files or folders given, and there is no scenarios/ "
                               "folder here; pass them as arguments (see --help)");
        }
        paths.emplace_back("scenarios");
    }
    auto loaded = harness::load_scenarios(paths);
    for (const auto& error : loaded.errors) {
        std::cerr << harness::format(error) << '\n';
    }
    const bool file_errors = !loaded.errors.empty();
    // A baseline id that names no scenario is most likely a typo or a renamed scenario: the
    // case it meant to excuse would fail the run with no hint why.
    for (const auto& id : suite.expected_failures) {
        const bool known =
            std::any_of(loaded.scenarios.begin(), loaded.scenarios.end(),
                        [&](const harness::Scenario& scenario) { return scenario.id == id; });
        if (!known) {
            std::cerr << "xsime-conform run: warning: " << options.expect_failures << ": '" << id
                      << "' is not the id of any loaded scenario\n";
        }
    }
    const auto planned = harness::plan(loaded.scenarios, selection);
    if (options.list) {
        list_plan(planned);
        return file_errors ? exit_usage : exit_ok;
    }
    if (planned.empty()) {
        auto unsharded = selection;
        unsharded.shard.reset();
        const auto selected = harness::plan(loaded.scenarios, unsharded).size();
        if (selected == 0) {
            // Almost always a mistyped --filter or --keyword, or the wrong folder.
            std::cerr << "xsime-conform run: no scenario selected: " << loaded.scenarios.size()
                      << (loaded.scenarios.size() == 1 ? " scenario" : " scenarios") << " loaded";
            for (const auto& glob : options.filters) {
                std::cerr << ", --filter '" << glob << '\'';
            }
            for (const auto& keyword : options.keywords) {
                std::cerr << ", --keyword '" << keyword << '\'';
            }
            std::cerr << '\n';
            return exit_usage;
        }
        // An empty shard is normal when there are more shards than scenarios. The run goes
        // on with no case, so that the reports a CI job publishes exist.
        std::cerr << "xsime-conform run: shard " << options.shard << " is empty (" << selected
                  << (selected == 1 ? " scenario" : " scenarios") << " selected in all)\n";
    }

    std::string report_error;
    auto junit = open_report(options.junit, report_error);
    auto json = open_report(options.json, report_error);
    if (!report_error.empty()) {
        return usage_error(report_error);
    }

    // The tf settings: the target's public key from --pubkey, or a fresh pair for the
    // embedded server (a few tens of milliseconds of RSA key generation).
    harness::TfSettings tf_settings;
    std::optional<mock::TfServerSettings> embedded_tf;
    if (tf) {
        tf_settings.hash = options.hash.value_or(std::string(embedded_tf_hash));
        tf_settings.protocol_version = options.proto_version;
        if (options.session_key_size != 0) {
            tf_settings.session_key_size = options.session_key_size;
        }
        if (target) {
            auto key = read_public_key("--pubkey", options.pubkey);
            if (auto* error = std::get_if<KeyFileError>(&key)) {
                return usage_error(error->message);
            }
            tf_settings.public_key_pem = std::move(std::get<std::string>(key));
        } else {
            auto pair = protocol::generate_tf_key_pair();
            if (auto* error = std::get_if<protocol::TfRsaError>(&pair)) {
                std::cerr << "xsime-conform run: cannot make a key pair for the embedded server: "
                          << error->reason << '\n';
                return exit_harness_fault;
            }
            auto& keys = std::get<protocol::TfKeyPair>(pair);
            tf_settings.public_key_pem = keys.public_pem;
            embedded_tf = mock::TfServerSettings{keys.private_pem, tf_settings.hash,
                                                 tf_settings.protocol_version};
        }
    }

    std::optional<EmbeddedServer> embedded;
    std::string host;
    std::uint16_t port = 0;
    std::filesystem::path root;
    std::string target_text;
    if (target) {
        host = target->host;
        port = target->port;
        root = options.root;
        target_text = options.target;
    } else {
        embedded.emplace(std::function<void(std::string_view)>{}, server_faults, embedded_tf);
        host = embedded->host();
        port = embedded->port();
        root = embedded->root();
        target_text = "embedded"; // the value docs/reports.md documents for the reports
    }
    std::unique_ptr<harness::Transport> transport;
    if (tf) {
        transport = std::make_unique<harness::TfTransport>(host, port, tf_settings);
    } else {
        transport = std::make_unique<harness::PlainTransport>(host, port);
    }
    // Fixtures go to a local directory when the target's root is known here, else through the
    // TF commands MKDIR/TOUCH/DEL/RMDIR (docs/tf-transport.md).
    const bool remote_fixtures =
        options.fixtures == "remote" || (options.fixtures == "auto" && root.empty());
    std::unique_ptr<harness::FixtureHost> fixture;
    if (remote_fixtures) {
        fixture = std::make_unique<harness::RemoteFixture>(
            *transport, std::chrono::milliseconds(options.step_timeout_ms));
    } else {
        fixture = std::make_unique<harness::LocalFixture>(root);
    }

    // One connection before the run: an unreachable target or a refused TF handshake is said
    // once, clearly, and every case is reported as not run for that reason instead of each
    // trying again and waiting for its own timeout.
    std::optional<std::string> preflight_error;
    {
        auto probe = transport->connect(std::chrono::milliseconds(options.step_timeout_ms));
        if (auto* error = std::get_if<harness::TransportError>(&probe)) {
            preflight_error =
                (error->kind == harness::TransportError::Kind::handshake ? std::string()
                                                                         : "target unreachable: ") +
                harness::describe(*error);
            std::cerr << "xsime-conform run: " << transport->describe() << ": " << *preflight_error
                      << "; no scenario was run\n";
        } else {
            std::get<std::unique_ptr<harness::Connection>>(probe)->close();
        }
    }

    suite.jobs = options.jobs;
    suite.repeat = options.repeat;
    suite.rerun_failures = options.rerun_failures;
    suite.run_timeout = std::chrono::seconds(options.timeout_s);
    harness::RunnerOptions runner;
    runner.step_timeout = std::chrono::milliseconds(options.step_timeout_ms);
    runner.scenario_timeout = std::chrono::milliseconds(options.scenario_timeout_ms);

    const bool tty = ::isatty(STDOUT_FILENO) == 1;
    reports::ConsoleReporter console(std::cout, tty, tty);
    const std::size_t total = planned.size() * std::max(1u, options.repeat);
    std::size_t done = 0;
    console.on_start(total);
    const auto run_case = [&](const harness::Scenario& scenario, const std::atomic<bool>& cancel) {
        if (preflight_error) {
            auto result = harness::case_of(scenario);
            result.verdict = harness::Verdict::error;
            result.message = *preflight_error;
            return result;
        }
        return harness::run_scenario(scenario, *transport, *fixture, runner, cancel);
    };
    auto result = harness::run_suite(planned, run_case, suite, [&](const harness::CaseResult& one) {
        console.on_case(one, ++done, total);
    });
    result.tool_version = XSIME_VERSION;
    result.target = target_text;
    result.settings = {
        {"transport", options.transport},
        {"fixtures", remote_fixtures ? "remote" : "local"},
        {"jobs", std::to_string(options.jobs)},
        {"strict", options.strict ? "true" : "false"},
        {"levels", options.levels.empty() ? "must,should,interop" : options.levels},
        {"shard", options.shard.empty() ? "1/1" : options.shard},
        {"repeat", std::to_string(options.repeat)},
        {"rerun_failures", std::to_string(options.rerun_failures)},
        {"step_timeout_ms", std::to_string(options.step_timeout_ms)},
        {"scenario_timeout_ms", std::to_string(options.scenario_timeout_ms)},
        {"timeout_s", std::to_string(options.timeout_s)},
    };
    // The selection too, so that a report says what it covers; only when given.
    const auto joined = [](const std::vector<std::string>& items) {
        std::string text;
        for (const auto& item : items) {
            text += (text.empty() ? "" : " ") + item;
        }
        return text;
    };
    if (!options.filters.empty()) {
        result.settings["filter"] = joined(options.filters);
    }
    if (!options.keywords.empty()) {
        result.settings["keyword"] = joined(options.keywords);
    }
    if (!server_faults.empty()) {
        result.settings["server_fault"] = server_faults.to_string();
    }
    if (!options.expect_failures.empty()) {
        result.settings["expect_failures"] = options.expect_failures;
    }
    if (tf) {
        result.settings["proto_version"] = options.proto_version;
        result.settings["session_key_size"] = std::to_string(tf_settings.session_key_size);
    }
    const auto outcome = harness::summarize(result, options.strict);
    console.on_finish(result, outcome);
    // A report CI cannot read is a harness fault, not a pass: check that it was written.
    bool reports_written = true;
    const auto finish_report = [&](std::ofstream& out, const std::string& path) {
        out.flush();
        if (!out) {
            std::cerr << "xsime-conform run: writing the report file '" << path << "' failed\n";
            reports_written = false;
        }
    };
    if (junit) {
        reports::write_junit(result, *junit);
        finish_report(*junit, options.junit);
    }
    if (json) {
        reports::write_json(result, outcome, *json);
        finish_report(*json, options.json);
    }
    if (!reports_written) {
        return exit_harness_fault;
    }
    return harness::exit_code(result, options.strict, file_errors);
}

} // namespace

void setup_cmd_run(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<RunOptions>();
    auto* cmd = app.add_subcommand(
        "run", "Replay scenarios against a server under test (default: the embedded reference "
               "server) and report. Exit codes: 0 all passed, 1 non-conformant, 2 usage or "
               "scenario-file error, 3 target unreachable, harness fault or run deadline.");
    cmd->add_option("paths", options->paths,
                    "Scenario files or folders (default: scenarios/ in the current folder)")
        ->type_name("PATH");
    cmd->add_option("--target", options->target,
                    "The server under test, e.g. 127.0.0.1:7777 or [::1]:7777 (default: start "
                    "the embedded server)")
        ->type_name("HOST:PORT");
    cmd->add_option("--root", options->root,
                    "The target's mailbox root on this machine, where fixtures are prepared; "
                    "without it, fixtures go through TF commands (see --fixtures)")
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--fixtures", options->fixtures,
                    "local: prepare fixtures in the root folder (the embedded server's, or "
                    "--root); remote: through the TF commands MKDIR/TOUCH/DEL/RMDIR, as for a "
                    "server on another machine; auto: local when a root is known")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "local", "remote"}));
    cmd->add_option("--transport", options->transport,
                    "plain: TF framing only; tf: the TF handshake (version, RSA-OAEP session "
                    "key, hash) and the session cipher")
        ->capture_default_str()
        ->check(CLI::IsMember({"plain", "tf"}));
    cmd->add_option("--pubkey", options->pubkey,
                    "tf with --target: the server's RSA-2048 public key (PEM)")
        ->type_name("FILE");
    cmd->add_option("--hash", options->hash,
                    "tf: the server's hash string (required with --target; the embedded server "
                    "takes any you give)")
        ->type_name("STR");
    cmd->add_option("--session-key-size", options->session_key_size,
                    "tf: bytes of the random session key each connection makes (the protocol "
                    "allows 16 to 214; try both ends to certify a server; default 32)")
        ->type_name("N")
        ->check(CLI::Range(std::size_t{16}, std::size_t{214}));
    cmd->add_option("--proto-version", options->proto_version,
                    "tf: the protocol version string sent first")
        ->capture_default_str()
        ->type_name("STR");
    // One value per occurrence: otherwise `--filter 'a.*' scenarios/` would read the folder
    // as a second glob.
    cmd->add_option("--filter", options->filters,
                    "Only ids matching this shell glob, e.g. 'delivery.*' (repeatable: any)")
        ->type_name("GLOB")
        ->allow_extra_args(false);
    cmd->add_option("--keyword", options->keywords,
                    "Only scenarios with this keyword (repeatable: any)")
        ->type_name("WORD")
        ->allow_extra_args(false);
    cmd->add_option("--level", options->levels,
                    "Levels that run, comma-separated: must,should,interop (default: all; the "
                    "others are reported as skipped)")
        ->type_name("LEVELS");
    cmd->add_flag("--strict", options->strict, "A failing 'should' also fails the run");
    cmd->add_option("-j,--jobs", options->jobs, "Scenarios run in parallel")
        ->capture_default_str()
        ->check(CLI::Range(1u, 256u));
    cmd->add_option("--shard", options->shard,
                    "Run the I-th of N deterministic slices, e.g. 2/4 (for parallel CI jobs; "
                    "an empty slice passes)")
        ->type_name("I/N");
    cmd->add_option("--repeat", options->repeat, "Run every scenario N times")
        ->capture_default_str()
        ->check(CLI::Range(1u, 10000u));
    cmd->add_option("--rerun-failures", options->rerun_failures,
                    "Rerun a failing scenario up to N times; a later pass is reported as flaky")
        ->capture_default_str()
        ->check(CLI::Range(0u, 100u));
    cmd->add_option("--timeout", options->timeout_s,
                    "Deadline for the whole run, in seconds: running cases are stopped, the "
                    "rest skipped, and the run exits 3")
        ->capture_default_str()
        ->check(CLI::Range(1u, 7u * 24 * 3600));
    cmd->add_option("--step-timeout", options->step_timeout_ms,
                    "Default deadline of a step, in milliseconds")
        ->capture_default_str()
        ->check(CLI::Range(1u, 3600u * 1000));
    cmd->add_option("--scenario-timeout", options->scenario_timeout_ms,
                    "Default deadline of a scenario, in milliseconds")
        ->capture_default_str()
        ->check(CLI::Range(1u, 3600u * 1000));
    cmd->add_option("--junit", options->junit, "Write a JUnit XML report to FILE")
        ->type_name("FILE");
    cmd->add_option("--json", options->json, "Write a JSON report to FILE (docs/reports.md)")
        ->type_name("FILE");
    cmd->add_flag("--list", options->list, "List the scenarios that would run, and exit");
    cmd->add_option("--expect-failures", options->expect_failures,
                    "Known-failure baseline: a file with one scenario id per line. Listed "
                    "failures do not fail the run; a listed case that passes does")
        ->type_name("FILE");
    cmd->add_option("--server-fault", options->server_faults,
                    "Start the embedded server with this deliberate fault, to test the suite "
                    "itself (repeatable; names in docs/reference-server.md)")
        ->type_name("NAME")
        ->allow_extra_args(false);
    cmd->callback([options, &exit_code] { exit_code = run(*options); });
}

} // namespace xsime::cli
