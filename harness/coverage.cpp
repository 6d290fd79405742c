// Loading the clause catalogue and matching it against the scenarios' citations.
#include "harness/coverage.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace xsime::harness {

namespace {

std::string field_error(const std::filesystem::path& file, const std::string& pointer,
                        const std::string& message) {
    return file.string() + ": " + pointer + ": " + message;
}

} // namespace

std::variant<std::vector<Clause>, std::string> load_clauses(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return file.string() + ": cannot read the clause catalogue";
    }
    std::stringstream text;
    text << in.rdbuf();
    const auto doc = nlohmann::json::parse(text.str(), nullptr, false);
    if (doc.is_discarded()) {
        return file.string() + ": not valid JSON";
    }
    if (!doc.is_object() || !doc.contains("clauses") || !doc["clauses"].is_array()) {
        return field_error(file, "/clauses", "expected an array of clauses");
    }
    std::vector<Clause> clauses;
    std::set<std::string> seen;
    const auto& list = doc["clauses"];
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto pointer = "/clauses/" + std::to_string(i);
        const auto& item = list[i];
        Clause clause;
        for (const char* key : {"id", "level", "source", "area", "text"}) {
            if (!item.is_object() || !item.contains(key) || !item[key].is_string() ||
                item[key].get<std::string>().empty()) {
                return field_error(file, pointer + "/" + key, "expected a non-empty string");
            }
        }
        clause.id = item["id"].get<std::string>();
        const auto level = parse_level(item["level"].get<std::string>());
        if (!level) {
            return field_error(file, pointer + "/level", "expected must, should or interop");
        }
        clause.level = *level;
        clause.source = item["source"].get<std::string>();
        if (clause.source != "spec" && clause.source != "design") {
            return field_error(file, pointer + "/source", "expected spec or design");
        }
        clause.area = item["area"].get<std::string>();
        if (item.contains("subject")) {
            const auto& subject = item["subject"];
            const auto name = subject.is_string() ? subject.get<std::string>() : std::string();
            if (name != "server" && name != "client" && name != "both") {
                return field_error(file, pointer + "/subject", "expected server, client or both");
            }
            clause.binds = name == "server"   ? Binds::server
                           : name == "client" ? Binds::client
                                              : Binds::both;
        }
        clause.text = item["text"].get<std::string>();
        if (!seen.insert(clause.id).second) {
            return field_error(file, pointer + "/id", "duplicate clause id " + clause.id);
        }
        clauses.push_back(std::move(clause));
    }
    return clauses;
}

std::string_view to_string(Binds binds) {
    switch (binds) {
    case Binds::server:
        return "server";
    case Binds::client:
        return "client";
    case Binds::both:
        return "both";
    }
    return "server";
}

std::vector<std::string> CoverageRow::missing() const {
    std::vector<std::string> out;
    if (clause->binds != Binds::client && server.empty()) {
        out.emplace_back("server");
    }
    if (clause->binds != Binds::server && client.empty()) {
        out.emplace_back("client");
    }
    return out;
}

std::vector<const CoverageRow*> Coverage::uncovered() const {
    std::vector<const CoverageRow*> out;
    for (const auto& row : rows) {
        if (!row.missing().empty()) {
            out.push_back(&row);
        }
    }
    return out;
}

bool Coverage::complete() const {
    for (const auto* row : uncovered()) {
        if (row->clause->level != Level::interop) {
            return false;
        }
    }
    return unknown_citations.empty();
}

Coverage compute_coverage(const std::vector<Clause>& clauses,
                          const std::vector<Scenario>& scenarios) {
    Coverage coverage;
    std::map<std::string, std::size_t> row_of;
    for (const auto& clause : clauses) {
        row_of[clause.id] = coverage.rows.size();
        coverage.rows.push_back(CoverageRow{&clause, {}, {}});
    }
    for (const auto& scenario : scenarios) {
        for (const auto& id : scenario.clauses) {
            const auto found = row_of.find(id);
            if (found == row_of.end()) {
                coverage.unknown_citations.push_back(scenario.id + ": " + id);
            } else {
                auto& row = coverage.rows[found->second];
                (scenario.subject == Subject::client ? row.client : row.server)
                    .push_back(scenario.id);
            }
        }
    }
    return coverage;
}

} // namespace xsime::harness
