// The target must close the connection, without sending anything first.
#pragma once

#include "harness/field_reader.hpp"
#include "harness/json_document.hpp"
#include "harness/scenario.hpp"
#include "harness/steps/action.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xsime::harness {

struct ExpectCloseStep final : Action {
    std::uint32_t within_ms = 2000;

    ExpectCloseStep() = default;
    explicit ExpectCloseStep(std::uint32_t budget_ms) : within_ms(budget_ms) {}
    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
};

} // namespace xsime::harness
