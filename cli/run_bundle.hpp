// `run --bundle FILE.tar.gz [--sign KEY.pem]`: one archive that lets anyone check a run's
// reports later: the HTML, JSON and JUnit reports, the exact scenario files that ran, the
// command line and tool version, and a MANIFEST of their SHA-256 (signed with --sign).
// `xsime-conform verify-bundle` (cmd_verify_bundle.cpp) checks one; docs/reports.md.
#pragma once

#include "cli/bundle_signature.hpp"
#include "cli/report_file.hpp"
#include "cli/run_options.hpp"
#include "cli/scenario_set.hpp"
#include "harness/outcome.hpp"
#include "harness/result.hpp"

#include <map>
#include <optional>
#include <string>
#include <variant>

namespace xsime::cli {

// The bundle's files other than MANIFEST and MANIFEST.sig: path -> bytes.
std::map<std::string, std::string> bundle_files(const harness::RunResult& run,
                                                const harness::Outcome& outcome,
                                                const ScenarioSet& scenarios,
                                                const std::string& command);

class BundleWriter {
public:
    // Checked before the run, like the report files, so that a mistake costs no run: the
    // bundle's temporary is opened beside it, and the --sign key must load. Without
    // --bundle the writer does nothing (--sign alone is a usage error).
    static std::variant<BundleWriter, RunStop> open(const RunOptions& options);

    // Writes the bundle through its temporary, renamed into place, so a reader never sees
    // half of one. False, with the reason on stderr, when it could not be written.
    bool write(const harness::RunResult& run, const harness::Outcome& outcome,
               const ScenarioSet& scenarios);

private:
    std::optional<ReportFile> file_; // none without --bundle
    Pkey key_;
};

} // namespace xsime::cli
