// The scenario files a run runs (scenario_set.hpp).
#include "cli/scenario_set.hpp"

#include "cli/bundle_manifest.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace xsime::cli {

namespace {

namespace fs = std::filesystem;

fs::path absolute_normal(const fs::path& path) {
    std::error_code ignored;
    const fs::path canonical = fs::weakly_canonical(path, ignored);
    return (canonical.empty() ? fs::absolute(path, ignored) : canonical).lexically_normal();
}

// The file's place in the bundle: under its folder argument when the area folder stays in
// it, else the area folder and the file name, which the id is made of.
std::string member_path(const fs::path& file, const std::vector<fs::path>& folders) {
    const fs::path full = absolute_normal(file);
    for (const fs::path& folder : folders) {
        const fs::path relative = full.lexically_relative(folder);
        const bool under = !relative.empty() && *relative.begin() != "..";
        if (under && std::distance(relative.begin(), relative.end()) >= 2) {
            return "scenarios/" + relative.generic_string();
        }
    }
    return "scenarios/" + (full.parent_path().filename() / full.filename()).generic_string();
}

} // namespace

std::variant<ScenarioSet, RunStop> read_scenario_set(const std::vector<harness::Planned>& planned,
                                                     const std::vector<std::string>& paths) {
    std::vector<fs::path> folders;
    for (const std::string& path : paths.empty() ? std::vector<std::string>{"scenarios"} : paths) {
        std::error_code ignored;
        if (fs::is_directory(path, ignored)) {
            folders.push_back(absolute_normal(path));
        }
    }
    ScenarioSet set;
    for (const harness::Planned& item : planned) {
        const fs::path& file = item.scenario->file;
        std::ifstream in(file, std::ios::binary);
        std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        if (!in.is_open() || in.bad()) {
            return RunStop{exit_harness_fault, "cannot read the scenario file '" + file.string() +
                                                   "' again to hash it"};
        }
        set.files.emplace(member_path(file, folders), std::move(bytes));
    }
    set.sha256 = sha256_hex(make_manifest(set.files));
    return set;
}

} // namespace xsime::cli
