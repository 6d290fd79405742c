// The sections of the HTML report (html_reporter.hpp), each written by one function: the
// cases (html_cases.cpp) and the tables (html_tables.cpp). Internal to reports/.
#pragma once

#include "harness/outcome.hpp"
#include "harness/result.hpp"

#include <ostream>
#include <string>

namespace xsime::reports::html {

// The anchor of a case, for links from consequences and from the clause matrix.
std::string case_anchor(const harness::CaseResult& result);
// The anchor of the deviation of `clause`.
std::string deviation_anchor(const std::string& clause);

// Each deviation: its clause, the cases that prove it (requirement, expected vs actual, a
// transcript excerpt) and its consequences folded under it.
void write_deviations(const harness::RunResult& run, const harness::Outcome& outcome,
                      std::ostream& out);

// Errors, failures no deviation accounts for, unexpected passes, flaky passes, skips.
void write_other_cases(const harness::RunResult& run, const harness::Outcome& outcome,
                       std::ostream& out);

// Verdict counts by area and by level.
void write_count_tables(const harness::RunResult& run, const harness::Outcome& outcome,
                        std::ostream& out);

// Each clause a case cites: the cases and their verdicts.
void write_clause_matrix(const harness::RunResult& run, const harness::Outcome& outcome,
                         std::ostream& out);

// Target, settings (never a secret), tool version, times and the scenario set's hash.
void write_run_details(const harness::RunResult& run, std::ostream& out);

} // namespace xsime::reports::html
