// The sleep step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/sleep_step.hpp"

#include "harness/session_events.hpp"
#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <string_view>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 1> keys = {"ms"};
} // namespace

bool SleepStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "a sleep action", keys, ok)) {
        return false;
    }
    return r.get(value, "ms", pointer, true, &FieldReader::u32, ms) && ok;
}

StepResult SleepStep::run(StepContext& context) const {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    if (!context.sleep_until(std::min(until, context.scenario_deadline()))) {
        return cancelled_stop();
    }
    if (until > context.scenario_deadline()) {
        return context.scenario_deadline_stop("sleep (" + ms_text(std::chrono::milliseconds(ms)) +
                                              ")");
    }
    return std::nullopt;
}

namespace {

// scenarios/schema.json's $defs/action_sleep (tools/step_docs copies it there).
constexpr std::string_view sleep_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": [
    "ms"
  ],
  "properties": {
    "ms": {
      "$ref": "#/$defs/u32"
    }
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view sleep_doc = R"md(### sleep

Waits `ms` milliseconds (required, unsigned). No `session`.

```json
{"sleep": {"ms": 100}}
```
)md";

} // namespace

const StepKind& sleep_kind() {
    static const StepKind kind{
        .key = "sleep",
        .uses_session = false,
        .subject = StepKind::For::both,
        .read = read_action<SleepStep>,
        .read_block = {},
        .schema = sleep_schema,
        .doc = sleep_doc,
    };
    return kind;
}

} // namespace xsime::harness
