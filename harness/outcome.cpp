// The run's verdict policy (outcome.hpp); docs/reports.md states the same rules for users.
#include "harness/outcome.hpp"

#include <set>
#include <string>
#include <vector>

namespace xsime::harness {

namespace {

std::size_t index(Verdict verdict) {
    return static_cast<std::size_t>(verdict);
}
std::size_t index(Level level) {
    return static_cast<std::size_t>(level);
}

// Distinct files: a file may have several errors.
int broken_files(const RunResult& run) {
    std::set<std::string> files;
    for (const auto& error : run.load_errors) {
        files.insert(error.file);
    }
    return static_cast<int>(files.size());
}

} // namespace

int Outcome::count(Verdict verdict, Level level) const {
    return counts[index(verdict)][index(level)];
}

int Outcome::count(Verdict verdict) const {
    int sum = 0;
    for (int n : counts[index(verdict)]) {
        sum += n;
    }
    return sum;
}

Outcome summarize(const RunResult& run, bool strict) {
    Outcome outcome;
    outcome.strict = strict;
    outcome.timed_out = run.timed_out;
    for (const CaseResult& result : run.cases) {
        ++outcome.counts[index(result.verdict)][index(result.level)];
        ++outcome.total;
        switch (result.verdict) {
        case Verdict::pass:
            if (result.flaky) {
                ++outcome.flaky;
            }
            // The baseline lists it as failing: fail the run so the baseline is updated,
            // otherwise a regression of this case would later go unnoticed.
            if (result.baseline == Baseline::unexpected_pass) {
                ++outcome.unexpected_passes;
            }
            break;
        case Verdict::fail:
            if (result.consequence_of) {
                ++outcome.consequences;
            }
            if (result.baseline == Baseline::expected_fail) {
                ++outcome.expected_failures;
            } else if (result.level == Level::interop) {
                ++outcome.warnings;
            } else if (result.level == Level::must || strict) {
                ++outcome.blocking_failures;
            }
            break;
        case Verdict::error:
            // The harness could not judge the case; a baseline entry does not excuse that,
            // because the run says nothing about the target for this case.
            outcome.incomplete = true;
            break;
        case Verdict::skipped:
            break;
        }
    }
    outcome.interrupted = run.interrupted;
    outcome.target_error = run.target_error;
    if (run.planned > run.cases.size()) {
        outcome.not_run = static_cast<int>(run.planned - run.cases.size());
    }
    outcome.broken_files = broken_files(run);
    if (run.timed_out || run.interrupted || !run.target_error.empty() || outcome.broken_files > 0) {
        outcome.incomplete = true;
    }
    outcome.deviations = find_deviations(run);
    outcome.conformant =
        outcome.blocking_failures == 0 && outcome.unexpected_passes == 0 && !outcome.incomplete;
    return outcome;
}

int exit_code(const RunResult& run, bool strict, bool had_file_errors) {
    const Outcome outcome = summarize(run, strict);
    if (outcome.count(Verdict::error) > 0 || outcome.timed_out || outcome.interrupted ||
        !outcome.target_error.empty()) {
        return 3;
    }
    if (had_file_errors || outcome.broken_files > 0) {
        return 2;
    }
    return outcome.conformant ? 0 : 1;
}

std::string verdict_line(const Outcome& outcome) {
    if (outcome.incomplete) {
        std::vector<std::string> reasons;
        if (!outcome.target_error.empty()) {
            reasons.push_back("no case ran: " + outcome.target_error);
        } else if (outcome.interrupted) {
            // The cases it stopped are errors because of it, not harness faults.
            reasons.emplace_back("interrupted");
        } else {
            if (outcome.count(Verdict::error) > 0) {
                reasons.emplace_back("harness errors");
            }
            if (outcome.timed_out) {
                reasons.emplace_back("run deadline reached");
            }
        }
        if (outcome.broken_files > 0) {
            reasons.push_back(std::to_string(outcome.broken_files) +
                              (outcome.broken_files == 1 ? " scenario file" : " scenario files") +
                              " could not be loaded");
        }
        std::string line = "INCOMPLETE (";
        for (std::size_t i = 0; i < reasons.size(); ++i) {
            line += (i == 0 ? "" : "; ") + reasons[i];
        }
        return line + ")";
    }
    if (outcome.blocking_failures > 0) {
        return "NOT CONFORMANT";
    }
    if (outcome.unexpected_passes > 0) {
        return "BASELINE OUT OF DATE";
    }
    return "CONFORMANT";
}

std::string_view verdict_name(Verdict verdict) {
    switch (verdict) {
    case Verdict::pass:
        return "pass";
    case Verdict::fail:
        return "fail";
    case Verdict::error:
        return "error";
    case Verdict::skipped:
        return "skipped";
    }
    return "unknown";
}

std::string_view level_name(Level level) {
    return to_string(level);
}

std::string_view baseline_name(Baseline baseline) {
    switch (baseline) {
    case Baseline::none:
        return "none";
    case Baseline::expected_fail:
        return "expected_fail";
    case Baseline::unexpected_pass:
        return "unexpected_pass";
    }
    return "unknown";
}

} // namespace xsime::harness
