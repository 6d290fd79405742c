// The tf step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/tf_step.hpp"

#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"
#include "protocol/tf_framing.hpp"

#include <array>
#include <string>
#include <string_view>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 2> keys = {"command", "expect_reply"};
} // namespace

bool TfCommandStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "a tf action", keys, ok)) {
        return false;
    }
    ok &= r.get(value, "command", pointer, true, &FieldReader::expandable, command);
    ok &= r.get(value, "expect_reply", pointer, &FieldReader::expandable, expect_reply);
    return ok;
}

StepResult TfCommandStep::run(StepContext& context) const {
    auto x = context.expander();
    const auto text = x(command, "command");
    const auto reply = x.optional(expect_reply, "expect_reply");
    if (x.error()) {
        return x.error();
    }
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    return context.tf_exchange(text, reply, text == protocol::tf_xsime_start);
}

namespace {

// scenarios/schema.json's $defs/action_tf (tools/step_docs copies it there).
constexpr std::string_view tf_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": [
    "command"
  ],
  "properties": {
    "command": {
      "$ref": "#/$defs/expandable"
    },
    "expect_reply": {
      "$ref": "#/$defs/expandable"
    }
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view tf_doc = R"md(### tf

Sends any TF command at the command level. `command` is required; `expect_reply` (optional)
is the exact reply expected; without it any reply is accepted.

```json
{"tf": {"command": "NO_SUCH_COMMAND", "expect_reply": "UNKNOWN"}}
```
)md";

} // namespace

const StepKind& tf_kind() {
    static const StepKind kind{
        .key = "tf",
        .uses_session = true,
        .read = read_action<TfCommandStep>,
        .read_block = {},
        .schema = tf_schema,
        .doc = tf_doc,
    };
    return kind;
}

} // namespace xsime::harness
