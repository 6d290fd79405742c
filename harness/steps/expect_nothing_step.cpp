// The expect_nothing step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/expect_nothing_step.hpp"

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
using steady = std::chrono::steady_clock;
} // namespace

bool ExpectNothingStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "an expect_nothing action", keys, ok)) {
        return false;
    }
    return r.get(value, "ms", pointer, true, &FieldReader::u32, ms) && ok;
}

StepResult ExpectNothingStep::run(StepContext& context) const {
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    const std::chrono::milliseconds quiet(ms);
    const std::string expected = "nothing for " + ms_text(quiet);
    const auto start = steady::now();
    const auto until = start + quiet;
    const auto arrived = [&](const std::string& when) {
        const auto actual = context.what_arrived();
        return fail("received " + actual + " " + when + " (expected " + expected + ")", expected,
                    actual);
    };
    if (context.session().connection->buffered() > 0) {
        return arrived("that was already waiting");
    }
    switch (context.watch_connection(std::min(until, context.scenario_deadline()))) {
    case StepContext::Watch::cancelled:
        return cancelled_stop();
    case StepContext::Watch::bytes:
        return arrived("after " + ms_text(to_ms(steady::now() - start)));
    case StepContext::Watch::closed:
        return fail("the target closed the connection after " +
                        ms_text(to_ms(steady::now() - start)) + " (expected " + expected + ")",
                    expected, "connection closed by the target");
    case StepContext::Watch::quiet:
        break;
    }
    if (until > context.scenario_deadline()) {
        return context.scenario_deadline_stop("expect_nothing (" + ms_text(quiet) + ")");
    }
    return std::nullopt;
}

namespace {

// scenarios/schema.json's $defs/action_expect_nothing (tools/step_docs copies it there).
constexpr std::string_view expect_nothing_schema = R"json({
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
constexpr std::string_view expect_nothing_doc = R"md(### expect_nothing

Nothing may arrive on the session for `ms` milliseconds (required, unsigned).

```json
{"expect_nothing": {"ms": 300}, "note": "a blacklisted sender's message is discarded"}
```
)md";

} // namespace

const StepKind& expect_nothing_kind() {
    static const StepKind kind{
        .key = "expect_nothing",
        .uses_session = true,
        .subject = StepKind::For::both,
        .read = read_action<ExpectNothingStep>,
        .read_block = {},
        .schema = expect_nothing_schema,
        .doc = expect_nothing_doc,
    };
    return kind;
}

} // namespace xsime::harness
