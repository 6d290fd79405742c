// The console reporter (console_reporter.hpp).
#include "reports/console_reporter.hpp"

#include "reports/report_text.hpp"

#include <algorithm>
#include <vector>

namespace xsime::reports {

using harness::Baseline;
using harness::CaseResult;
using harness::Level;
using harness::Outcome;
using harness::RunResult;
using harness::Verdict;

namespace {

constexpr std::string_view red = "1;31";
constexpr std::string_view green = "1;32";
constexpr std::string_view yellow = "1;33";
constexpr std::string_view magenta = "1;35";
constexpr std::string_view bold = "1";

constexpr std::size_t field_limit = 400;     // bytes of expected/actual shown
constexpr std::size_t transcript_limit = 96; // bytes of one transcript entry shown
constexpr std::string_view indent = "      ";

// Columns a line takes: ids and names are UTF-8, one column per character is close enough.
std::size_t columns(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0u) != 0x80u;
    }));
}

std::string one_line(std::string_view text, std::size_t limit = field_limit) {
    const std::string line = readable(text, Newlines::escape);
    std::string out(utf8_prefix(line, limit));
    if (out.size() < line.size()) {
        out += " \u2026 (" + std::to_string(text.size()) + " bytes)";
    }
    return out;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) {
        out += (out.empty() ? "" : ", ") + one_line(item);
    }
    return out;
}

std::string title(const CaseResult& result) {
    std::string out = one_line(result.id) + " \u2014 " + one_line(result.name); // —
    if (result.repetition > 0) {
        out += " (repetition " + std::to_string(result.repetition + 1) + ")";
    }
    return out;
}

// "3 consequences", "1 consequence".
std::string plural(std::size_t n, std::string_view noun) {
    return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

// "consequence of DELIVERY-EXACTLY-ONCE (see delivery.burst-live-exactly-once)".
std::string consequence_text(const harness::Consequence& consequence) {
    return "consequence of " + one_line(consequence.clause) + " (see " +
           one_line(consequence.case_id) + ")";
}

bool is_failure(const CaseResult& result) {
    return result.verdict == Verdict::fail || result.verdict == Verdict::error;
}

// The word a case gets in the recap; empty when it needs none.
std::string_view recap_word(const CaseResult& result) {
    switch (result.verdict) {
    case Verdict::fail:
        return result.baseline == Baseline::expected_fail ? "XFAIL" : "FAIL";
    case Verdict::error:
        return "ERROR";
    case Verdict::pass:
        if (result.baseline == Baseline::unexpected_pass) {
            return "XPASS";
        }
        return result.flaky ? "FLAKY" : "";
    case Verdict::skipped:
        return "";
    }
    return "";
}

// In id order, repetitions of one scenario in their order.
void by_id(std::vector<const CaseResult*>& cases) {
    std::stable_sort(cases.begin(), cases.end(), [](const CaseResult* a, const CaseResult* b) {
        return a->id != b->id ? a->id < b->id : a->repetition < b->repetition;
    });
}

std::string repetition_note(const CaseResult& result) {
    return result.repetition > 0 ? " (repetition " + std::to_string(result.repetition + 1) + ")"
                                 : "";
}

std::string pad(std::string_view text, std::size_t width) {
    std::string out(text);
    if (out.size() < width) {
        out.append(width - out.size(), ' ');
    }
    return out;
}

} // namespace

ConsoleReporter::ConsoleReporter(std::ostream& out, bool tty, bool color, bool verbose)
    : out_(out), tty_(tty), color_(tty && color), verbose_(verbose) {}

std::string ConsoleReporter::paint(std::string_view text, std::string_view sgr) const {
    if (!color_) {
        return std::string(text);
    }
    return "\x1b[" + std::string(sgr) + "m" + std::string(text) + "\x1b[0m";
}

void ConsoleReporter::clear_progress() {
    if (progress_width_ == 0) {
        return;
    }
    // Spaces rather than an erase-line sequence: works on every terminal.
    out_ << '\r' << std::string(progress_width_, ' ') << '\r';
    progress_width_ = 0;
}

void ConsoleReporter::draw_progress(std::string_view current, std::size_t total) {
    const std::string total_text = std::to_string(total);
    // Right-aligned in a fixed width, so the line does not jitter as the count grows.
    std::string done_text = std::to_string(done_);
    const std::size_t width = std::max<std::size_t>(3, total_text.size());
    if (done_text.size() < width) {
        done_text.insert(0, width - done_text.size(), ' ');
    }
    std::string line =
        "[" + done_text + "/" + total_text + "] " + std::to_string(failed_) + " failed";
    if (!current.empty()) {
        line += "  " + one_line(current, 80);
    }
    out_ << '\r' << line;
    progress_width_ = columns(line);
}

void ConsoleReporter::on_start(std::size_t total) {
    const std::lock_guard lock(mutex_);
    if (tty_) {
        draw_progress("", total);
    } else {
        out_ << "Running " << total << (total == 1 ? " case" : " cases") << '\n';
    }
    out_.flush();
}

void ConsoleReporter::print_case_details(const CaseResult& result) {
    if (!result.message.empty()) {
        out_ << indent << one_line(result.message) << '\n';
    }
    if (result.verdict == Verdict::fail && result.level == Level::interop) {
        out_ << indent << "(interop: a warning, never fails the run)\n";
    }
    out_ << indent << "level " << harness::level_name(result.level);
    if (!result.clauses.empty()) {
        out_ << " \u00b7 clauses " << join(result.clauses);
    }
    out_ << '\n';
    if (!result.requirement.empty()) {
        out_ << indent << "requirement: \"" << one_line(result.requirement) << "\"\n";
    }
    if (result.failed_step || !result.failed_step_pointer.empty()) {
        out_ << indent << "step";
        if (result.failed_step) {
            out_ << ' ' << *result.failed_step;
        }
        if (!result.failed_step_pointer.empty()) {
            out_ << " at " << one_line(result.failed_step_pointer);
        }
        if (!result.failed_step_note.empty()) {
            out_ << ": " << one_line(result.failed_step_note);
        }
        out_ << '\n';
    }
    if (!result.expected.empty() || !result.actual.empty()) {
        out_ << indent << "expected: " << one_line(result.expected) << '\n';
        out_ << indent << "actual:   " << one_line(result.actual) << '\n';
    }
    if (!result.transcript.empty()) {
        const std::size_t size = result.transcript.size();
        const std::size_t first = size > transcript_tail ? size - transcript_tail : 0;
        out_ << indent << "transcript";
        if (first > 0) {
            out_ << " (last " << transcript_tail << " of " << size << " entries)";
        }
        out_ << ":\n";
        for (std::size_t i = first; i < size; ++i) {
            out_ << indent << "  " << transcript_line(result.transcript[i], transcript_limit)
                 << '\n';
        }
    }
    if (!result.file.empty()) {
        out_ << indent << "file: " << one_line(result.file) << '\n';
    }
}

// " (0.12 s)" after a case's name with --verbose, else nothing.
std::string ConsoleReporter::timing(const CaseResult& result) const {
    if (!verbose_) {
        return "";
    }
    const auto centiseconds = (result.duration.count() + 5'000) / 10'000;
    const auto fraction = std::to_string(centiseconds % 100);
    return " (" + std::to_string(centiseconds / 100) + "." + (fraction.size() < 2 ? "0" : "") +
           fraction + " s)";
}

// The line a case gets as it ends: failures and surprises always, with their details; with
// --verbose also plain passes and skipped cases, one line each.
void ConsoleReporter::print_case_line(const CaseResult& result) {
    if (result.verdict == Verdict::fail && result.baseline == Baseline::expected_fail) {
        out_ << paint("XFAIL", yellow) << ' ' << title(result) << timing(result)
             << ": expected failure (baseline)";
        if (!result.message.empty()) {
            out_ << ": " << one_line(result.message);
        }
        out_ << '\n';
    } else if (result.verdict == Verdict::fail) {
        out_ << paint("FAIL ", result.level == Level::interop ? yellow : red) << ' '
             << title(result) << timing(result) << '\n';
        print_case_details(result);
    } else if (result.verdict == Verdict::error) {
        out_ << paint("ERROR", magenta) << ' ' << title(result) << timing(result) << '\n';
        print_case_details(result);
    } else if (result.verdict == Verdict::pass) {
        const bool unexpected = result.baseline == Baseline::unexpected_pass;
        if (unexpected) {
            out_ << paint("XPASS", red) << ' ' << title(result) << timing(result)
                 << ": passed, but the baseline lists it as failing; update the baseline\n";
        }
        if (result.flaky) {
            const std::uint32_t failures = result.attempts > 1 ? result.attempts - 1 : 1;
            out_ << paint("FLAKY", yellow) << ' ' << title(result) << timing(result) << ": failed "
                 << failures << (failures == 1 ? " time" : " times") << ", then passed";
            if (!result.message.empty()) { // the runner keeps what the first failure said
                out_ << " (first failure: " << one_line(result.message) << ")";
            }
            out_ << '\n';
        }
        if (verbose_ && !unexpected && !result.flaky) {
            out_ << paint("PASS ", green) << ' ' << one_line(result.id) << repetition_note(result)
                 << timing(result) << '\n';
        }
    } else if (verbose_ && result.verdict == Verdict::skipped) {
        out_ << "SKIP  " << one_line(result.id) << repetition_note(result) << ": "
             << (result.skip_reason.empty() ? "no reason given" : one_line(result.skip_reason))
             << '\n';
    }
}

void ConsoleReporter::on_case(const CaseResult& result, std::size_t done, std::size_t total) {
    const std::lock_guard lock(mutex_);
    // Cases finish on several threads; a late caller must not move the counter back.
    done_ = std::max(done_, done);
    if (is_failure(result)) {
        ++failed_;
    }
    clear_progress();
    print_case_line(result);
    if (tty_) {
        draw_progress(result.id, total);
    }
    out_.flush();
}

void ConsoleReporter::print_counts(const RunResult& run, const Outcome& outcome) {
    const int failed = outcome.count(Verdict::fail);
    const int errors = outcome.count(Verdict::error);
    const auto row = [&](std::string_view label, const std::string& value,
                         const std::string& note = "") {
        out_ << "  " << pad(label, 20) << value;
        if (!note.empty()) {
            out_ << "  (" << note << ")";
        }
        out_ << '\n';
    };
    const auto count = [&](std::string_view label, int value, const std::string& note = "") {
        row(label, std::to_string(value), note);
    };
    // Where the scenarios' users and messages were made: a remote run cannot make them all.
    if (const auto fixtures = run.settings.find("fixtures"); fixtures != run.settings.end()) {
        row("fixtures", one_line(fixtures->second),
            fixtures->second == "remote"  ? "made through TF commands MKDIR/TOUCH/DEL/RMDIR"
            : fixtures->second == "local" ? "made in the target's mailbox root on this machine"
                                          : "");
    }
    count("passed", outcome.count(Verdict::pass));
    count("failed", failed,
          failed == 0
              ? ""
              : "must " + std::to_string(outcome.count(Verdict::fail, Level::must)) + ", should " +
                    std::to_string(outcome.count(Verdict::fail, Level::should)) + ", interop " +
                    std::to_string(outcome.count(Verdict::fail, Level::interop)));
    if (failed > 0) {
        row("root causes",
            plural(outcome.deviations.size(), "deviation") + ", " +
                plural(static_cast<std::size_t>(outcome.consequences), "consequence"),
            "a consequence fails because of a deviation it relies on; counted in failed");
    }
    count("errors", errors,
          errors == 0           ? ""
          : outcome.interrupted ? "stopped by the interruption, or harness faults: not judged"
                                : "harness faults: these cases were not judged");
    count("skipped", outcome.count(Verdict::skipped),
          outcome.count(Verdict::skipped) == 0 ? "" : "not run: listed below with the reason");
    // Planned cases with no result at all: made-up verdicts would be untrue.
    if (outcome.not_run > 0) {
        count("not run", outcome.not_run,
              !outcome.target_error.empty() ? "the target failed the check before the run"
                                            : "interrupted before they started");
    }
    if (outcome.broken_files > 0) {
        count("broken files", outcome.broken_files,
              "could not be loaded: their scenarios did not run; listed below");
    }
    count("flaky", outcome.flaky, outcome.flaky == 0 ? "" : "failed, then passed on a rerun");
    count("expected failures", outcome.expected_failures,
          outcome.expected_failures == 0 ? "" : "in the baseline; counted in failed");
    count("unexpected passes", outcome.unexpected_passes,
          outcome.unexpected_passes == 0 ? "" : "in the baseline but passed: update it");
    count("warnings", outcome.warnings,
          outcome.warnings == 0 ? "" : "interop failures; they never fail the run");
}

// A recap, because failures printed during the run may have scrolled far away.
void ConsoleReporter::print_recap(const RunResult& run, const Outcome& outcome) {
    std::vector<const CaseResult*> recap;
    for (const CaseResult& result : run.cases) {
        if (!recap_word(result).empty()) {
            recap.push_back(&result);
        }
    }
    by_id(recap);
    if (recap.empty()) {
        return;
    }
    out_ << "Cases that did not simply pass:\n";
    for (const CaseResult* result : recap) {
        out_ << "  " << pad(recap_word(*result), 6) << one_line(result->id) << " ["
             << harness::level_name(result->level) << "]" << repetition_note(*result);
        if (result->consequence_of) {
            out_ << " \u2014 " << consequence_text(*result->consequence_of);
        }
        if (recap_word(*result) == "FAIL" && result->level == Level::interop) {
            out_ << " (warning)";
        } else if (recap_word(*result) == "FAIL" && result->level == Level::should &&
                   !outcome.strict) {
            out_ << " (fails the run only with --strict)";
        }
        out_ << '\n';
    }
}

// What to fix first: one line per deviation, the clause and the case that proves it, then how
// many failures follow from it (named in the recap below).
void ConsoleReporter::print_deviations(const RunResult& run, const Outcome& outcome) {
    if (outcome.deviations.empty()) {
        return;
    }
    std::size_t width = 0;
    for (const auto& deviation : outcome.deviations) {
        width = std::max(width, columns(one_line(deviation.clause)));
    }
    out_ << paint("Deviations", bold) << " (root causes: fix these first):\n";
    for (const auto& deviation : outcome.deviations) {
        const CaseResult& proof = run.cases[deviation.cases.front()];
        out_ << "  " << pad(one_line(deviation.clause), width + 2) << "proven by "
             << one_line(proof.id) << repetition_note(proof);
        if (deviation.cases.size() > 1) {
            out_ << " (+" << plural(deviation.cases.size() - 1, "more case") << ")";
        }
        if (!deviation.consequences.empty()) {
            out_ << "; " << plural(deviation.consequences.size(), "consequence");
        }
        out_ << '\n';
    }
}

// Skipped cases are not failures, but a pass of the rest says nothing about them: each is
// named with the reason it did not run.
void ConsoleReporter::print_skipped(const RunResult& run) {
    std::vector<const CaseResult*> skipped;
    for (const CaseResult& result : run.cases) {
        if (result.verdict == Verdict::skipped) {
            skipped.push_back(&result);
        }
    }
    by_id(skipped);
    if (skipped.empty()) {
        return;
    }
    out_ << "Skipped cases:\n";
    for (const CaseResult* result : skipped) {
        out_ << "  SKIP  " << one_line(result->id) << " [" << harness::level_name(result->level)
             << "]" << repetition_note(*result) << ": "
             << (result->skip_reason.empty() ? "no reason given" : one_line(result->skip_reason))
             << '\n';
    }
}

// What kept the run from judging every planned case, beyond the counts: the interruption,
// and each scenario file that could not be loaded with its errors.
void ConsoleReporter::print_incomplete(const RunResult& run, const Outcome& outcome) {
    if (outcome.interrupted) {
        out_ << "  interrupted (SIGINT or SIGTERM): " << outcome.not_run << " of " << run.planned
             << " planned cases did not run; the cases it stopped are errors\n";
    }
    if (run.load_errors.empty()) {
        return;
    }
    out_ << "Scenario files that could not be loaded:\n";
    for (const auto& error : run.load_errors) {
        out_ << "  " << one_line(error.file)
             << (error.pointer.empty() ? "" : ": " + one_line(error.pointer)) << ": "
             << one_line(error.message) << '\n';
    }
}

void ConsoleReporter::on_finish(const RunResult& run, const Outcome& outcome) {
    const std::lock_guard lock(mutex_);
    clear_progress();

    out_ << '\n'
         << paint("Summary", bold) << ": " << outcome.total
         << (outcome.total == 1 ? " case" : " cases") << " in " << seconds3(run.duration)
         << " s against " << one_line(run.target);
    if (!run.tool_version.empty()) {
        out_ << " (xsime-conform " << one_line(run.tool_version) << ")";
    }
    out_ << '\n';
    print_counts(run, outcome);
    if (!outcome.strict && outcome.count(Verdict::fail, Level::should) > 0) {
        out_ << "  should-level failures fail the run only with --strict\n";
    }
    if (run.timed_out) {
        out_ << "  the run deadline cut the run short: cases not reported here did not run\n";
    }
    print_incomplete(run, outcome);
    print_deviations(run, outcome);
    print_skipped(run);
    print_recap(run, outcome);

    const std::string verdict = harness::verdict_line(outcome);
    const std::string_view colour = outcome.conformant ? green : outcome.incomplete ? magenta : red;
    out_ << paint(verdict, colour) << '\n';
    // The last line is plain and stable: CI log scrapers read it.
    out_ << outcome.count(Verdict::pass) << " passed, "
         << outcome.count(Verdict::fail) + outcome.count(Verdict::error) << " failed\n";
    out_.flush();
}

} // namespace xsime::reports
