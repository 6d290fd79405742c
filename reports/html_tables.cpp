// The HTML report's tables (html_sections.hpp): verdict counts by area and by level, the
// clause matrix, and what ran against what.
#include "reports/html_sections.hpp"
#include "reports/html_text.hpp"
#include "reports/report_text.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <vector>

namespace xsime::reports::html {

using harness::CaseResult;
using harness::Level;
using harness::Outcome;
using harness::RunResult;
using harness::Verdict;

namespace {

constexpr std::array verdicts = {Verdict::pass, Verdict::fail, Verdict::error, Verdict::skipped};

std::size_t index(Verdict verdict) {
    return static_cast<std::size_t>(verdict);
}

void count_cells(const std::array<int, 4>& counts, std::ostream& out) {
    int total = 0;
    for (const Verdict verdict : verdicts) {
        total += counts[index(verdict)];
    }
    out << "<td class=\"n\">" << total << "</td>";
    for (const Verdict verdict : verdicts) {
        out << "<td class=\"n\">" << counts[index(verdict)] << "</td>";
    }
}

constexpr std::string_view count_heads =
    "<th>cases</th><th>passed</th><th>failed</th><th>errors</th><th>skipped</th>";

// Whether a failure at `level` fails the run, as the policy (outcome.hpp) says.
std::string_view level_weight(Level level, bool strict) {
    switch (level) {
    case Level::must:
        return "always";
    case Level::should:
        return strict ? "yes (--strict)" : "only with --strict";
    case Level::interop:
        return "never (a warning)";
    }
    return "";
}

// A setting whose name suggests a secret is never shown, whatever sets it later: a report is
// meant to be passed around.
bool is_secret(const std::string& name) {
    for (const std::string_view word : {"hash", "secret", "password", "private", "token"}) {
        if (name.find(word) != std::string::npos) {
            return true;
        }
    }
    return name == "key" || name == "sign";
}

// What a clause's cases say about it: a failure wins, then an error, then a pass.
std::string_view clause_status(const std::vector<const CaseResult*>& cases) {
    bool error = false;
    bool pass = false;
    for (const CaseResult* result : cases) {
        if (result->verdict == Verdict::fail) {
            return "fail";
        }
        error = error || result->verdict == Verdict::error;
        pass = pass || result->verdict == Verdict::pass;
    }
    return error ? "error" : pass ? "pass" : "skipped";
}

void row(std::ostream& out, std::string_view name, const std::string& value, bool mono = false) {
    out << "<tr><th>" << html_text(name) << "</th>" << element("td", mono ? "mono" : "", value)
        << "</tr>\n";
}

} // namespace

void write_count_tables(const RunResult& run, const Outcome& outcome, std::ostream& out) {
    std::map<std::string, std::array<int, 4>> by_area;
    for (const CaseResult& result : run.cases) {
        ++by_area[result.area][index(result.verdict)];
    }
    out << "<section id=\"counts\">\n<h2>By area</h2>\n<table><tr><th>area</th>" << count_heads
        << "</tr>\n";
    for (const auto& [area, counts] : by_area) {
        out << "<tr><td>" << html_text(area) << "</td>";
        count_cells(counts, out);
        out << "</tr>\n";
    }
    out << "</table>\n<h2>By level</h2>\n<table><tr><th>level</th>" << count_heads
        << "<th>a failure fails the run</th></tr>\n";
    for (const Level level : {Level::must, Level::should, Level::interop}) {
        std::array<int, 4> counts{};
        for (const Verdict verdict : verdicts) {
            counts[index(verdict)] = outcome.count(verdict, level);
        }
        out << "<tr><td>" << html_text(harness::level_name(level)) << "</td>";
        count_cells(counts, out);
        out << "<td>" << html_text(level_weight(level, outcome.strict)) << "</td></tr>\n";
    }
    out << "</table>\n</section>\n";
}

void write_clause_matrix(const RunResult& run, const Outcome& outcome, std::ostream& out) {
    std::map<std::string, std::vector<const CaseResult*>> by_clause;
    for (const CaseResult& result : run.cases) {
        for (const std::string& clause : result.clauses) {
            by_clause[clause].push_back(&result);
        }
    }
    std::set<std::string> deviations;
    for (const auto& deviation : outcome.deviations) {
        deviations.insert(deviation.clause);
    }
    out << "<section id=\"clauses\">\n<h2>Clauses</h2>\n<p>Each clause the cases of this run "
           "check, and what they found: a clause fails when one of its cases fails.</p>\n"
           "<table><tr><th>clause</th><th>result</th><th>cases</th></tr>\n";
    for (auto& [clause, cases] : by_clause) {
        std::stable_sort(cases.begin(), cases.end(), [](const CaseResult* a, const CaseResult* b) {
            return a->id != b->id ? a->id < b->id : a->repetition < b->repetition;
        });
        const std::string status(clause_status(cases));
        out << "<tr><td>";
        if (deviations.count(clause) > 0) {
            out << "<a href=\"#" << deviation_anchor(clause) << "\">" << element("code", "", clause)
                << "</a>";
        } else {
            out << element("code", "", clause);
        }
        out << "</td><td>" << element("span", "v v-" + status, status) << "</td><td>";
        for (std::size_t i = 0; i < cases.size(); ++i) {
            const std::string verdict(harness::verdict_name(cases[i]->verdict));
            out << (i == 0 ? "" : ", ") << element("code", "", cases[i]->id)
                << element("span", "v v-" + verdict, verdict);
        }
        out << "</td></tr>\n";
    }
    out << "</table>\n</section>\n";
}

void write_run_details(const RunResult& run, std::ostream& out) {
    out << "<section id=\"run\">\n<h2>The run</h2>\n<table>\n";
    row(out, "target", run.target, true);
    row(out, "tool", "xsime-conform " + run.tool_version);
    row(out, "started", iso8601_utc(run.started, true));
    row(out, "duration", seconds3(run.duration) + " s");
    if (!run.scenario_set_sha256.empty()) {
        row(out, "scenario files", std::to_string(run.scenario_files));
        row(out, "scenario set SHA-256", run.scenario_set_sha256, true);
    }
    for (const auto& [name, value] : run.settings) {
        if (!is_secret(name)) {
            row(out, name, value);
        }
    }
    out << "</table>\n<p class=\"dim\">The scenario set SHA-256 is the SHA-256 of the lines "
           "\u201c&lt;SHA-256 of the file&gt;  scenarios/&lt;path&gt;\u201d of the files that "
           "ran, sorted by path: the scenario lines of a <code>--bundle</code>'s MANIFEST.</p>\n"
           "</section>\n";
}

} // namespace xsime::reports::html
