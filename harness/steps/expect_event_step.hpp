// The next event the client under test reported to its application must be this one.
#pragma once

#include "harness/driver_link.hpp"
#include "harness/field_reader.hpp"
#include "harness/json_document.hpp"
#include "harness/scenario.hpp"
#include "harness/steps/action.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xsime::harness {

struct EventMatch {
    std::vector<std::string> events; // any of these kinds
    std::optional<std::string> cmd;
    std::optional<std::string> from;
    std::optional<Bytes> text;
    std::optional<NumberSource> timestamp;
};

struct ExpectEventStep final : Action {
    EventMatch match;
    std::uint32_t within_ms = 0; // 0: the step timeout

    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
};

// The event kinds a driver may report after hello (docs/client-driver.md).
const std::vector<std::string>& driver_event_kinds();

// "event" as one kind or an array of kinds, each a known one.
bool read_event_kinds(FieldReader& r, const Json& value, const std::string& pointer,
                      std::vector<std::string>& out);

// "ok or failed" / "message".
std::string join_kinds(const std::vector<std::string>& kinds);

} // namespace xsime::harness
