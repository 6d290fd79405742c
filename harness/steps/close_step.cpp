// The close step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/close_step.hpp"

#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"

#include <string>
#include <string_view>

namespace xsime::harness {

bool CloseStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    r.action_object(value, pointer, "a close action", {}, ok);
    return ok;
}

StepResult CloseStep::run(StepContext& context) const {
    context.close_session();
    return std::nullopt;
}

namespace {

// scenarios/schema.json's $defs/action_close (tools/step_docs copies it there).
constexpr std::string_view close_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {}
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view close_doc = R"md(### close

Closes the session's connection (`{}`, no keys). A later step on the session connects again.

```json
{"close": {}}
```
)md";

} // namespace

const StepKind& close_kind() {
    static const StepKind kind{
        .key = "close",
        .uses_session = true,
        .subject = StepKind::For::both,
        .read = read_action<CloseStep>,
        .read_block = {},
        .schema = close_schema,
        .doc = close_doc,
    };
    return kind;
}

} // namespace xsime::harness
