// Loads scenario files (JSON, scenarios/FORMAT.md) into the scenario model, with every error
// named by file, JSON pointer and what was expected.
#pragma once

#include "harness/scenario.hpp"

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xsime::harness {

struct LoadError {
    std::string file;    // as given or as found in a folder walk
    std::string pointer; // JSON pointer of the field ("/steps/3/expect/opcode"); "" = whole file
    std::string message;
    friend bool operator==(const LoadError&, const LoadError&) = default;
};

// "scenarios/x.json: /steps/3/expect/opcode: expected ..."; without a pointer "file: message".
std::string format(const LoadError& error);

struct LoadResult {
    std::vector<Scenario> scenarios; // sorted by id
    std::vector<LoadError> errors;   // in file order, then in field order within a file
};

// Each path is a file or a folder. Folders are walked recursively for *.json files (sorted,
// so the result does not depend on the file system's order); `schema.json` is skipped there
// because it is the editors' JSON Schema, not a scenario. A bad file does not stop the others.
// A path that does not exist is an error; an id seen twice is an error naming both files (the
// first one loaded wins).
LoadResult load_scenarios(const std::vector<std::filesystem::path>& paths);

// One file's text; `file` is only recorded (Scenario::file, LoadError::file).
std::variant<Scenario, std::vector<LoadError>> parse_scenario(std::string_view json_text,
                                                              const std::filesystem::path& file);

// The names of the (?<name>...) groups of a Perl regex (also (?'name'...) and (?P<name>...)),
// in order of their opening parenthesis. These become captures usable later as ${name}.
std::vector<std::string> capture_names(const std::string& regex);

// Every key that makes a step's action ("login", "start", "restart", ...), in the order
// FORMAT.md documents them; the JSON Schema test compares it with scenarios/schema.json.
std::span<const std::string_view> step_action_keys();

// At most this many errors are reported per file (then one "too many errors" entry).
inline constexpr std::size_t max_errors_per_file = 20;

} // namespace xsime::harness
