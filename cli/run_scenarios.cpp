// Loading, listing and checking the scenarios `xsime-conform run` runs (run_scenarios.hpp).
#include "cli/run_scenarios.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <system_error>

namespace xsime::cli {

namespace {

std::string count_of(std::size_t count) {
    return std::to_string(count) + (count == 1 ? " scenario" : " scenarios");
}

} // namespace

std::variant<harness::LoadResult, RunStop>
load_run_scenarios(const RunOptions& options, const std::set<std::string>& expected_failures) {
    std::vector<std::filesystem::path> paths(options.paths.begin(), options.paths.end());
    if (paths.empty()) {
        std::error_code ignored;
        if (!std::filesystem::is_directory("scenarios", ignored)) {
            return RunStop{exit_usage, "no scenario files or folders given, and there is no "
                                       "scenarios/ folder here; pass them as arguments (see "
                                       "--help)"};
        }
        paths.emplace_back("scenarios");
    }
    auto loaded = harness::load_scenarios(paths);
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
