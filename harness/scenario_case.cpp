// A case result made from a scenario (scenario_case.hpp).
#include "harness/scenario_case.hpp"

namespace xsime::harness {

CaseResult case_of(const Scenario& scenario) {
    CaseResult result;
    result.id = scenario.id;
    result.name = scenario.name;
    result.area = scenario.area();
    result.level = scenario.level;
    result.clauses = scenario.clauses;
    result.relies_on = scenario.relies_on;
    result.requirement = scenario.requirement;
    result.keywords = scenario.keywords;
    result.file = scenario.file.string();
    return result;
}

} // namespace xsime::harness
