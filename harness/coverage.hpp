// The clause catalogue (scenarios/clauses.json) and which scenarios cover which clause.
#pragma once

#include "harness/scenario.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace xsime::harness {

struct Clause {
    std::string id;
    Level level = Level::must;
    std::string source; // "spec" (quoted sentence) or "design" (a DESIGN.md decision)
    std::string area;
    std::string text;
};

// Errors name the file and the JSON pointer, like the scenario loader's.
std::variant<std::vector<Clause>, std::string> load_clauses(const std::filesystem::path& file);

struct Coverage {
    // Every catalogue clause, in catalogue order, with the ids of the scenarios citing it.
    std::vector<std::pair<const Clause*, std::vector<std::string>>> rows;
    // "scenario-id: CLAUSE" for citations of clauses the catalogue does not have.
    std::vector<std::string> unknown_citations;

    std::vector<const Clause*> uncovered() const;
    // True when every must and should clause has a scenario and nothing cites an unknown id.
    bool complete() const;
};

Coverage compute_coverage(const std::vector<Clause>& clauses,
                          const std::vector<Scenario>& scenarios);

} // namespace xsime::harness
