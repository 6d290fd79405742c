// The HTML report's case sections (html_sections.hpp): the deviations with the cases that
// prove them and their folded consequences, then every other case that did not simply pass.
#include "reports/html_sections.hpp"
#include "reports/html_text.hpp"
#include "reports/report_text.hpp"

#include <algorithm>
#include <set>
#include <vector>

namespace xsime::reports::html {

using harness::Baseline;
using harness::CaseResult;
using harness::Level;
using harness::Outcome;
using harness::RunResult;
using harness::Verdict;

namespace {

// A certifier needs the end of the exchange, where it went wrong; the JSON and JUnit reports
// keep every entry.
constexpr std::size_t transcript_excerpt = 40;
constexpr std::size_t transcript_entry_limit = 160; // bytes of one entry's reading shown
constexpr std::size_t hex_limit = 64;               // bytes shown as hex under a reading

std::string repetition_note(const CaseResult& result) {
    return result.repetition > 0 ? " (repetition " + std::to_string(result.repetition + 1) + ")"
                                 : "";
}

std::string badge(std::string_view cls, std::string_view text) {
    return " " + element("span", cls, text);
}

// "<code>id</code> — name" with level, verdict and baseline badges.
std::string case_title(const CaseResult& result) {
    std::string out = element("code", "", result.id) + " \u2014 " +
                      html_text(result.name + repetition_note(result));
    out += badge("badge", harness::level_name(result.level));
    const std::string verdict(harness::verdict_name(result.verdict));
    out += badge("v v-" + verdict, verdict);
    if (result.baseline == Baseline::expected_fail) {
        out += badge("badge", "expected failure (baseline)");
    } else if (result.baseline == Baseline::unexpected_pass) {
        out += badge("badge", "unexpected pass (baseline)");
    }
    if (result.verdict == Verdict::fail && result.level == Level::interop) {
        out += badge("badge", "interop: a warning, never fails the run");
    }
    return out;
}

void fact(std::ostream& out, std::string_view name, const std::string& value,
          std::string_view cls = "") {
    if (value.empty()) {
        return;
    }
    out << "<dt>" << html_text(name) << "</dt>" << element("dd", cls, value) << '\n';
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ", ") + item;
    }
    return out;
}

std::string step_text(const CaseResult& result) {
    std::string out = result.failed_step ? std::to_string(*result.failed_step) : "";
    if (!result.failed_step_pointer.empty()) {
        out += (out.empty() ? "at " : " at ") + result.failed_step_pointer;
    }
    if (!result.failed_step_note.empty()) {
        out += (out.empty() ? "" : ": ") + result.failed_step_note;
    }
    return out;
}

// The newest entries of the transcript; under a reading, the exact bytes as hex.
void write_transcript(const CaseResult& result, std::ostream& out) {
    const auto& entries = result.transcript;
    if (entries.empty()) {
        return;
    }
    const std::size_t first =
        entries.size() > transcript_excerpt ? entries.size() - transcript_excerpt : 0;
    out << "<details class=\"transcript\"><summary>Transcript ("
        << (first > 0 ? "last " + std::to_string(entries.size() - first) + " of " : "")
        << (entries.size() == 1 ? "1 entry" : std::to_string(entries.size()) + " entries")
        << ")</summary><pre>";
    for (std::size_t i = first; i < entries.size(); ++i) {
        const auto& entry = entries[i];
        out << html_text(transcript_line(entry, transcript_entry_limit)) << '\n';
        if (!entry.decoded.empty() && !entry.bytes.empty()) {
            const std::string bytes = hex(entry.bytes.substr(0, hex_limit)) +
                                      (entry.bytes.size() > hex_limit ? " \u2026" : "");
            out << "<span class=\"dim\">    bytes: " << html_text(bytes) << "</span>\n";
        }
    }
    out << "</pre></details>\n";
}

// Everything a report shows of a failed or errored case.
void write_case(const CaseResult& result, std::ostream& out) {
    out << "<div class=\"case\" id=\"" << case_anchor(result) << "\">\n<p>" << case_title(result)
        << "</p>\n";
    if (!result.requirement.empty()) {
        out << "<blockquote>\u201c" << html_text(result.requirement) << "\u201d</blockquote>\n";
    }
    out << "<dl>\n";
    fact(out, "what went wrong", result.message);
    fact(out, "expected", result.expected, "expected");
    fact(out, "actual", result.actual, "actual");
    fact(out, "step", step_text(result));
    fact(out, "checks", joined(result.clauses));
    fact(out, "relies on", joined(result.relies_on));
    fact(out, "attempts", result.attempts > 1 ? std::to_string(result.attempts) : "");
    fact(out, "file", result.file);
    out << "</dl>\n";
    write_transcript(result, out);
    out << "</div>\n";
}

// "consequence of CLAUSE (see CASE)", the case linked to the deviation of its clause.
std::string consequence_html(const CaseResult& result) {
    if (!result.consequence_of) {
        return "";
    }
    const auto& cause = *result.consequence_of;
    return "consequence of " + html_text(cause.clause) + " (see <a href=\"#" +
           deviation_anchor(cause.clause) + "\">" + html_text(cause.case_id) + "</a>)";
}

void write_consequences(const RunResult& run, const std::vector<std::size_t>& indexes,
                        std::ostream& out) {
    if (indexes.empty()) {
        return;
    }
    out << "<details class=\"consequences\"><summary>"
        << html_text(plural(indexes.size(), "consequence"))
        << " (failed because they rely on this clause)</summary>\n<ul>\n";
    for (const std::size_t i : indexes) {
        const CaseResult& result = run.cases[i];
        out << "<li id=\"" << case_anchor(result) << "\">" << element("code", "", result.id)
            << " \u2014 " << html_text(result.name + repetition_note(result)) << ": "
            << consequence_html(result);
        if (!result.message.empty()) {
            out << "<br><span class=\"dim\">" << html_text(result.message) << "</span>";
        }
        out << "</li>\n";
    }
    out << "</ul></details>\n";
}

std::vector<const CaseResult*> sorted_where(const RunResult& run, bool (*keep)(const CaseResult&)) {
    std::vector<const CaseResult*> out;
    for (const CaseResult& result : run.cases) {
        if (keep(result)) {
            out.push_back(&result);
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const CaseResult* a, const CaseResult* b) {
        return a->id != b->id ? a->id < b->id : a->repetition < b->repetition;
    });
    return out;
}

// Defensive: a failure that no deviation lists, as case or as consequence, is still shown.
std::vector<const CaseResult*> unattributed_failures(const RunResult& run, const Outcome& outcome) {
    std::set<std::size_t> listed;
    for (const auto& deviation : outcome.deviations) {
        listed.insert(deviation.cases.begin(), deviation.cases.end());
        listed.insert(deviation.consequences.begin(), deviation.consequences.end());
    }
    std::vector<const CaseResult*> out;
    for (std::size_t i = 0; i < run.cases.size(); ++i) {
        if (run.cases[i].verdict == Verdict::fail && listed.count(i) == 0) {
            out.push_back(&run.cases[i]);
        }
    }
    return out;
}

std::string flaky_text(const CaseResult& result) {
    const std::uint32_t failures = result.attempts > 1 ? result.attempts - 1 : 1;
    std::string out = "flaky: failed " + plural(failures, "time") + ", then passed";
    if (!result.message.empty()) { // the runner keeps what the first failure said
        out += " (first failure: " + result.message + ")";
    }
    return out;
}

void write_case_list(std::string_view heading, const std::vector<const CaseResult*>& cases,
                     std::ostream& out) {
    if (cases.empty()) {
        return;
    }
    out << "<h3>" << html_text(heading) << "</h3>\n";
    for (const CaseResult* result : cases) {
        write_case(*result, out);
    }
}

// "proven by 2 cases; 3 consequences".
std::string proof_summary(const harness::Deviation& deviation) {
    return "proven by " + plural(deviation.cases.size(), "case") + "; " +
           plural(deviation.consequences.size(), "consequence");
}

// One line per deviation, linked to its details: what to fix, at a glance.
void write_deviation_index(const RunResult& run, const Outcome& outcome, std::ostream& out) {
    out << "<table class=\"index\"><tr><th>clause</th><th>first case proving it</th>"
           "<th>cases</th><th>consequences</th></tr>\n";
    for (const auto& deviation : outcome.deviations) {
        const std::string first = deviation.cases.empty()
                                      ? ""
                                      : run.cases[deviation.cases.front()].id +
                                            repetition_note(run.cases[deviation.cases.front()]);
        out << "<tr><td><a href=\"#" << deviation_anchor(deviation.clause) << "\">"
            << element("code", "", deviation.clause) << "</a></td><td>"
            << element("code", "", first) << "</td><td class=\"n\">" << deviation.cases.size()
            << "</td><td class=\"n\">" << deviation.consequences.size() << "</td></tr>\n";
    }
    out << "</table>\n";
}

} // namespace

std::string case_anchor(const CaseResult& result) {
    return html_anchor("case-", result.id + "/" + std::to_string(result.repetition));
}

std::string deviation_anchor(const std::string& clause) {
    return html_anchor("deviation-", clause);
}

void write_deviations(const RunResult& run, const Outcome& outcome, std::ostream& out) {
    out << "<section id=\"deviations\">\n<h2>Deviations</h2>\n";
    if (outcome.deviations.empty()) {
        out << "<p>None: no case failed.</p>\n</section>\n";
        return;
    }
    out << "<p>Each deviation is a clause of the specification the target breaks, proven by the "
           "cases under it. Its consequences are failed cases that rely on that clause: they "
           "are expected to pass once the deviation is fixed.</p>\n";
    write_deviation_index(run, outcome, out);
    for (const auto& deviation : outcome.deviations) {
        out << "<article class=\"deviation\" id=\"" << deviation_anchor(deviation.clause)
            << "\">\n<h3>" << element("code", "clause", deviation.clause) << " \u2014 "
            << html_text(proof_summary(deviation)) << "</h3>\n";
        for (const std::size_t i : deviation.cases) {
            write_case(run.cases[i], out);
        }
        write_consequences(run, deviation.consequences, out);
        out << "</article>\n";
    }
    out << "</section>\n";
}

void write_other_cases(const RunResult& run, const Outcome& outcome, std::ostream& out) {
    const auto errors =
        sorted_where(run, [](const CaseResult& c) { return c.verdict == Verdict::error; });
    const auto unattributed = unattributed_failures(run, outcome);
    const auto notices = sorted_where(run, [](const CaseResult& c) {
        return c.verdict == Verdict::pass && (c.flaky || c.baseline == Baseline::unexpected_pass);
    });
    const auto skipped =
        sorted_where(run, [](const CaseResult& c) { return c.verdict == Verdict::skipped; });
    out << "<section id=\"other\">\n<h2>Other cases that did not simply pass</h2>\n";
    if (errors.empty() && unattributed.empty() && notices.empty() && skipped.empty()) {
        out << "<p>None.</p>\n</section>\n";
        return;
    }
    write_case_list("Errors: the harness could not judge these cases", errors, out);
    write_case_list("Failures under no deviation", unattributed, out);
    if (!notices.empty()) {
        out << "<h3>Passed, with a notice</h3>\n<ul>\n";
        for (const CaseResult* result : notices) {
            out << "<li>" << case_title(*result) << ": "
                << html_text(result->baseline == Baseline::unexpected_pass
                                 ? "passed, but the baseline lists it as failing: update it"
                                 : flaky_text(*result))
                << "</li>\n";
        }
        out << "</ul>\n";
    }
    if (!skipped.empty()) {
        out << "<h3>Skipped: not run, so this report says nothing about them</h3>\n"
               "<table><tr><th>case</th><th>level</th><th>reason</th></tr>\n";
        for (const CaseResult* result : skipped) {
            out << "<tr id=\"" << case_anchor(*result) << "\"><td>"
                << element("code", "", result->id + repetition_note(*result)) << "</td><td>"
                << html_text(harness::level_name(result->level)) << "</td><td>"
                << html_text(result->skip_reason.empty() ? "no reason given" : result->skip_reason)
                << "</td></tr>\n";
        }
        out << "</table>\n";
    }
    out << "</section>\n";
}

} // namespace xsime::reports::html
