// The client under test reports no event of some kinds (by default: none at all) for a while.
#pragma once

#include "harness/field_reader.hpp"
#include "harness/json_document.hpp"
#include "harness/scenario.hpp"
#include "harness/steps/action.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace xsime::harness {

struct ExpectNoEventStep final : Action {
    std::uint32_t ms = 0;
    std::vector<std::string> events; // empty: every kind

    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
};

} // namespace xsime::harness
