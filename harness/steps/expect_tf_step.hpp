// The client under test sends a TF command; the harness, playing the server, may answer it.
#pragma once

#include "harness/field_reader.hpp"
#include "harness/json_document.hpp"
#include "harness/steps/action.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace xsime::harness {

struct ExpectTfStep final : Action {
    std::string command;
    std::optional<std::string> reply;
    std::uint32_t within_ms = 0; // 0: the step timeout

    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
};

} // namespace xsime::harness
