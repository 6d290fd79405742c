// Checks a user's messages/ folder through the fixture host; polls until it holds.
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

struct MailboxStep final : Action {
    std::string user;
    std::optional<std::size_t> count;            // regular files not starting with '.'
    std::optional<std::string> content_regex;    // some message's content matches
    std::optional<std::string> no_content_regex; // no message's content matches

    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
};

} // namespace xsime::harness
