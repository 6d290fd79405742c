// The bundle of `xsime-conform run --bundle` (run_bundle.hpp).
#include "cli/run_bundle.hpp"

#include "cli/bundle_archive.hpp"
#include "cli/bundle_manifest.hpp"
#include "cli/command_line.hpp"
#include "reports/html_reporter.hpp"
#include "reports/json_reporter.hpp"
#include "reports/junit_reporter.hpp"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace xsime::cli {

namespace {

namespace fs = std::filesystem;

template <typename Write>
std::string rendered(Write write) {
    std::ostringstream out;
    write(out);
    return std::move(out).str();
}

} // namespace

std::map<std::string, std::string> bundle_files(const harness::RunResult& run,
                                                const harness::Outcome& outcome,
                                                const ScenarioSet& scenarios,
                                                const std::string& command) {
    std::map<std::string, std::string> files = scenarios.files;
    files["COMMAND"] = command + "\n";
    files["VERSION"] = "xsime-conform " + run.tool_version + "\n";
    files["report.html"] =
        rendered([&](std::ostream& out) { reports::write_html(run, outcome, out); });
    files["report.json"] =
        rendered([&](std::ostream& out) { reports::write_json(run, outcome, out); });
    files["junit.xml"] = rendered([&](std::ostream& out) { reports::write_junit(run, out); });
    return files;
}

std::variant<BundleWriter, RunStop> BundleWriter::open(const RunOptions& options) {
    BundleWriter writer;
    if (options.bundle.empty()) {
        if (!options.sign.empty()) {
            return RunStop{exit_usage, "--sign signs the bundle's MANIFEST: give --bundle too"};
        }
        return writer;
    }
    std::error_code ignored;
    if (fs::is_directory(options.bundle, ignored)) {
        return RunStop{exit_usage, "--bundle '" + options.bundle +
                                       "' is a folder; name a file, e.g. run.tar.gz"};
    }
    // Its temporary now (report_file.hpp), so that a path that cannot be written fails
    // before the run, and a run that is stopped leaves no half bundle.
    writer.file_.emplace(options.bundle);
    if (!*writer.file_) {
        return RunStop{exit_usage, "cannot write the bundle '" + options.bundle + "'"};
    }
    if (!options.sign.empty()) {
        auto key = load_signing_key(options.sign);
        if (auto* error = std::get_if<SignatureError>(&key)) {
            return RunStop{exit_usage, "--sign: " + error->message};
        }
        writer.key_ = std::move(std::get<Pkey>(key));
    }
    return writer;
}

bool BundleWriter::write(const harness::RunResult& run, const harness::Outcome& outcome,
                         const ScenarioSet& scenarios) {
    if (!file_) {
        return true;
    }
    const auto fail = [&](const std::string& reason) {
        std::cerr << "xsime-conform run: writing the bundle '" << file_->path()
                  << "' failed: " << reason << '\n';
        return false;
    };
    const auto files = bundle_files(run, outcome, scenarios, command_line_text());
    std::vector<ArchiveMember> members{{std::string(manifest_name), make_manifest(files)}};
    if (key_) {
        auto signature = sign(key_.get(), members.front().bytes);
        if (auto* error = std::get_if<SignatureError>(&signature)) {
            return fail(error->message);
        }
        members.push_back({std::string(signature_name), std::get<std::string>(signature)});
    }
    for (const auto& [path, bytes] : files) {
        members.push_back({path, bytes});
    }
    const auto started = std::chrono::system_clock::to_time_t(run.started);
    auto archive = make_tar_gz(members, started);
    if (auto* error = std::get_if<ArchiveError>(&archive)) {
        return fail(error->message);
    }
    *file_ << std::get<std::string>(archive);
    std::string error;
    return file_->commit(error) ? true : fail(error);
}

} // namespace xsime::cli
