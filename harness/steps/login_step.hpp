// Opcode 4, then 1 and 2, each reply checked (0), optionally opcode 7; enters the module
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

// with XSIME_START first unless the session is already in it.
struct LoginStep final : Action {
    std::string user;
    std::optional<std::string> org_unit; // default "/${org}"
    std::int32_t flags = 0;              // 1 unique user | 2 auto delete
    NumberSource timestamp;
    std::optional<std::uint64_t> interval_ns;

    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
};

} // namespace xsime::harness
