// The bytes of one byte source, sent as they are.
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

struct SendRawStep final : Action {
    Bytes bytes;

    SendRawStep() = default;
    explicit SendRawStep(Bytes raw) : bytes(std::move(raw)) {}
    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
};

} // namespace xsime::harness
