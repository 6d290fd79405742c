// The clause catalogue (scenarios/clauses.json) and which scenarios cover which clause.
#pragma once

#include "harness/scenario.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace xsime::harness {

// Whom a clause binds: servers, clients, or both (the header's layout binds both peers).
enum class Binds { server, client, both };
std::string_view to_string(Binds binds);

struct Clause {
    std::string id;
    Level level = Level::must;
    std::string source; // "spec" (quoted sentence) or "design" (a DESIGN.md decision)
    std::string area;
    std::string text;
    Binds binds = Binds::server; // "subject" in clauses.json; server when absent
};

// Errors name the file and the JSON pointer, like the scenario loader's.
std::variant<std::vector<Clause>, std::string> load_clauses(const std::filesystem::path& file);

struct CoverageRow {
    const Clause* clause = nullptr;
    std::vector<std::string> server; // ids of the server scenarios citing it
    std::vector<std::string> client; // ids of the client scenarios citing it

    // The sides the clause binds that no scenario checks: "server", "client", or both.
    std::vector<std::string> missing() const;
};

struct Coverage {
    // Every catalogue clause, in catalogue order, with the scenarios citing it on each side.
    std::vector<CoverageRow> rows;
    // "scenario-id: CLAUSE" for citations of clauses the catalogue does not have.
    std::vector<std::string> unknown_citations;

    // Clauses with a side they bind that no scenario checks.
    std::vector<const CoverageRow*> uncovered() const;
    // True when every must and should clause has a scenario on every side it binds and
    // nothing cites an unknown id.
    bool complete() const;
};

Coverage compute_coverage(const std::vector<Clause>& clauses,
                          const std::vector<Scenario>& scenarios);

} // namespace xsime::harness
