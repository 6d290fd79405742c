// The exit step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/exit_step.hpp"

#include "harness/session_events.hpp"
#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"

#include <array>
#include <string>
#include <string_view>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 1> keys = {"allow_pushes"};
} // namespace

bool ExitStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "an exit action", keys, ok)) {
        return false;
    }
    return r.get(value, "allow_pushes", pointer, false, &FieldReader::boolean, allow_pushes) && ok;
}

StepResult ExitStep::run(StepContext& context) const {
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    if (auto stop = context.send_frame(protocol::encode_exit())) {
        return stop;
    }
    const std::string expected = "the exit echo (exit (0x00) sz 0)";
    const auto deadline = context.deadline_after(context.step_timeout());
    std::size_t pushes = 0;
    while (true) {
        auto event = context.next_frame(deadline);
        if (event.kind != Event::Kind::frame) {
            auto stop = context.unexpected(event, expected);
            if (pushes > 0) {
                stop.message += " after " + std::to_string(pushes) + " pushes";
            }
            return stop;
        }
        const auto& frame = event.frame;
        if (frame.header.opcode == protocol::raw(protocol::Opcode::exit) && frame.header.sz == 0 &&
            frame.payload.empty()) {
            context.session().level = SessionLevel::tf;
            return std::nullopt;
        }
        if (is_push(frame)) {
            if (allow_pushes) {
                ++pushes;
                continue;
            }
            const auto actual = context.describe(event);
            return fail("a push arrived before the exit echo (allow_pushes is false): " + actual,
                        expected, actual);
        }
        return context.unexpected(event, expected);
    }
}

namespace {

// scenarios/schema.json's $defs/action_exit (tools/step_docs copies it there).
constexpr std::string_view exit_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "allow_pushes": {
      "type": "boolean",
      "default": true
    }
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view exit_doc = R"md(### exit

Sends opcode 0 and waits for the echo. `allow_pushes` (boolean, default true): pushes that
arrive before the echo are allowed and kept; false fails on them.

```json
{"exit": {"allow_pushes": false}}
```
)md";

} // namespace

const StepKind& exit_kind() {
    static const StepKind kind{
        .key = "exit",
        .uses_session = true,
        .read = read_action<ExitStep>,
        .read_block = {},
        .schema = exit_schema,
        .doc = exit_doc,
    };
    return kind;
}

} // namespace xsime::harness
