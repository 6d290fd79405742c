// The client under test connects to the harness playing the server (and, over tf, passes the
// TF handshake the harness checks).
#pragma once

#include "harness/field_reader.hpp"
#include "harness/json_document.hpp"
#include "harness/steps/action.hpp"

#include <string>

namespace xsime::harness {

struct AcceptStep final : Action {
    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
};

} // namespace xsime::harness
