// Loads scenario files (JSON, scenarios/FORMAT.md) into the scenario model, with every error
// named by file, JSON pointer and what was expected.
#pragma once

#include "harness/load_error.hpp"
#include "harness/scenario.hpp"

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xsime::harness {

struct LoadResult {
    std::vector<Scenario> scenarios; // sorted by id
    std::vector<LoadError> errors;   // in file order, then in field order within a file
};

// The scenario files `paths` name: a file as given; a folder's *.json files, recursively and
// sorted by path, without schema.json and clauses.json (the suite's other JSON files). A path
// that does not exist, or a folder that cannot be read, is an error.
std::vector<std::filesystem::path> scenario_files(const std::vector<std::filesystem::path>& paths,
                                                  std::vector<LoadError>& errors);

// Each path is a file or a folder. Folders are walked recursively for *.json files (sorted,
// so the result does not depend on the file system's order); `schema.json` is skipped there
// because it is the editors' JSON Schema, not a scenario. A bad file does not stop the others.
// A path that does not exist is an error; an id seen twice is an error naming both files (the
// first one loaded wins).
LoadResult load_scenarios(const std::vector<std::filesystem::path>& paths);

// One file's text. `file` is recorded (Scenario::file, LoadError::file) and gives the id the
// file must have: "<parent folder>.<stem>" (scenarios/delivery/basic.json: "delivery.basic").
std::variant<Scenario, std::vector<LoadError>> parse_scenario(std::string_view json_text,
                                                              const std::filesystem::path& file);

// The names of the (?<name>...) groups of a Perl regex (also (?'name'...) and (?P<name>...)),
// in order of their opening parenthesis. These become captures usable later as ${name}.
std::vector<std::string> capture_names(const std::string& regex);

// Every key that makes a step's action ("login", "start", "restart", ...): the registered
// step kinds (harness/steps/registry.cpp), in the order FORMAT.md documents them.
std::vector<std::string> step_action_keys();

} // namespace xsime::harness
