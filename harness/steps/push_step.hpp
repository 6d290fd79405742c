// The harness, playing the server, pushes a message to the client under test.
#pragma once

#include "harness/field_reader.hpp"
#include "harness/json_document.hpp"
#include "harness/scenario.hpp"
#include "harness/steps/action.hpp"

#include <optional>
#include <string>

namespace xsime::harness {

struct PushStep final : Action {
    NumberSource timestamp;
    std::string from;
    std::optional<Bytes> text;

    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
};

} // namespace xsime::harness
