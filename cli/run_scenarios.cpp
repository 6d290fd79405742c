// Loading, listing and checking the scenarios `xsime-conform run` runs (run_scenarios.hpp).
#include "cli/run_scenarios.hpp"

#include "cli/scenario_home.hpp"
#include "harness/coverage.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <system_error>

namespace xsime::cli {

namespace {

std::string count_of(std::size_t count) {
    return std::to_string(count) + (count == 1 ? " scenario" : " scenarios");
}

// The clause catalogue: --clauses, else clauses.json in the first folder given, else the
// scenario set's (what `coverage` reads by default); none when neither exists.
std::optional<std::filesystem::path>
find_catalogue(const RunOptions& options, const std::vector<std::filesystem::path>& paths) {
    if (!options.clauses.empty()) {
        return std::filesystem::path(options.clauses);
    }
    std::error_code ignored;
    const auto first_folder =
        std::find_if(paths.begin(), paths.end(), [&](const std::filesystem::path& path) {
            return std::filesystem::is_directory(path, ignored);
        });
    if (first_folder != paths.end() &&
        std::filesystem::is_regular_file(*first_folder / "clauses.json", ignored)) {
        return *first_folder / "clauses.json";
    }
    const auto home = find_scenario_home(scenario_home_sources(options.scenarios));
    if (const auto* found = std::get_if<ScenarioHome>(&home)) {
        const auto catalogue = found->dir / "clauses.json";
        if (std::filesystem::is_regular_file(catalogue, ignored)) {
            return catalogue;
        }
    }
    return std::nullopt;
}

// A scenario citing a clause id the catalogue does not have becomes a file error, like any
// broken file: the others still run, and the run exits 2.
std::optional<RunStop> check_clause_ids(const RunOptions& options,
                                        const std::vector<std::filesystem::path>& paths,
                                        harness::LoadResult& loaded) {
    const auto file = find_catalogue(options, paths);
    if (!file) {
        std::cerr << "xsime-conform run: no clause catalogue (clauses.json in the first folder "
                     "given, or in the scenario set, see --scenarios): clause ids are not "
                     "checked (see --clauses)\n";
        return std::nullopt;
    }
    auto catalogue = harness::load_clauses(*file);
    if (auto* error = std::get_if<std::string>(&catalogue)) {
        return RunStop{exit_usage, *error};
    }
    std::set<std::string> known;
    for (const auto& clause : std::get<std::vector<harness::Clause>>(catalogue)) {
        known.insert(clause.id);
    }
    // Each unknown id of "clauses" or "relies_on" is one error naming its place in the file.
    const auto check = [&](const harness::Scenario& scenario, const std::vector<std::string>& ids,
                           const std::string& key) {
        bool valid = true;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (known.count(ids[i]) == 0) {
                loaded.errors.push_back(
                    {scenario.file.string(), "/" + key + "/" + std::to_string(i),
                     "unknown clause id \"" + ids[i] + "\" (not in " + file->string() + ")"});
                valid = false;
            }
        }
        return valid;
    };
    std::vector<harness::Scenario> kept;
    for (auto& scenario : loaded.scenarios) {
        const bool checks = check(scenario, scenario.clauses, "clauses");
        if (check(scenario, scenario.relies_on, "relies_on") && checks) {
            kept.push_back(std::move(scenario));
        }
    }
    loaded.scenarios = std::move(kept);
    return std::nullopt;
}

} // namespace

std::variant<std::vector<std::string>, RunStop> run_paths(const RunOptions& options) {
    if (!options.paths.empty()) {
        return options.paths;
    }
    auto home = find_scenario_home(scenario_home_sources(options.scenarios));
    if (const auto* error = std::get_if<std::string>(&home)) {
        return RunStop{exit_usage, *error + " (or pass scenario files or folders)"};
    }
    return std::vector<std::string>{std::get<ScenarioHome>(home).dir.string()};
}

std::variant<harness::LoadResult, RunStop>
load_run_scenarios(const RunOptions& options, const std::vector<std::string>& arguments,
                   const std::set<std::string>& expected_failures) {
    const std::vector<std::filesystem::path> paths(arguments.begin(), arguments.end());
    auto loaded = harness::load_scenarios(paths);
    if (auto stop = check_clause_ids(options, paths, loaded)) {
        return std::move(*stop);
    }
    for (const auto& error : loaded.errors) {
        std::cerr << harness::format(error) << '\n';
    }
    // A baseline id that names no scenario is most likely a typo or a renamed scenario: the
    // case it meant to excuse would fail the run with no hint why.
    for (const auto& id : expected_failures) {
        const bool known =
            std::any_of(loaded.scenarios.begin(), loaded.scenarios.end(),
                        [&](const harness::Scenario& scenario) { return scenario.id == id; });
        if (!known) {
            std::cerr << "xsime-conform run: warning: " << options.expect_failures << ": '" << id
                      << "' is not the id of any loaded scenario\n";
        }
    }
    return loaded;
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

std::optional<RunStop> check_plan(const std::vector<harness::Planned>& planned,
                                  const std::vector<harness::Scenario>& scenarios,
                                  const harness::Selection& selection, const RunOptions& options) {
    if (!planned.empty()) {
        return std::nullopt;
    }
    auto unsharded = selection;
    unsharded.shard.reset();
    const auto selected = harness::plan(scenarios, unsharded).size();
    if (selected == 0) {
        // Almost always a mistyped --filter or --keyword, or the wrong folder.
        std::string message = "no scenario selected: " + count_of(scenarios.size()) + " loaded";
        for (const auto& glob : options.filters) {
            message += ", --filter '" + glob + '\'';
        }
        for (const auto& keyword : options.keywords) {
            message += ", --keyword '" + keyword + '\'';
        }
        return RunStop{exit_usage, message};
    }
    // An empty shard is normal when there are more shards than scenarios.
    std::cerr << "xsime-conform run: shard " << options.shard << " is empty (" << count_of(selected)
              << " selected in all)\n";
    return std::nullopt;
}

} // namespace xsime::cli
