// The report files of `xsime-conform run` (--junit, --json, --html): opened before the run so
// that a bad path fails at once, not after an hour of testing, then written and checked after
// it; and the settings of the run as the reports show them.
#pragma once

#include "cli/report_file.hpp"
#include "cli/run_options.hpp"
#include "cli/run_target.hpp"
#include "harness/outcome.hpp"
#include "harness/result.hpp"

#include <map>
#include <optional>
#include <string>
#include <variant>

namespace xsime::cli {

class ReportFiles {
public:
    // Opens a temporary beside each file given (cli/report_file.hpp: each report replaces its
    // file whole, at the end); a usage error names a file that cannot be written. Destroyed
    // without write(), it removes the temporaries and leaves the files as they were.
    static std::variant<ReportFiles, RunStop> open(const RunOptions& options);

    // Writes each report and checks that it reached its file. A report CI cannot read is a
    // harness fault, not a pass: false, each failed file named on stderr.
    bool write(const harness::RunResult& result, const harness::Outcome& outcome);

private:
    std::string junit_path_;
    std::string json_path_;
    std::optional<ReportFile> junit_;
    std::optional<ReportFile> json_;
    std::string html_path_;
    std::optional<ReportFile> html_;
};

// What RunResult::settings holds: the options that shaped the run (transport, fixtures, jobs,
// levels, shard, deadlines...), and the selection, faults and baseline when given.
std::map<std::string, std::string> run_settings(const RunOptions& options, const RunPlan& plan,
                                                const RunTarget& target);

} // namespace xsime::cli
