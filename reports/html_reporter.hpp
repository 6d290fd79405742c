// The HTML reporter: one self-contained page for certifiers (`run --html FILE`). The verdict,
// the deviations with their proof and folded consequences, the other cases that did not pass,
// tables by area, level and clause, and what ran against what. No script, no network: inline
// CSS only, and a Content-Security-Policy that forbids loading anything. docs/reports.md shows
// it.
#pragma once

#include "harness/outcome.hpp"
#include "harness/result.hpp"

#include <ostream>

namespace xsime::reports {

void write_html(const harness::RunResult& run, const harness::Outcome& outcome, std::ostream& out);

} // namespace xsime::reports
