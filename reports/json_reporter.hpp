// The JSON reporter: the whole run, machine-readable, for certifiers and other tools.
// reports/json-report.schema.json describes the document; docs/reports.md explains it.
#pragma once

#include "harness/outcome.hpp"
#include "harness/result.hpp"

#include <ostream>

namespace xsime::reports {

// Bumped when a field changes meaning or disappears; new fields do not bump it. Version 2:
// failures are attributed (deviations, consequence_of), broken files make a run INCOMPLETE.
inline constexpr int json_report_version = 2;

void write_json(const harness::RunResult& run, const harness::Outcome& outcome, std::ostream& out);

} // namespace xsime::reports
