// The interval step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/interval_step.hpp"

#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"
#include "protocol/messages.hpp"

#include <array>
#include <string>
#include <string_view>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 2> keys = {"ms", "ns"};
} // namespace

bool IntervalStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "an interval action", keys, ok)) {
        return false;
    }
    if (const auto which = r.one_of(value, pointer, keys, true, ok)) {
        ok &= r.get(value, *which, pointer, true,
                    *which == "ms" ? &FieldReader::ms_as_ns : &FieldReader::u64, nanoseconds);
    }
    return ok;
}

StepResult IntervalStep::run(StepContext& context) const {
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    return context.send_frame(protocol::encode_interval(nanoseconds));
}

namespace {

// scenarios/schema.json's $defs/action_interval (tools/step_docs copies it there).
constexpr std::string_view interval_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "ms": {
      "$ref": "#/$defs/ms_as_ns"
    },
    "ns": {
      "$ref": "#/$defs/u64"
    }
  },
  "oneOf": [
    {
      "required": [
        "ms"
      ]
    },
    {
      "required": [
        "ns"
      ]
    }
  ]
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view interval_doc = R"md(### interval

Sends opcode 7 with the sleep interval: exactly one of `ms` or `ns` (unsigned; `ms` is
converted to nanoseconds).

```json
{"interval": {"ns": 25000000}}
```
)md";

} // namespace

const StepKind& interval_kind() {
    static const StepKind kind{
        .key = "interval",
        .uses_session = true,
        .read = read_action<IntervalStep>,
        .read_block = {},
        .schema = interval_schema,
        .doc = interval_doc,
    };
    return kind;
}

} // namespace xsime::harness
