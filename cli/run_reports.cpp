// Opening, writing and checking the report files of `xsime-conform run` (run_reports.hpp).
#include "cli/run_reports.hpp"

#include "reports/html_reporter.hpp"
#include "reports/json_reporter.hpp"
#include "reports/junit_reporter.hpp"

#include <filesystem>
#include <iostream>
#include <system_error>
#include <utility>
#include <vector>

namespace xsime::cli {

namespace {

// Opens the report's temporary beside it (report_file.hpp): a folder that cannot be written,
// or a folder where the file should be, fails now rather than after the run.
std::optional<ReportFile> open_report(const std::string& path, std::string& error) {
    if (path.empty()) {
        return std::nullopt;
    }
    std::error_code ignored;
    if (std::filesystem::is_directory(path, ignored)) {
        error = "cannot write the report file '" + path + "': it is a folder";
        return std::nullopt;
    }
    std::optional<ReportFile> out(std::in_place, path);
    if (!*out) {
        error = "cannot write the report file '" + path + "'";
    }
    return out;
}

// Puts the report in place; false, with the file named on stderr, when it was not all written.
bool finish_report(ReportFile& out, const std::string& path) {
    std::string error;
    if (!out.commit(error)) {
        std::cerr << "xsime-conform run: "
                  << (error.empty() ? "writing '" + path + "' failed" : error) << '\n';
        return false;
    }
    return true;
}

std::string joined(const std::vector<std::string>& items) {
    std::string text;
    for (const auto& item : items) {
        text += (text.empty() ? "" : " ") + item;
    }
    return text;
}

} // namespace

std::variant<ReportFiles, RunStop> ReportFiles::open(const RunOptions& options) {
    ReportFiles files;
    files.junit_path_ = options.junit;
    files.json_path_ = options.json;
    // All are tried; when several fail, the message names the last one.
    std::string error;
    files.junit_ = open_report(options.junit, error);
    files.json_ = open_report(options.json, error);
    files.html_path_ = options.html;
    files.html_ = open_report(options.html, error);
    if (!error.empty()) {
        return RunStop{exit_usage, error};
    }
    return files;
}

bool ReportFiles::write(const harness::RunResult& result, const harness::Outcome& outcome) {
    bool written = true;
    if (junit_) {
        reports::write_junit(result, *junit_);
        written = finish_report(*junit_, junit_path_) && written;
    }
    if (json_) {
        reports::write_json(result, outcome, *json_);
        written = finish_report(*json_, json_path_) && written;
    }
    if (html_) {
        reports::write_html(result, outcome, *html_);
        written = finish_report(*html_, html_path_) && written;
    }
    return written;
}

std::map<std::string, std::string> run_settings(const RunOptions& options, const RunPlan& plan,
                                                const RunTarget& target) {
    std::map<std::string, std::string> settings = {
        {"transport", options.transport},
        {"subject", plan.client ? "client" : "server"},
        {"fixtures", plan.client              ? "none"
                     : target.remote_fixtures ? "remote"
                                              : "local"},
        {"jobs", std::to_string(options.jobs)},
        {"strict", options.strict ? "true" : "false"},
        {"levels", options.levels.empty() ? "must,should,interop" : options.levels},
        {"shard", options.shard.empty() ? "1/1" : options.shard},
        {"repeat", std::to_string(options.repeat)},
        {"rerun_failures", std::to_string(options.rerun_failures)},
        {"step_timeout_ms", std::to_string(options.step_timeout_ms)},
        {"scenario_timeout_ms", std::to_string(options.scenario_timeout_ms)},
        {"timeout_s", std::to_string(options.timeout_s)},
    };
    // The selection too, so that a report says what it covers; only when given.
    if (!options.filters.empty()) {
        settings["filter"] = joined(options.filters);
    }
    if (!options.keywords.empty()) {
        settings["keyword"] = joined(options.keywords);
    }
    if (!plan.server_faults.empty()) {
        settings["server_fault"] = plan.server_faults.to_string();
    }
    if (!options.expect_failures.empty()) {
        settings["expect_failures"] = options.expect_failures;
    }
    if (plan.tf) {
        settings["proto_version"] = options.proto_version;
        settings["session_key_size"] = std::to_string(target.tf_settings.session_key_size);
    }
    return settings;
}

} // namespace xsime::cli
