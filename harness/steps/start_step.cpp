// The start step kind (start, restart): its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/start_step.hpp"

#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"
#include "protocol/tf_framing.hpp"

#include <array>
#include <string>
#include <string_view>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 1> keys = {"expect_reply"};
} // namespace

bool StartStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "a start action", keys, ok)) {
        return false;
    }
    return r.get(value, "expect_reply", pointer, false, &FieldReader::expandable, expect_reply) &&
           ok;
}

StepResult StartStep::run(StepContext& context) const {
    auto x = context.expander();
    const auto reply = x(expect_reply, "expect_reply");
    if (x.error()) {
        return x.error();
    }
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    return context.tf_exchange(protocol::tf_xsime_start, reply, true);
}

namespace {

// scenarios/schema.json's $defs/action_start (tools/step_docs copies it there).
constexpr std::string_view start_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "expect_reply": {
      "$ref": "#/$defs/expandable"
    }
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view start_doc = R"md(### start

Sends `XSIME_START` at the TF command level; the reply must equal `expect_reply` (default
`"OK"`). `restart` is the same action under another name, for re-entering after `exit`.

```json
{"restart": {"expect_reply": "OK"}}
```
)md";

// scenarios/schema.json's $defs/action_restart (tools/step_docs copies it there).
constexpr std::string_view restart_schema = R"json({
  "$ref": "#/$defs/action_start"
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view restart_doc = R"md(### restart

The same action as [`start`](#start) under another name, for re-entering the module after
[`exit`](#exit): `XSIME_START`, whose reply must equal `expect_reply` (default `"OK"`).

```json
{"restart": {}}
```
)md";

} // namespace

const StepKind& start_kind() {
    static const StepKind kind{
        .key = "start",
        .uses_session = true,
        .read = read_action<StartStep>,
        .read_block = {},
        .schema = start_schema,
        .doc = start_doc,
    };
    return kind;
}

const StepKind& restart_kind() {
    static const StepKind kind{
        .key = "restart",
        .uses_session = true,
        .read = read_action<StartStep>,
        .read_block = {},
        .schema = restart_schema,
        .doc = restart_doc,
    };
    return kind;
}

} // namespace xsime::harness
