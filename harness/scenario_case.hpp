// A case result made from a scenario: the bridge from the scenario model to the result model.
#pragma once

#include "harness/result.hpp"
#include "harness/scenario.hpp"

namespace xsime::harness {

// A case result carrying the scenario's identity (id, name, area, level, clauses,
// requirement, keywords, file) and nothing else yet.
CaseResult case_of(const Scenario& scenario);

} // namespace xsime::harness
