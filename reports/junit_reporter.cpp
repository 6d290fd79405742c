// The JUnit XML reporter (junit_reporter.hpp).
#include "reports/junit_reporter.hpp"

#include "harness/attribution.hpp"
#include "harness/outcome.hpp"
#include "reports/report_text.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <vector>

namespace xsime::reports {

using harness::Baseline;
using harness::CaseResult;
using harness::Level;
using harness::RunResult;
using harness::Verdict;

namespace {

constexpr std::size_t transcript_limit = 1024; // bytes of one entry's reading
constexpr std::size_t hex_limit = 256;         // bytes of one entry shown as hex

struct SuiteCounts {
    int tests = 0;
    int failures = 0;
    int errors = 0;
    int skipped = 0;
    std::chrono::microseconds time{0};
};

enum class Shape { passed, failure, error, skipped, expected_failure, unexpected_pass };

Shape shape_of(const CaseResult& result) {
    switch (result.verdict) {
    case Verdict::pass:
        return result.baseline == Baseline::unexpected_pass ? Shape::unexpected_pass
                                                            : Shape::passed;
    case Verdict::fail:
        return result.baseline == Baseline::expected_fail ? Shape::expected_failure
                                                          : Shape::failure;
    case Verdict::error:
        return Shape::error;
    case Verdict::skipped:
        return Shape::skipped;
    }
    return Shape::error;
}

void count(SuiteCounts& counts, const CaseResult& result) {
    ++counts.tests;
    counts.time += result.duration;
    switch (shape_of(result)) {
    case Shape::failure:
    case Shape::unexpected_pass:
        ++counts.failures;
        break;
    case Shape::error:
        ++counts.errors;
        break;
    case Shape::skipped:
    case Shape::expected_failure:
        ++counts.skipped;
        break;
    case Shape::passed:
        break;
    }
}

std::string attr(std::string_view text) {
    return xml_escape(text, true);
}
std::string body(std::string_view text) {
    return xml_escape(text, false);
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) {
        out += (out.empty() ? "" : ", ") + item;
    }
    return out;
}

// A consequence says so first: CI lists show the message, and the deviation is what to fix.
std::string failure_message(const CaseResult& result) {
    if (!result.consequence_of) {
        return result.message;
    }
    return "consequence of " + result.consequence_of->clause + " (see " +
           result.consequence_of->case_id + "): " + result.message;
}

// "2 deviations, 31 consequences" (attribution.hpp), as every suite's properties say it.
std::string root_causes_text(const RunResult& run) {
    const auto deviations = harness::find_deviations(run);
    std::size_t consequences = 0;
    for (const auto& deviation : deviations) {
        consequences += deviation.consequences.size();
    }
    std::string text = std::to_string(deviations.size()) +
                       (deviations.size() == 1 ? " deviation, " : " deviations, ") +
                       std::to_string(consequences) +
                       (consequences == 1 ? " consequence" : " consequences");
    for (const auto& deviation : deviations) {
        text += "; " + deviation.clause + " (" + run.cases[deviation.cases.front()].id + ")";
    }
    return text;
}

// The details of a failure or an error, as the element's text.
std::string details(const CaseResult& result) {
    std::string out;
    const auto line = [&](std::string_view label, std::string_view value) {
        out += std::string(label) + ": " + std::string(value) + "\n";
    };
    if (!result.message.empty()) {
        out += result.message + "\n";
    }
    if (!result.expected.empty() || !result.actual.empty()) {
        line("expected", result.expected);
        line("actual", result.actual);
    }
    line("level", harness::level_name(result.level));
    if (!result.requirement.empty()) {
        line("requirement", "\"" + result.requirement + "\"");
    }
    if (!result.clauses.empty()) {
        line("clauses", joined(result.clauses));
    }
    if (!result.relies_on.empty()) {
        line("relies on", joined(result.relies_on));
    }
    if (result.failed_step || !result.failed_step_pointer.empty()) {
        std::string step = result.failed_step ? std::to_string(*result.failed_step) : "";
        if (!result.failed_step_pointer.empty()) {
            step += (step.empty() ? "" : " at ") + result.failed_step_pointer;
        }
        if (!result.failed_step_note.empty()) {
            step += ": " + result.failed_step_note;
        }
        line("step", step);
    }
    if (!result.file.empty()) {
        line("file", result.file);
    }
    return out;
}

std::string transcript_text(const CaseResult& result) {
    std::string out;
    for (const harness::TranscriptEntry& entry : result.transcript) {
        out += transcript_line(entry, transcript_limit) + "\n";
        // A reading hides the exact bytes; give them too. (Without a reading, the line
        // already shows them: as text when printable, else as hex.)
        if (!entry.bytes.empty() && !entry.decoded.empty()) {
            out += "    bytes: " + hex(entry.bytes.substr(0, hex_limit));
            if (entry.bytes.size() > hex_limit) {
                out += " \u2026 (" + std::to_string(entry.bytes.size()) + " bytes)";
            }
            out += "\n";
        }
    }
    return out;
}

std::string case_name(const CaseResult& result, bool repeated) {
    std::string name = result.id + " \u2014 " + result.name; // —
    if (repeated) {
        // Repeated runs of one case need distinct names, or report viewers merge them.
        name += " (repetition " + std::to_string(result.repetition + 1) + ")";
    }
    return name;
}

void write_case(std::ostream& out, const CaseResult& result, bool repeated) {
    out << "    <testcase classname=\"" << attr(result.area) << "\" name=\""
        << attr(case_name(result, repeated)) << "\" time=\"" << seconds3(result.duration) << "\"";
    const Shape shape = shape_of(result);
    const bool has_body = shape != Shape::passed || result.flaky;
    if (!has_body) {
        out << "/>\n";
        return;
    }
    out << ">\n";
    switch (shape) {
    case Shape::failure:
        out << "      <failure message=\"" << attr(failure_message(result)) << "\" type=\""
            << attr(harness::level_name(result.level)) << "\">" << body(details(result))
            << "</failure>\n";
        break;
    case Shape::error:
        out << "      <error message=\"" << attr(result.message) << "\" type=\"harness\">"
            << body(details(result)) << "</error>\n";
        break;
    case Shape::skipped:
        out << "      <skipped message=\"" << attr(result.skip_reason) << "\"/>\n";
        break;
    case Shape::expected_failure:
        out << "      <skipped message=\"" << attr("expected failure (baseline): " + result.message)
            << "\">" << body(details(result)) << "</skipped>\n";
        break;
    case Shape::unexpected_pass:
        out << "      <failure message=\""
            << attr("unexpected pass: the baseline lists this case as failing, but it "
                    "passed; update the baseline")
            << "\" type=\"unexpected-pass\"/>\n";
        break;
    case Shape::passed:
        break;
    }
    const bool failed_somehow = result.verdict == Verdict::fail || result.verdict == Verdict::error;
    if (failed_somehow && !result.transcript.empty()) {
        out << "      <system-out>" << body(transcript_text(result)) << "</system-out>\n";
    }
    if (result.flaky && result.verdict == Verdict::pass) {
        const std::uint32_t failures = result.attempts > 1 ? result.attempts - 1 : 1;
        out << "      <system-err>flaky: failed " << failures
            << (failures == 1 ? " time" : " times") << ", then passed";
        if (!result.message.empty()) { // the runner keeps what the first failure said
            out << "\nfirst failure: " << body(result.message);
        }
        out << "</system-err>\n";
    }
    out << "    </testcase>\n";
}

// Every suite's properties: the target, the tool, each setting, and what cut the run short.
// `root_causes` empty: none is given.
void write_properties(std::ostream& out, const RunResult& run, const std::string& root_causes) {
    out << "    <properties>\n";
    const auto property = [&](std::string_view name, std::string_view value) {
        out << "      <property name=\"" << attr(name) << "\" value=\"" << attr(value) << "\"/>\n";
    };
    property("target", run.target);
    property("tool_version", run.tool_version);
    for (const auto& [name, value] : run.settings) {
        property(name, value);
    }
    if (run.timed_out) {
        property("timed_out", "true");
    }
    if (run.interrupted) {
        property("interrupted", "true");
    }
    if (run.planned > run.cases.size()) {
        property("not_run", std::to_string(run.planned - run.cases.size()));
    }
    if (!root_causes.empty()) {
        property("root_causes", root_causes);
    }
    out << "    </properties>\n";
}

// A problem of the run rather than of one case, written as an error test case so that CI
// test viewers show it (a property alone they do not): each scenario file that could not be
// loaded (suite "load-errors"), and the target failing the check before the run or an
// interruption (suite "run").
struct RunProblem {
    std::string suite;
    std::string name;
    std::string type;
    std::string message;
    std::string details;
};

std::vector<RunProblem> run_problems(const RunResult& run) {
    std::vector<RunProblem> problems;
    std::map<std::string, std::vector<const harness::LoadError*>> by_file; // sorted by file
    for (const auto& error : run.load_errors) {
        by_file[error.file].push_back(&error);
    }
    for (const auto& [file, errors] : by_file) {
        RunProblem problem{"load-errors", file, "load-error", "", ""};
        for (const auto* error : errors) {
            problem.details +=
                (error->pointer.empty() ? "" : error->pointer + ": ") + error->message + "\n";
        }
        problem.message =
            "could not be loaded: " + problem.details.substr(0, problem.details.find('\n'));
        if (errors.size() > 1) {
            problem.message += " (+" + std::to_string(errors.size() - 1) + " more)";
        }
        problem.details += "file: " + file + "\n";
        problems.push_back(std::move(problem));
    }
    const auto not_run = run.planned > run.cases.size() ? run.planned - run.cases.size() : 0;
    const auto planned = std::to_string(not_run) + " of " + std::to_string(run.planned) +
                         " planned cases did not run";
    if (!run.target_error.empty()) {
        problems.push_back({"run", "target check before the run", "target",
                            "no case ran: " + run.target_error, planned + "\n"});
    } else if (run.interrupted) {
        problems.push_back({"run", "interrupted", "interrupted",
                            "interrupted (SIGINT or SIGTERM): " + planned, ""});
    }
    return problems;
}

void write_run_problems(std::ostream& out, const RunResult& run,
                        const std::vector<RunProblem>& problems, const std::string& timestamp) {
    for (const std::string suite : {"load-errors", "run"}) {
        const auto tests = std::count_if(problems.begin(), problems.end(),
                                         [&](const RunProblem& p) { return p.suite == suite; });
        if (tests == 0) {
            continue;
        }
        out << "  <testsuite name=\"" << suite << "\" tests=\"" << tests
            << "\" failures=\"0\" errors=\"" << tests
            << "\" skipped=\"0\" time=\"0.000\" timestamp=\"" << timestamp
            << "\" hostname=\"localhost\">\n";
        write_properties(out, run, "");
        for (const auto& problem : problems) {
            if (problem.suite != suite) {
                continue;
            }
            out << "    <testcase classname=\"" << suite << "\" name=\"" << attr(problem.name)
                << "\" time=\"0.000\">\n      <error message=\"" << attr(problem.message)
                << "\" type=\"" << problem.type << "\">" << body(problem.details)
                << "</error>\n    </testcase>\n";
        }
        out << "  </testsuite>\n";
    }
}

} // namespace

std::string xml_escape(std::string_view text, bool attribute) {
    // First make every character one XML 1.0 can carry, then escape the markup.
    const std::string safe = readable(text, Newlines::keep);
    std::string out;
    out.reserve(safe.size());
    for (const char c : safe) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += attribute ? "&quot;" : "\"";
            break;
        case '\'':
            out += attribute ? "&apos;" : "'";
            break;
        case '\n':
            // Attribute values are normalised by parsers: a raw newline would read as a space.
            out += attribute ? "&#10;" : "\n";
            break;
        case '\t':
            out += attribute ? "&#9;" : "\t";
            break;
        default:
            out += c;
        }
    }
    return out;
}

void write_junit(const RunResult& run, std::ostream& out) {
    std::map<std::string, std::vector<const CaseResult*>> suites; // sorted by area
    std::map<std::string, std::set<std::uint32_t>> repetitions;   // id -> repetitions seen
    SuiteCounts totals;
    for (const CaseResult& result : run.cases) {
        suites[result.area].push_back(&result);
        repetitions[result.id].insert(result.repetition);
        count(totals, result);
    }
    const auto problems = run_problems(run);
    totals.tests += static_cast<int>(problems.size());
    totals.errors += static_cast<int>(problems.size());

    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    // No "skipped" on <testsuites>: Jenkins' schema does not allow it there; each
    // <testsuite> carries its own.
    out << "<testsuites name=\"xsime-conform\" tests=\"" << totals.tests << "\" failures=\""
        << totals.failures << "\" errors=\"" << totals.errors << "\" time=\""
        << seconds3(run.duration) << "\">\n";

    const std::string timestamp = iso8601_utc(run.started, false);
    const std::string root_causes = root_causes_text(run);
    for (auto& [area, cases] : suites) {
        std::stable_sort(cases.begin(), cases.end(), [](const CaseResult* a, const CaseResult* b) {
            return a->id != b->id ? a->id < b->id : a->repetition < b->repetition;
        });
        SuiteCounts counts;
        for (const CaseResult* result : cases) {
            count(counts, *result);
        }
        out << "  <testsuite name=\"" << attr(area) << "\" tests=\"" << counts.tests
            << "\" failures=\"" << counts.failures << "\" errors=\"" << counts.errors
            << "\" skipped=\"" << counts.skipped << "\" time=\"" << seconds3(counts.time)
            << "\" timestamp=\"" << timestamp << "\" hostname=\"localhost\">\n";
        write_properties(out, run, totals.failures > 0 ? root_causes : "");
        for (const CaseResult* result : cases) {
            write_case(out, *result, repetitions[result->id].size() > 1 || result->repetition > 0);
        }
        out << "  </testsuite>\n";
    }
    write_run_problems(out, run, problems, timestamp);
    out << "</testsuites>\n";
}

} // namespace xsime::reports
