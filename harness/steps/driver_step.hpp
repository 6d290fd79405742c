// A command to the client under test's driver: what the application asks the client library
// to do next (docs/client-driver.md).
#pragma once

#include "harness/field_reader.hpp"
#include "harness/json_document.hpp"
#include "harness/scenario.hpp"
#include "harness/steps/action.hpp"

#include <optional>
#include <string>
#include <vector>

namespace xsime::harness {

struct DriverStep final : Action {
    std::string cmd;
    bool unique = false;          // setup
    bool auto_delete = false;     // setup
    NumberSource number;          // setup's timestamp, interval's ns
    std::string path;             // org_unit's path, user's name
    std::vector<std::string> to;  // send
    std::optional<Bytes> message; // send: text or text_hex

    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
};

// The commands of the client driver protocol, in the order docs/client-driver.md lists them.
const std::vector<std::string>& driver_commands();

} // namespace xsime::harness
