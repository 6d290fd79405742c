// Where the scenario set (its folders, clauses.json and schema.json) is found when no PATH names
// it: `--scenarios DIR`, then $XSIME_SCENARIOS, then ./scenarios, then the set installed beside
// the binary (<exe dir>/../share/xsime-conform/scenarios, so an unpacked package works), then
// the one installed under the configured prefix. Used by run, coverage and fmt.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace xsime::cli {

// What the lookup reads, apart from the file system; the real values come from
// scenario_home_sources(), a test gives its own.
struct ScenarioHomeSources {
    std::optional<std::string> option;      // --scenarios DIR; none: not given
    std::optional<std::string> environment; // $XSIME_SCENARIOS; none: unset
    std::filesystem::path exe_dir;          // folder of the running binary; empty: unknown
    std::filesystem::path installed;        // <prefix>/share/xsime-conform/scenarios
};

// The sources of this process: `option` ("" when --scenarios was not given), the environment,
// /proc/self/exe and the prefix the build was configured with.
ScenarioHomeSources scenario_home_sources(const std::string& option);

// The folder found, and which of the places it was ("--scenarios", "$XSIME_SCENARIOS",
// "./scenarios", or the installed path).
struct ScenarioHome {
    std::filesystem::path dir;
    std::string source;
};

// The first place that is a folder. A --scenarios or $XSIME_SCENARIOS that names no folder is
// an error of its own (the user asked for it: falling back would hide the typo). Otherwise the
// error is "no scenario set: looked in …" naming every place and why it did not count.
std::variant<ScenarioHome, std::string> find_scenario_home(const ScenarioHomeSources& sources);

} // namespace xsime::cli
