// The JSON reporter (json_reporter.hpp).
#include "reports/json_reporter.hpp"

#include "reports/report_text.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

namespace xsime::reports {

using harness::CaseResult;
using harness::Level;
using harness::Outcome;
using harness::RunResult;
using harness::TranscriptEntry;
using harness::Verdict;
using nlohmann::ordered_json;

namespace {

// Every string from the run may hold bytes from the wire; JSON strings must be UTF-8.
ordered_json text(std::string_view value) {
    return utf8_safe(value);
}

ordered_json texts(const std::vector<std::string>& values) {
    ordered_json out = ordered_json::array();
    for (const std::string& value : values) {
        out.push_back(text(value));
    }
    return out;
}

double seconds(std::chrono::microseconds duration) {
    return static_cast<double>(duration.count()) / 1e6;
}

std::string_view kind_name(TranscriptEntry::Kind kind) {
    switch (kind) {
    case TranscriptEntry::Kind::sent:
        return "sent";
    case TranscriptEntry::Kind::received:
        return "received";
    case TranscriptEntry::Kind::closed:
        return "closed";
    case TranscriptEntry::Kind::note:
        return "note";
    }
    return "note";
}

ordered_json transcript_entry(const TranscriptEntry& entry) {
    ordered_json out;
    out["offset_ms"] = static_cast<double>(entry.offset.count()) / 1e3;
    out["session"] = text(entry.session);
    out["kind"] = kind_name(entry.kind);
    out["hex"] = hex(entry.bytes);
    // The reading the harness made, else the bytes themselves as readable text.
    out["text"] = readable(entry.decoded.empty() ? entry.bytes : entry.decoded, Newlines::keep);
    return out;
}

ordered_json case_json(const CaseResult& result) {
    ordered_json out;
    out["id"] = text(result.id);
    out["name"] = text(result.name);
    out["area"] = text(result.area);
    out["level"] = harness::level_name(result.level);
    out["clauses"] = texts(result.clauses);
    out["relies_on"] = texts(result.relies_on);
    out["requirement"] = text(result.requirement);
    out["keywords"] = texts(result.keywords);
    out["file"] = text(result.file);
    out["verdict"] = harness::verdict_name(result.verdict);
    out["message"] = text(result.message);
    out["expected"] = text(result.expected);
    out["actual"] = text(result.actual);
    out["failed_step"] = result.failed_step ? ordered_json(*result.failed_step) : ordered_json();
    out["failed_step_pointer"] = text(result.failed_step_pointer);
    out["failed_step_note"] = text(result.failed_step_note);
    out["skip_reason"] = text(result.skip_reason);
    out["duration_s"] = seconds(result.duration);
    out["attempts"] = result.attempts;
    out["flaky"] = result.flaky;
    out["repetition"] = result.repetition;
    out["baseline"] = harness::baseline_name(result.baseline);
    if (result.consequence_of) {
        out["consequence_of"] = {{"clause", text(result.consequence_of->clause)},
                                 {"case", text(result.consequence_of->case_id)}};
    }
    ordered_json transcript = ordered_json::array();
    for (const TranscriptEntry& entry : result.transcript) {
        transcript.push_back(transcript_entry(entry));
    }
    out["transcript"] = std::move(transcript);
    return out;
}

ordered_json summary_json(const Outcome& outcome) {
    ordered_json out;
    out["verdict"] = harness::verdict_line(outcome);
    out["conformant"] = outcome.conformant;
    out["incomplete"] = outcome.incomplete;
    out["timed_out"] = outcome.timed_out;
    out["interrupted"] = outcome.interrupted;
    out["not_run"] = outcome.not_run;
    out["broken_files"] = outcome.broken_files;
    out["strict"] = outcome.strict;
    out["total"] = outcome.total;
    out["passed"] = outcome.count(Verdict::pass);
    out["failed"] = outcome.count(Verdict::fail);
    out["errors"] = outcome.count(Verdict::error);
    out["skipped"] = outcome.count(Verdict::skipped);
    out["flaky"] = outcome.flaky;
    out["expected_failures"] = outcome.expected_failures;
    out["unexpected_passes"] = outcome.unexpected_passes;
    out["warnings"] = outcome.warnings;
    out["blocking_failures"] = outcome.blocking_failures;
    out["deviations"] = outcome.deviations.size();
    out["consequences"] = outcome.consequences;
    ordered_json by_level;
    for (const Level level : {Level::must, Level::should, Level::interop}) {
        ordered_json counts;
        for (const Verdict verdict :
             {Verdict::pass, Verdict::fail, Verdict::error, Verdict::skipped}) {
            counts[std::string(harness::verdict_name(verdict))] = outcome.count(verdict, level);
        }
        by_level[std::string(harness::level_name(level))] = std::move(counts);
    }
    out["by_level"] = std::move(by_level);
    return out;
}

// Each deviation: its clause, the root failures that prove it and the failed cases that are
// its consequences (ids; with --repeat an id may appear once per repetition).
ordered_json deviations_json(const RunResult& run, const Outcome& outcome) {
    const auto ids = [&](const std::vector<std::size_t>& indexes) {
        ordered_json out = ordered_json::array();
        for (std::size_t i : indexes) {
            out.push_back(text(run.cases[i].id));
        }
        return out;
    };
    ordered_json out = ordered_json::array();
    for (const auto& deviation : outcome.deviations) {
        out.push_back({{"clause", text(deviation.clause)},
                       {"cases", ids(deviation.cases)},
                       {"consequences", ids(deviation.consequences)}});
    }
    return out;
}

} // namespace

void write_json(const RunResult& run, const Outcome& outcome, std::ostream& out) {
    ordered_json report;
    report["schema"] = "xsime-conform/report";
    report["version"] = json_report_version;
    report["tool"] = {{"name", "xsime-conform"}, {"version", text(run.tool_version)}};
    report["target"] = text(run.target);
    report["started"] = iso8601_utc(run.started, true);
    report["duration_s"] = seconds(run.duration);
    ordered_json settings = ordered_json::object();
    for (const auto& [name, value] : run.settings) {
        settings[utf8_safe(name)] = text(value);
    }
    report["settings"] = std::move(settings);
    // What the report certifies: the exact scenario files that ran (cli/scenario_set.hpp).
    report["scenario_set"] = {{"sha256", text(run.scenario_set_sha256)},
                              {"files", run.scenario_files}};
    report["summary"] = summary_json(outcome);
    report["target_error"] = text(run.target_error);
    ordered_json load_errors = ordered_json::array();
    for (const auto& error : run.load_errors) {
        load_errors.push_back({{"file", text(error.file)},
                               {"pointer", text(error.pointer)},
                               {"message", text(error.message)}});
    }
    report["load_errors"] = std::move(load_errors);
    report["deviations"] = deviations_json(run, outcome);
    // Cases finish in any order on several threads; sorted, two runs compare line by line.
    std::vector<const CaseResult*> sorted;
    for (const CaseResult& result : run.cases) {
        sorted.push_back(&result);
    }
    std::stable_sort(sorted.begin(), sorted.end(), [](const CaseResult* a, const CaseResult* b) {
        return a->id != b->id ? a->id < b->id : a->repetition < b->repetition;
    });
    ordered_json cases = ordered_json::array();
    for (const CaseResult* result : sorted) {
        cases.push_back(case_json(*result));
    }
    report["cases"] = std::move(cases);
    // Strings were made UTF-8 above; `replace` is a second guard so a report is never lost.
    out << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

} // namespace xsime::reports
