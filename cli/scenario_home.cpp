// Finding the scenario set (scenario_home.hpp).
#include "cli/scenario_home.hpp"

#include <cstdlib>
#include <system_error>

// Set by cli/CMakeLists.txt from GNUInstallDirs; these defaults keep a build without them
// working (the path relative to the binary's prefix, and the configured prefix's).
#ifndef XSIME_INSTALL_DATADIR_REL
#define XSIME_INSTALL_DATADIR_REL "share/xsime-conform"
#endif
#ifndef XSIME_INSTALL_DATADIR_ABS
#define XSIME_INSTALL_DATADIR_ABS "/usr/local/share/xsime-conform"
#endif

namespace xsime::cli {

namespace {

namespace fs = std::filesystem;

bool is_folder(const fs::path& path) {
    std::error_code ignored;
    return fs::is_directory(path, ignored);
}

// "missing", or what is there instead of a folder.
std::string why_not(const fs::path& path) {
    std::error_code ignored;
    return fs::exists(path, ignored) ? "not a folder" : "missing";
}

// The installed places in lookup order, without repeating one.
std::vector<fs::path> installed_places(const ScenarioHomeSources& sources) {
    std::vector<fs::path> places;
    if (!sources.exe_dir.empty()) {
        places.push_back(
            (sources.exe_dir / ".." / XSIME_INSTALL_DATADIR_REL / "scenarios").lexically_normal());
    }
    const fs::path installed = sources.installed.lexically_normal();
    if (!installed.empty() && (places.empty() || places.front() != installed)) {
        places.push_back(installed);
    }
    return places;
}

} // namespace

ScenarioHomeSources scenario_home_sources(const std::string& option) {
    ScenarioHomeSources sources;
    if (!option.empty()) {
        sources.option = option;
    }
    if (const char* value = std::getenv("XSIME_SCENARIOS"); value != nullptr) {
        sources.environment = value;
    }
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        sources.exe_dir = exe.parent_path();
    }
    sources.installed = fs::path(XSIME_INSTALL_DATADIR_ABS) / "scenarios";
    return sources;
}

std::variant<ScenarioHome, std::string> find_scenario_home(const ScenarioHomeSources& sources) {
    if (sources.option) {
        if (!is_folder(*sources.option)) {
            return "--scenarios " + *sources.option + ": " + why_not(*sources.option);
        }
        return ScenarioHome{*sources.option, "--scenarios"};
    }
    if (sources.environment && !sources.environment->empty()) {
        if (!is_folder(*sources.environment)) {
            return "$XSIME_SCENARIOS (" + *sources.environment +
                   "): " + why_not(*sources.environment);
        }
        return ScenarioHome{*sources.environment, "$XSIME_SCENARIOS"};
    }
    const fs::path here = "scenarios";
    if (is_folder(here)) {
        return ScenarioHome{here, "./scenarios"};
    }
    std::string looked = "no scenario set: looked in --scenarios (not given), $XSIME_SCENARIOS (" +
                         std::string(sources.environment ? "empty" : "unset") + "), ./scenarios (" +
                         why_not(here) + ")";
    for (const fs::path& place : installed_places(sources)) {
        if (is_folder(place)) {
            return ScenarioHome{place, place.string()};
        }
        looked += ", " + place.string() + " (" + why_not(place) + ")";
    }
    return looked + "; give --scenarios DIR or set XSIME_SCENARIOS";
}

} // namespace xsime::cli
