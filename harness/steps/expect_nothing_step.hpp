// Nothing may arrive on the session for a while.
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

struct ExpectNothingStep final : Action {
    std::uint32_t ms = 0;

    ExpectNothingStep() = default;
    explicit ExpectNothingStep(std::uint32_t quiet_ms) : ms(quiet_ms) {}
    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
};

} // namespace xsime::harness
