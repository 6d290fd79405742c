// The expect_close step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/expect_close_step.hpp"

#include "harness/session_events.hpp"
#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"

#include <array>
#include <chrono>
#include <string>
#include <string_view>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 1> keys = {"within_ms"};
using steady = std::chrono::steady_clock;
} // namespace

bool ExpectCloseStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "an expect_close action", keys, ok)) {
        return false;
    }
    return r.get(value, "within_ms", pointer, false, &FieldReader::u32, within_ms) && ok;
}

StepResult ExpectCloseStep::run(StepContext& context) const {
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    const std::chrono::milliseconds budget(within_ms);
    const std::string expected = "the target closes the connection within " + ms_text(budget);
    const auto start = steady::now();
    const auto deadline = context.deadline_after(budget);
    switch (context.watch_connection(deadline)) {
    case StepContext::Watch::cancelled:
        return cancelled_stop();
    case StepContext::Watch::closed:
        return std::nullopt;
    case StepContext::Watch::bytes: {
        const auto actual = context.what_arrived();
        return fail("the connection stayed open: received " + actual + " instead (expected " +
                        expected + ")",
                    expected, actual);
    }
    case StepContext::Watch::quiet:
        break;
    }
    const auto waited = to_ms(steady::now() - start);
    std::string message = "still open after " + ms_text(waited) + " (expected " + expected + ")";
    if (deadline >= context.scenario_deadline() && waited < budget) {
        message +=
            "; the scenario deadline of " + ms_text(context.scenario_timeout()) + " ended the wait";
    }
    return fail(message, expected, "still open after " + ms_text(waited));
}

namespace {

// scenarios/schema.json's $defs/action_expect_close (tools/step_docs copies it there).
constexpr std::string_view expect_close_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "within_ms": {
      "$ref": "#/$defs/u32",
      "default": 2000
    }
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view expect_close_doc = R"md(### expect_close

The server must close the connection within `within_ms` (default 2000), without sending
anything first.

```json
{"expect_close": {"within_ms": 1000}}
```
)md";

} // namespace

const StepKind& expect_close_kind() {
    static const StepKind kind{
        .key = "expect_close",
        .uses_session = true,
        .subject = StepKind::For::both,
        .read = read_action<ExpectCloseStep>,
        .read_block = {},
        .schema = expect_close_schema,
        .doc = expect_close_doc,
    };
    return kind;
}

} // namespace xsime::harness
