// `xsime-conform coverage`: the clause x scenario matrix, and the clauses nothing checks.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/scenario_home.hpp"
#include "harness/coverage.hpp"
#include "harness/scenario_loader.hpp"

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace xsime::cli {

namespace {

struct CoverageOptions {
    std::vector<std::string> paths;
    std::string scenarios; // --scenarios DIR; "": looked for (scenario_home.hpp)
    std::string clauses;   // --clauses FILE; "": the scenario set's clauses.json
    bool uncovered_only = false;
};

// The catalogue and the scenario files or folders: the options, or the scenario set for what
// they do not name; the error names every place looked in.
struct CoverageInputs {
    std::filesystem::path clauses;
    std::vector<std::filesystem::path> paths;
};
std::variant<CoverageInputs, std::string> coverage_inputs(const CoverageOptions& options) {
    CoverageInputs inputs{options.clauses, {options.paths.begin(), options.paths.end()}};
    if (!inputs.clauses.empty() && !inputs.paths.empty()) {
        return inputs;
    }
    auto home = find_scenario_home(scenario_home_sources(options.scenarios));
    if (auto* error = std::get_if<std::string>(&home)) {
        return *error + " (or pass --clauses FILE and scenario files or folders)";
    }
    const auto& dir = std::get<ScenarioHome>(home).dir;
    if (inputs.clauses.empty()) {
        inputs.clauses = dir / "clauses.json";
    }
    if (inputs.paths.empty()) {
        inputs.paths.push_back(dir);
    }
    return inputs;
}

std::string join_sides(const std::vector<std::string>& sides) {
    return sides.size() == 2 ? sides[0] + " or " + sides[1] : sides.at(0);
}

std::string list_or_none(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids) {
        out += (out.empty() ? "" : ", ") + id;
    }
    return out.empty() ? "none" : out;
}

// "server: a, b" / "client: none" / both, for the sides the clause binds.
std::string scenario_lists(const harness::CoverageRow& row) {
    using harness::Binds;
    const auto binds = row.clause->binds;
    std::string out;
    if (binds != Binds::client) {
        out = "server: " + list_or_none(row.server);
    }
    if (binds != Binds::server) {
        out += (out.empty() ? "" : "; ") + std::string("client: ") + list_or_none(row.client);
    }
    return out;
}

// The clause x scenario matrix; returns, per level, how many clauses are covered of how many.
std::map<harness::Level, std::pair<int, int>> print_matrix(const harness::Coverage& result,
                                                           bool uncovered_only) {
    std::map<harness::Level, std::pair<int, int>> by_level; // covered, total
    std::cout << std::left << std::setw(30) << "CLAUSE" << std::setw(9) << "LEVEL" << std::setw(8)
              << "BINDS"
              << "SCENARIOS\n";
    for (const auto& row : result.rows) {
        auto& [covered, total] = by_level[row.clause->level];
        ++total;
        covered += row.missing().empty() ? 1 : 0;
        if (uncovered_only && row.missing().empty()) {
            continue;
        }
        std::cout << std::left << std::setw(30) << row.clause->id << std::setw(9)
                  << harness::to_string(row.clause->level) << std::setw(8)
                  << harness::to_string(row.clause->binds) << scenario_lists(row) << '\n';
    }
    return by_level;
}

int coverage(const CoverageOptions& options) {
    const auto found = coverage_inputs(options);
    if (const auto* error = std::get_if<std::string>(&found)) {
        std::cerr << "xsime-conform coverage: " << *error << '\n';
        return exit_usage;
    }
    const auto& inputs = std::get<CoverageInputs>(found);
    auto catalogue = harness::load_clauses(inputs.clauses);
    if (auto* error = std::get_if<std::string>(&catalogue)) {
        std::cerr << "xsime-conform coverage: " << *error << '\n';
        return exit_usage;
    }
    const auto& clauses = std::get<std::vector<harness::Clause>>(catalogue);
    const auto loaded = harness::load_scenarios(inputs.paths);
    for (const auto& error : loaded.errors) {
        std::cerr << harness::format(error) << '\n';
    }
    const auto result = harness::compute_coverage(clauses, loaded.scenarios);

    const auto by_level = print_matrix(result, options.uncovered_only);
    for (const auto& citation : result.unknown_citations) {
        std::cout << "unknown clause cited by " << citation << '\n';
    }
    const auto uncovered = result.uncovered();
    std::cout << "\nuncovered must/should clauses (on a side they bind):\n";
    bool any = false;
    for (const auto* row : uncovered) {
        if (row->clause->level != harness::Level::interop) {
            std::cout << "  " << row->clause->id << " [" << harness::to_string(row->clause->level)
                      << ", no " << join_sides(row->missing()) << " scenario] \""
                      << row->clause->text << "\"\n";
            any = true;
        }
    }
    if (!any) {
        std::cout << "  none\n";
    }
    std::cout << '\n'
              << clauses.size() - uncovered.size() << '/' << clauses.size() << " clauses covered";
    const char* separator = " (";
    for (const auto& [level, counts] : by_level) {
        std::cout << separator << harness::to_string(level) << ' ' << counts.first << '/'
                  << counts.second;
        separator = ", ";
    }
    std::cout << ")\n";
    if (!loaded.errors.empty() || !result.unknown_citations.empty()) {
        return exit_usage;
    }
    return result.complete() ? exit_ok : exit_nonconformant;
}

} // namespace

void setup_cmd_coverage(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<CoverageOptions>();
    auto* cmd = app.add_subcommand(
        "coverage", "Print which scenarios check each clause of the catalogue and list the "
                    "clauses no scenario checks. Exit codes: 0 every must and should clause "
                    "is covered, 1 some are not, 2 a file error or an unknown clause id.");
    cmd->add_option("paths", options->paths,
                    "Scenario files or folders (default: the scenario set, see --scenarios)")
        ->type_name("PATH");
    cmd->add_option("--scenarios", options->scenarios,
                    "The scenario set, for what PATH and --clauses do not name (default: "
                    "$XSIME_SCENARIOS, else ./scenarios, else the installed set)")
        ->type_name("DIR");
    cmd->add_option("--clauses", options->clauses,
                    "The clause catalogue (default: clauses.json of the scenario set)")
        ->type_name("FILE");
    cmd->add_flag("--uncovered-only", options->uncovered_only,
                  "List only the clauses without a scenario");
    cmd->callback([options, &exit_code] { exit_code = coverage(*options); });
}

} // namespace xsime::cli
