// The push step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/push_step.hpp"

#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"
#include "protocol/messages.hpp"

#include <array>
#include <string_view>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 4> keys = {"timestamp", "from", "text", "text_hex"};
} // namespace

bool PushStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "a push action", keys, ok)) {
        return false;
    }
    ok &= r.get(value, "timestamp", pointer, true, &FieldReader::u64_or_reference, timestamp);
    ok &= r.get(value, "from", pointer, true, &FieldReader::expandable, from);
    ok &= r.text_or_hex(value, pointer, "text", "text_hex", true, text);
    return ok;
}

StepResult PushStep::run(StepContext& context) const {
    auto x = context.expander();
    const auto seconds = x.number(timestamp, "timestamp");
    const auto sender = x(from, "from");
    const auto body = x.bytes(*text, "text");
    if (x.error()) {
        return x.error();
    }
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    return context.send_frame(
        protocol::encode_push(protocol::format_push_payload(seconds, sender, body.value)));
}

namespace {

// scenarios/schema.json's $defs/action_push (tools/step_docs copies it there).
constexpr std::string_view push_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": [
    "timestamp",
    "from"
  ],
  "properties": {
    "timestamp": {
      "$ref": "#/$defs/u64_or_reference"
    },
    "from": {
      "$ref": "#/$defs/expandable"
    },
    "text": {
      "$ref": "#/$defs/text_or_fill"
    },
    "text_hex": {
      "$ref": "#/$defs/hex_or_fill"
    }
  },
  "oneOf": [
    {
      "required": [
        "text"
      ]
    },
    {
      "required": [
        "text_hex"
      ]
    }
  ]
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view push_doc = R"md(### push

*Client scenarios.* The harness, playing the server, pushes a well-formed message: opcode 5,
`sz` the payload's byte count, payload `timestamp:from:text`, header and payload in two
writes. `timestamp` (a number or `${}`) and `from` are required, and `text` or `text_hex`.
Hostile pushes (a lying `sz`, a header split across segments) are `send_raw` and
`send_chunks` with frames or hex.

```json
{"push": {"timestamp": 1700000000, "from": "alice", "text": "a: b"}}
```
)md";

} // namespace

const StepKind& push_kind() {
    static const StepKind kind{
        .key = "push",
        .uses_session = true,
        .subject = StepKind::For::client,
        .read = read_action<PushStep>,
        .read_block = {},
        .schema = push_schema,
        .doc = push_doc,
    };
    return kind;
}

} // namespace xsime::harness
