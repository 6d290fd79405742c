// The scenario files a run runs, read once as bytes: what the reports' scenario set SHA-256
// names and what `run --bundle` stores, so the two always agree.
#pragma once

#include "cli/run_options.hpp"
#include "harness/suite.hpp"

#include <map>
#include <string>
#include <variant>
#include <vector>

namespace xsime::cli {

struct ScenarioSet {
    // "scenarios/<path>" -> the file's bytes. <path> is the file's path under the folder
    // argument it was found in, or "<area folder>/<file>" when that would lose the area
    // folder (a file argument, or a folder argument that is the area folder itself), so the
    // stored files load with the same ids.
    std::map<std::string, std::string> files;
    // SHA-256 of the manifest lines ("<sha256>  scenarios/<path>\n", bundle_manifest.hpp) of
    // those files, sorted by path.
    std::string sha256;
};

// The files of the planned scenarios (gated ones included: they are in the reports too).
// `paths` are run's PATH arguments (empty: scenarios/). A file that cannot be read again is
// a harness fault (exit 3).
std::variant<ScenarioSet, RunStop> read_scenario_set(const std::vector<harness::Planned>& planned,
                                                     const std::vector<std::string>& paths);

} // namespace xsime::cli
