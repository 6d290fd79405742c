// Checks a user's messages/ folder through the fixture host; polls until it holds.
#pragma once

#include "harness/field_reader.hpp"
#include "harness/json_document.hpp"
#include "harness/scenario.hpp"
#include "harness/steps/action.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace xsime::harness {

// What a mailbox step may check. count, blacklist and folders look only at what the spec
// defines (messages/ and messages/blacklist/), so every fixture host can observe them; the
// content checks assume how the target stores messages and need a local fixture.
struct MailboxStep final : Action {
    std::string user;
    std::optional<std::size_t> count; // regular files in messages/ not starting with '.'
    std::optional<std::vector<std::string>> blacklist; // exactly these files, sorted
    // Paths inside the user's folder ("." is the folder itself): a folder (true) or nothing
    // of that name that is a folder (false); in the file's order.
    std::vector<std::pair<std::string, bool>> folders;
    std::optional<std::string> content_regex;    // some message's content matches
    std::optional<std::string> no_content_regex; // no message's content matches

    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
};

} // namespace xsime::harness
