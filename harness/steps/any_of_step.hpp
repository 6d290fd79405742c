// One received event may legitimately be one of several things.
#pragma once

#include "harness/field_reader.hpp"
#include "harness/json_document.hpp"
#include "harness/scenario.hpp"
#include "harness/steps/action.hpp"
#include "harness/steps/expect_close_step.hpp"
#include "harness/steps/expect_step.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace xsime::harness {

struct AnyOfStep final : Action {
    std::vector<std::variant<ExpectStep, ExpectCloseStep>> alternatives;

    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
};

} // namespace xsime::harness
