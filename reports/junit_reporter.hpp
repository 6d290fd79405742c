// The JUnit XML reporter, for CI test reports (Jenkins, GitLab, GitHub). The output
// validates against reports/junit.xsd, the rules Jenkins' xunit plugin accepts; the
// mapping is in docs/reports.md.
#pragma once

#include "harness/result.hpp"

#include <ostream>
#include <string>
#include <string_view>

namespace xsime::reports {

// One <testsuite> per area, sorted by area, cases sorted by id then repetition. Reports
// are truthful: an interop failure is a <failure> of type "interop"; the exit code
// policy, not the report, decides that it does not fail the run.
void write_junit(const harness::RunResult& run, std::ostream& out);

// Text made safe for XML 1.0 and escaped for an attribute value (`attribute`) or for
// element content. Exposed for tests.
std::string xml_escape(std::string_view text, bool attribute);

} // namespace xsime::reports
