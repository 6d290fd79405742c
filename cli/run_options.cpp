// Checking the options of `xsime-conform run` into a RunPlan (run_options.hpp).
#include "cli/run_options.hpp"

#include "client/client_faults.hpp"
#include "harness/exec_template.hpp"

#include <exception>
#include <iostream>
#include <iterator>
#include <sstream>
#include <utility>

namespace xsime::cli {

namespace {

std::string client_fault_names() {
    std::string out;
    for (const auto& info : client::client_fault_table()) {
        out += (out.empty() ? "" : ", ") + std::string(info.name);
    }
    return out;
}

// A usage error's message, or none.
using Problem = std::optional<std::string>;

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

// --filter, --keyword, --level and --shard.
Problem check_selection(const RunOptions& options, harness::Selection& selection) {
    selection.id_globs = options.filters;
    selection.keywords = options.keywords;
    if (!options.levels.empty()) {
        auto levels = parse_levels(options.levels);
        if (!levels) {
            return "--level: expected a comma-separated list of must, should, interop; got '" +
                   options.levels + "'";
        }
        selection.levels = *levels;
    }
    if (!options.shard.empty()) {
        auto shard = harness::parse_shard(options.shard);
        if (auto* error = std::get_if<std::string>(&shard)) {
            return "--shard: " + *error;
        }
        selection.shard = std::get<harness::Shard>(shard);
    }
    return std::nullopt;
}

// --target and the options that only make sense with it (or only without it).
Problem check_target(const RunOptions& options, bool tf, std::optional<Target>& target) {
    if (!options.target.empty()) {
        target = parse_target(options.target);
        if (!target) {
            return "--target: expected HOST:PORT, got '" + options.target + "'";
        }
        if (tf && (options.pubkey.empty() || !options.hash)) {
            return "--transport tf with --target needs --pubkey FILE (the server's RSA-2048 "
                   "public key) and --hash STR (the server's hash string)";
        }
        if (options.fixtures == "local" && options.root.empty()) {
            return "--fixtures local needs --root DIR: the target's mailbox root on this machine";
        }
        if (options.fixtures == "remote" && !options.root.empty()) {
            return "--fixtures remote and --root contradict each other: --root prepares "
                   "fixtures locally";
        }
    } else if (!options.pubkey.empty()) {
        return "--pubkey is for --target: the embedded server makes its own key pair";
    } else if (!options.root.empty()) {
        // Silently ignoring it would let a user believe fixtures went to that folder.
        return "--root is only used with --target: the embedded server keeps its mailbox in a "
               "temporary folder of its own";
    }
    return std::nullopt;
}

// Faults only exist in the embedded server; with --target they would silently do nothing.
Problem check_faults(const RunOptions& options, bool has_target, mock::Faults& faults) {
    if (!options.server_faults.empty() && has_target) {
        return "--server-fault only applies to the embedded server, not to --target";
    }
    for (const auto& name : options.server_faults) {
        const auto fault = mock::parse_fault(name);
        if (!fault) {
            return "--server-fault: unknown fault '" + name + "'; known: " + mock::fault_names();
        }
        faults.add(*fault);
    }
    return std::nullopt;
}

// --exec / --reference-client: a client under test instead of a server; the options that
// only reach a server make no sense with it.
Problem check_client(const RunOptions& options, RunPlan& plan) {
    plan.client = !options.exec.empty() || options.reference_client;
    plan.selection.subject = plan.client ? harness::Subject::client : harness::Subject::server;
    if (!options.exec.empty() && options.reference_client) {
        return "--exec and --reference-client name two clients: give one";
    }
    if (options.exec_shell && options.exec.empty()) {
        return "--exec-shell needs --exec CMD";
    }
    if (!options.exec.empty() && !options.exec_shell) {
        // Checked once here rather than failing every case the same way.
        auto split = harness::split_exec(options.exec, {});
        if (const auto* error = std::get_if<std::string>(&split)) {
            return "--exec: " + *error;
        }
    }
    if (!options.client_faults.empty() && !options.reference_client) {
        return "--client-fault only applies to --reference-client";
    }
    for (const auto& name : options.client_faults) {
        if (!client::client_fault_named(name)) {
            return "--client-fault: unknown fault '" + name + "'; known: " + client_fault_names();
        }
    }
    if (!plan.client) {
        return std::nullopt;
    }
    if (!options.target.empty() || !options.root.empty() || !options.server_faults.empty() ||
        !options.pubkey.empty() || options.hash) {
        return "--target, --root, --server-fault, --pubkey and --hash reach a server; with "
               "--exec or --reference-client the harness is the server";
    }
    return std::nullopt;
}

// The report files and the bundle (only that they differ; they are opened later), and the
// baseline file.
Problem check_outputs(const RunOptions& options, std::set<std::string>& expected_failures) {
    const std::pair<const char*, const std::string*> outputs[] = {{"--junit", &options.junit},
                                                                  {"--json", &options.json},
                                                                  {"--html", &options.html},
                                                                  {"--bundle", &options.bundle}};
    for (std::size_t i = 0; i < std::size(outputs); ++i) {
        for (std::size_t j = i + 1; j < std::size(outputs); ++j) {
            const std::string& path = *outputs[i].second;
            if (!path.empty() && path == *outputs[j].second) {
                return std::string(outputs[i].first) + " and " + outputs[j].first +
                       " name the same file '" + path + "'";
            }
        }
    }
    if (!options.expect_failures.empty()) {
        auto baseline = harness::load_baseline(options.expect_failures);
        if (auto* error = std::get_if<std::string>(&baseline)) {
            return "--expect-failures: " + *error;
        }
        expected_failures = std::get<std::set<std::string>>(baseline);
    }
    return std::nullopt;
}

} // namespace

int stop_run(const RunStop& stop) {
    std::cerr << "xsime-conform run: " << stop.message << '\n';
    return stop.exit_code;
}

std::variant<RunPlan, RunStop> check_run_options(const RunOptions& options) {
    RunPlan plan;
    plan.tf = options.transport == "tf";
    Problem problem;
    if (!plan.tf && (!options.pubkey.empty() || options.hash || options.session_key_size != 0)) {
        problem = "--pubkey, --hash and --session-key-size only apply with --transport tf";
    }
    if (!problem) {
        problem = check_selection(options, plan.selection);
    }
    if (!problem) {
        problem = check_target(options, plan.tf, plan.target);
    }
    if (!problem) {
        problem = check_faults(options, plan.target.has_value(), plan.server_faults);
    }
    if (!problem) {
        problem = check_client(options, plan);
    }
    if (!problem) {
        problem = check_outputs(options, plan.expected_failures);
    }
    if (problem) {
        return RunStop{exit_usage, *problem};
    }
    return plan;
}

} // namespace xsime::cli
