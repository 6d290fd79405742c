// Finding scenario files: folders walked for *.json (sorted), each file read and parsed, and
// ids checked unique across them.
#include "harness/json_document.hpp"
#include "harness/scenario_loader.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace xsime::harness {

namespace {

std::string display(const std::filesystem::path& path) {
    return path.generic_string();
}

// The *.json files under `folder`, sorted, so the result does not depend on the file system.
std::vector<std::filesystem::path> scenario_files_in(const std::filesystem::path& folder,
                                                     std::vector<LoadError>& errors) {
    namespace fs = std::filesystem;
    std::vector<fs::path> found;
    std::error_code ec;
    fs::recursive_directory_iterator it(folder, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const auto& entry = *it;
        std::error_code type_ec;
        // The suite's two other JSON files live beside the scenarios.
        const auto name = entry.path().filename();
        if (entry.is_regular_file(type_ec) && entry.path().extension() == ".json" &&
            name != "schema.json" && name != "clauses.json") {
            found.push_back(entry.path());
        }
    }
    if (ec) {
        errors.push_back({display(folder), "", "cannot read the folder: " + ec.message()});
    }
    std::sort(found.begin(), found.end(), [](const fs::path& a, const fs::path& b) {
        return a.generic_string() < b.generic_string();
    });
    return found;
}

} // namespace

std::vector<std::filesystem::path> scenario_files(const std::vector<std::filesystem::path>& paths,
                                                  std::vector<LoadError>& errors) {
    namespace fs = std::filesystem;
    std::vector<fs::path> files;
    for (const auto& path : paths) {
        std::error_code ec;
        const auto status = fs::status(path, ec);
        if (!fs::exists(status)) {
            errors.push_back({display(path), "", "no such file or folder"});
        } else if (!fs::is_directory(status)) {
            files.push_back(path);
        } else {
            auto found = scenario_files_in(path, errors);
            files.insert(files.end(), found.begin(), found.end());
        }
    }
    return files;
}

namespace {

std::optional<std::string> read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    if (in.is_open()) {
        text << in.rdbuf();
    }
    if (!in.is_open() || in.bad()) {
        return std::nullopt;
    }
    return text.str();
}

} // namespace

LoadResult load_scenarios(const std::vector<std::filesystem::path>& paths) {
    namespace fs = std::filesystem;
    LoadResult result;
    const auto files = scenario_files(paths, result.errors);
    // The same file named twice (a folder and a file in it) is loaded once.
    std::set<fs::path> seen;
    std::map<std::string, std::string> id_files; // id -> the file that defined it first
    for (const auto& file : files) {
        std::error_code ec;
        const auto canonical = fs::weakly_canonical(file, ec);
        if (!seen.insert(ec ? file : canonical).second) {
            continue;
        }
        const auto text = read_text(file);
        if (!text) {
            result.errors.push_back({display(file), "", "cannot read the file"});
            continue;
        }
        auto parsed = parse_scenario(*text, file);
        if (auto* errors = std::get_if<std::vector<LoadError>>(&parsed)) {
            result.errors.insert(result.errors.end(), errors->begin(), errors->end());
            continue;
        }
        auto& scenario = std::get<Scenario>(parsed);
        const auto [where, inserted] = id_files.emplace(scenario.id, display(file));
        if (!inserted) {
            result.errors.push_back(
                {display(file), "/id",
                 "duplicate id " + quote(scenario.id) + ": also in " + where->second});
            continue;
        }
        result.scenarios.push_back(std::move(scenario));
    }
    std::sort(result.scenarios.begin(), result.scenarios.end(),
              [](const Scenario& a, const Scenario& b) { return a.id < b.id; });
    return result;
}

} // namespace xsime::harness
