// The setup step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/setup_step.hpp"

#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"
#include "protocol/messages.hpp"

#include <array>
#include <string>
#include <string_view>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 2> keys = {"flags", "timestamp"};
} // namespace

bool SetupStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "a setup action", keys, ok)) {
        return false;
    }
    ok &= r.get(value, "flags", pointer, false, &FieldReader::flags, flags);
    ok &= r.get(value, "timestamp", pointer, false, &FieldReader::u64_or_reference, timestamp);
    return ok;
}

StepResult SetupStep::run(StepContext& context) const {
    auto x = context.expander();
    const auto from = x.number(timestamp, "timestamp");
    if (x.error()) {
        return x.error();
    }
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    return context.send_frame(protocol::encode_setup(flags, from));
}

namespace {

// scenarios/schema.json's $defs/action_setup (tools/step_docs copies it there).
constexpr std::string_view setup_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "flags": {
      "$ref": "#/$defs/flags"
    },
    "timestamp": {
      "$ref": "#/$defs/u64_or_reference"
    }
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view setup_doc = R"md(### setup

Sends opcode 4: `flags` ([flags](#setup-flags), default 0) in `sz`, then the 8-byte
`timestamp` (unsigned, default 0; or `${}` text that gives one, `"${ts+1}"`, see
[`${}` expansion](#name-expansion)). No reply is due.

```json
{"setup": {"flags": 3, "timestamp": 0}}
```
)md";

} // namespace

const StepKind& setup_kind() {
    static const StepKind kind{
        .key = "setup",
        .uses_session = true,
        .read = read_action<SetupStep>,
        .read_block = {},
        .schema = setup_schema,
        .doc = setup_doc,
    };
    return kind;
}

} // namespace xsime::harness
