// The next frame on the session must match; its named groups become captures.
#pragma once

#include "harness/field_reader.hpp"
#include "harness/json_document.hpp"
#include "harness/matcher.hpp"
#include "harness/scenario.hpp"
#include "harness/steps/action.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xsime::harness {

struct ExpectStep final : Action {
    FrameMatch match;
    std::optional<std::uint32_t> within_ms; // default: the step timeout
    // Pushes that do not match are skipped instead of failing (a session that is also
    // receiving other traffic). Off by default: the next frame must match.
    bool skip_pushes = false;

    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
    // `run` with the matchers already expanded (any_of expands its alternatives itself).
    StepResult run_expanded(StepContext& context, const FrameMatch& expanded) const;
};

} // namespace xsime::harness
