// The expect_no_event step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/expect_no_event_step.hpp"

#include "harness/driver_link.hpp"
#include "harness/step_context.hpp"
#include "harness/steps/expect_event_step.hpp"
#include "harness/steps/step_kind.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <string_view>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 2> keys = {"ms", "event"};
} // namespace

bool ExpectNoEventStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "an expect_no_event action", keys, ok)) {
        return false;
    }
    ok &= r.get(value, "ms", pointer, true, &FieldReader::u32, ms);
    ok &= r.field(value, "event", pointer, false, [&](const Json& v, const std::string& p) {
        return read_event_kinds(r, v, p, events);
    });
    return ok;
}

StepResult ExpectNoEventStep::run(StepContext& context) const {
    auto* driver = context.driver();
    if (driver == nullptr) {
        return harness_error("an expect_no_event step ran without a client under test");
    }
    const std::chrono::milliseconds quiet(ms);
    const auto until = std::chrono::steady_clock::now() + quiet;
    if (auto stop = driver->gather(std::min(until, context.scenario_deadline()))) {
        return stop;
    }
    const std::string what = events.empty() ? "no event" : "no " + join_kinds(events) + " event";
    for (const auto& event : driver->queued()) {
        if (events.empty() || std::find(events.begin(), events.end(), event.kind) != events.end()) {
            return fail("the client reported " + event.line + " (expected " + what + " for " +
                            ms_text(quiet) + ")",
                        what + " for " + ms_text(quiet), event.line);
        }
    }
    if (until > context.scenario_deadline()) {
        return context.scenario_deadline_stop("expect_no_event (" + ms_text(quiet) + ")");
    }
    return std::nullopt;
}

namespace {

// scenarios/schema.json's $defs/action_expect_no_event (tools/step_docs copies it there).
constexpr std::string_view expect_no_event_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": [
    "ms"
  ],
  "properties": {
    "ms": {
      "$ref": "#/$defs/u32"
    },
    "event": {
      "$ref": "#/$defs/event_kinds"
    }
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view expect_no_event_doc = R"md(### expect_no_event

*Client scenarios.* For `ms` milliseconds (required) the client under test reports no event
of the kinds in `event` (one kind or an array; default: any kind). Events of other kinds
that arrive meanwhile are kept, in order, for the next `expect_event`; so are events already
waiting, which count too.

```json
{"expect_no_event": {"ms": 300, "event": "message"}, "note": "a push with sz -1 is no message"}
```
)md";

} // namespace

const StepKind& expect_no_event_kind() {
    static const StepKind kind{
        .key = "expect_no_event",
        .uses_session = false,
        .subject = StepKind::For::client,
        .read = read_action<ExpectNoEventStep>,
        .read_block = {},
        .schema = expect_no_event_schema,
        .doc = expect_no_event_doc,
    };
    return kind;
}

} // namespace xsime::harness
