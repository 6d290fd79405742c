// Loading and selecting the scenarios of `xsime-conform run`: file errors, baseline ids that
// name no scenario, --list, and a selection that came out empty.
#pragma once

#include "cli/run_options.hpp"
#include "harness/scenario_loader.hpp"
#include "harness/suite.hpp"

#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace xsime::cli {

// The PATH arguments; without any, the scenario set's folder (scenario_home.hpp: --scenarios,
// $XSIME_SCENARIOS, ./scenarios, the installed set). Stops when there is none, naming every
// place it looked.
std::variant<std::vector<std::string>, RunStop> run_paths(const RunOptions& options);

// The scenarios of `paths` (run_paths). A scenario citing a clause id the catalogue does not
// have is a file error too (the catalogue: --clauses, else clauses.json in the first folder
// given, else the scenario set's clauses.json; when there is none, a note says once that ids
// are not checked). Each file error is printed on stderr, and a warning for each baseline id
// that names no loaded scenario. Stops when the catalogue cannot be read.
std::variant<harness::LoadResult, RunStop>
load_run_scenarios(const RunOptions& options, const std::vector<std::string>& paths,
                   const std::set<std::string>& expected_failures);

// --list: one line per planned scenario (id, level, name, why it is skipped), then the count.
void list_plan(const std::vector<harness::Planned>& planned);

// An empty plan stops the run when nothing was selected at all (a mistyped --filter or
// --keyword, or the wrong folder); an empty shard only gets a warning, so that the run goes
// on and the reports a CI job publishes exist.
std::optional<RunStop> check_plan(const std::vector<harness::Planned>& planned,
                                  const std::vector<harness::Scenario>& scenarios,
                                  const harness::Selection& selection, const RunOptions& options);

} // namespace xsime::cli
