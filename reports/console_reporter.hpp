// The console reporter: live progress on a terminal, each failure as soon as it happens,
// and a summary with the run's verdict, where the fixtures were made, and each case that did
// not simply pass or was skipped (with its reason). docs/reports.md shows its output.
#pragma once

#include "harness/outcome.hpp"
#include "harness/result.hpp"

#include <cstddef>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

namespace xsime::reports {

class ConsoleReporter {
public:
    // `tty`: `out` is a terminal, so a progress line is kept at the bottom. Colour is used
    // only when both `tty` and `color` are set: logs and pipes get plain text. `verbose`
    // (run --verbose): every case gets a line with its verdict and time, passes included.
    ConsoleReporter(std::ostream& out, bool tty, bool color, bool verbose = false);

    // Each may be called from any thread; output from concurrent calls never interleaves.
    void on_start(std::size_t total);
    void on_case(const harness::CaseResult& result, std::size_t done, std::size_t total);
    void on_finish(const harness::RunResult& run, const harness::Outcome& outcome);

    // Entries of a failure's transcript that are printed (the newest ones).
    static constexpr std::size_t transcript_tail = 12;

private:
    void clear_progress();
    void draw_progress(std::string_view current, std::size_t total);
    std::string paint(std::string_view text, std::string_view sgr) const;
    void print_case_line(const harness::CaseResult& result);
    void print_case_details(const harness::CaseResult& result);
    std::string timing(const harness::CaseResult& result) const;
    void print_counts(const harness::RunResult& run, const harness::Outcome& outcome);
    void print_recap(const harness::RunResult& run, const harness::Outcome& outcome);
    void print_deviations(const harness::RunResult& run, const harness::Outcome& outcome);
    void print_skipped(const harness::RunResult& run);
    void print_incomplete(const harness::RunResult& run, const harness::Outcome& outcome);

    std::mutex mutex_;
    std::ostream& out_;
    bool tty_;
    bool color_;
    bool verbose_;
    std::size_t progress_width_ = 0; // characters of the progress line now on screen
    std::size_t done_ = 0;
    std::size_t failed_ = 0;
};

} // namespace xsime::reports
