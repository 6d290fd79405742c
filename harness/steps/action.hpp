// What a step does when it runs: the base of every step kind's model (harness/steps/*_step.*).
#pragma once

#include "harness/step_result.hpp"

namespace xsime::harness {

class StepContext; // harness/step_context.hpp: the runner's services to a running step

struct Action {
    Action() = default;
    Action(const Action&) = default;
    Action& operator=(const Action&) = default;
    virtual ~Action() = default;
    virtual StepResult run(StepContext& context) const = 0;
};

} // namespace xsime::harness
