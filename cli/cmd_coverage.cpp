// `xsime-conform coverage`: the clause x scenario matrix, and the clauses nothing checks.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "harness/coverage.hpp"
#include "harness/scenario_loader.hpp"

#include <iomanip>
#include <iostream>
#include <memory>

namespace xsime::cli {

namespace {

struct CoverageOptions {
    std::vector<std::string> paths;
    std::string clauses = "scenarios/clauses.json";
    bool uncovered_only = false;
};

int coverage(const CoverageOptions& options) {
    auto catalogue = harness::load_clauses(options.clauses);
    if (auto* error = std::get_if<std::string>(&catalogue)) {
        std::cerr << "xsime-conform coverage: " << *error << '\n';
        return exit_usage;
    }
    const auto& clauses = std::get<std::vector<harness::Clause>>(catalogue);
    std::vector<std::filesystem::path> paths(options.paths.begin(), options.paths.end());
    if (paths.empty()) {
        paths.emplace_back("scenarios");
    }
    const auto loaded = harness::load_scenarios(paths);
    for (const auto& error : loaded.errors) {
        std::cerr << harness::format(error) << '\n';
    }
    const auto result = harness::compute_coverage(clauses, loaded.scenarios);

    std::map<harness::Level, std::pair<int, int>> by_level; // covered, total
    for (const auto& [clause, scenarios] : result.rows) {
        auto& [covered, total] = by_level[clause->level];
        ++total;
        covered += scenarios.empty() ? 0 : 1;
        if (options.uncovered_only && !scenarios.empty()) {
            continue;
        }
        std::cout << std::left << std::setw(30) << clause->id << std::setw(9)
                  << harness::to_string(clause->level);
        if (scenarios.empty()) {
            std::cout << "-- no scenario --";
        }
        for (std::size_t i = 0; i < scenarios.size(); ++i) {
            std::cout << (i ? ", " : "") << scenarios[i];
        }
        std::cout << '\n';
    }
    for (const auto& citation : result.unknown_citations) {
        std::cout << "unknown clause cited by " << citation << '\n';
    }
    const auto uncovered = result.uncovered();
    std::cout << "\nuncovered must/should clauses:\n";
    for (const auto* clause : uncovered) {
        if (clause->level != harness::Level::interop) {
            std::cout << "  " << clause->id << " [" << harness::to_string(clause->level) << "] \""
                      << clause->text << "\"\n";
        }
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
    cmd->add_option("paths", options->paths, "Scenario files or folders (default: scenarios/)");
    cmd->add_option("--clauses", options->clauses, "The clause catalogue")->capture_default_str();
    cmd->add_flag("--uncovered-only", options->uncovered_only,
                  "List only the clauses without a scenario");
    cmd->callback([options, &exit_code] { exit_code = coverage(*options); });
}

} // namespace xsime::cli
