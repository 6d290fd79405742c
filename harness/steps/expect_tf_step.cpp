// The expect_tf step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/expect_tf_step.hpp"

#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"
#include "protocol/tf_framing.hpp"

#include <array>
#include <string_view>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 3> keys = {"command", "reply", "within_ms"};
} // namespace

bool ExpectTfStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "an expect_tf action", keys, ok)) {
        return false;
    }
    ok &= r.get(value, "command", pointer, true, &FieldReader::expandable, command);
    ok &= r.get(value, "reply", pointer, &FieldReader::expandable, reply);
    ok &= r.get(value, "within_ms", pointer, false, &FieldReader::u32, within_ms);
    return ok;
}

StepResult ExpectTfStep::run(StepContext& context) const {
    auto x = context.expander();
    const auto want = x(command, "command");
    const auto answer = x.optional(reply, "reply");
    if (x.error()) {
        return x.error();
    }
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    const auto budget =
        within_ms > 0 ? std::chrono::milliseconds(within_ms) : context.step_timeout();
    const auto expected = "the TF command " + quote_bytes(want);
    auto event = context.next_tf(context.deadline_after(budget));
    if (event.kind != Event::Kind::tf_reply) {
        return context.unexpected(event, expected);
    }
    if (event.text != want) {
        const auto actual = "TF " + quote_bytes(event.text);
        return fail("the client sent " + actual + " (expected " + expected + ")", expected, actual);
    }
    if (!answer) {
        return std::nullopt;
    }
    if (auto stop = context.send_tf(*answer)) {
        return stop;
    }
    if (want == protocol::tf_xsime_start && *answer == protocol::tf_ok) {
        context.session().level = SessionLevel::module; // XSIME frames from here on
    }
    return std::nullopt;
}

namespace {

// scenarios/schema.json's $defs/action_expect_tf (tools/step_docs copies it there).
constexpr std::string_view expect_tf_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": [
    "command"
  ],
  "properties": {
    "command": {
      "$ref": "#/$defs/expandable"
    },
    "reply": {
      "$ref": "#/$defs/expandable"
    },
    "within_ms": {
      "$ref": "#/$defs/u32"
    }
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view expect_tf_doc = R"md(### expect_tf

*Client scenarios.* The client under test sends the TF command `command` (a 4-byte
big-endian length, then exactly these bytes) within `within_ms` (default: the step timeout).
With `reply`, the harness answers it as a TF server would; answering `XSIME_START` with `OK`
moves the session to the module level, where XSIME frames flow with no TF prefix.

```json
{"expect_tf": {"command": "XSIME_START", "reply": "OK"}}
```
)md";

} // namespace

const StepKind& expect_tf_kind() {
    static const StepKind kind{
        .key = "expect_tf",
        .uses_session = true,
        .subject = StepKind::For::client,
        .read = read_action<ExpectTfStep>,
        .read_block = {},
        .schema = expect_tf_schema,
        .doc = expect_tf_doc,
    };
    return kind;
}

} // namespace xsime::harness
