// Opcode 1 (org unit) or 2 (user) with a path; the status reply is checked.
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

struct PathStep final : Action {
    std::uint8_t opcode = 1;
    std::string path;
    std::int32_t expect_status = 0; // 0 or -1

    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
};

} // namespace xsime::harness
