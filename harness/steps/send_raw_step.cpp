// The send_raw step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/send_raw_step.hpp"

#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"

#include <string>
#include <string_view>

namespace xsime::harness {

bool SendRawStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    return r.byte_source(value, pointer, bytes);
}

StepResult SendRawStep::run(StepContext& context) const {
    auto x = context.expander();
    const auto expanded = x.bytes(bytes, "text");
    if (x.error()) {
        return x.error();
    }
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    return context.send_parts({expanded.value}, context.layer());
}

namespace {

// scenarios/schema.json's $defs/action_send_raw (tools/step_docs copies it there).
constexpr std::string_view send_raw_schema = R"json({
  "$ref": "#/$defs/byte_source"
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view send_raw_doc = R"md(### send_raw

Sends the bytes of one [byte source](#byte-sources) as they are.

```json
{"send_raw": {"frame": {"opcode": "message", "sz": 100, "payload": "bob: short"}}}
```
)md";

} // namespace

const StepKind& send_raw_kind() {
    static const StepKind kind{
        .key = "send_raw",
        .uses_session = true,
        .subject = StepKind::For::both,
        .read = read_action<SendRawStep>,
        .read_block = {},
        .schema = send_raw_schema,
        .doc = send_raw_doc,
    };
    return kind;
}

} // namespace xsime::harness
