// Opcode 5 from the client: "user1:user2: text", or a payload exactly as given.
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

struct SendStep final : Action {
    std::vector<std::string> to;
    Bytes text;
    std::optional<Bytes> payload; // instead of to/text: the payload exactly

    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
};

} // namespace xsime::harness
