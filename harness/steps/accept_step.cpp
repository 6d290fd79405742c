// The accept step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/accept_step.hpp"

#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"

#include <array>
#include <string_view>

namespace xsime::harness {

bool AcceptStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    return r.action_object(value, pointer, "an accept action", std::array<std::string_view, 0>{},
                           ok) &&
           ok;
}

StepResult AcceptStep::run(StepContext& context) const {
    return context.ensure_connected();
}

namespace {

// scenarios/schema.json's $defs/action_accept (tools/step_docs copies it there).
constexpr std::string_view accept_schema = R"json({
  "type": "object",
  "additionalProperties": false
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view accept_doc = R"md(### accept

*Client scenarios.* The client under test connects to the harness (playing the server) within
the step timeout; over `tf` it must also pass the TF handshake, which the harness checks:
the protocol version, a session key of 16 to 214 bytes encrypted with the harness's public
key, the hash. Any other step on a session that is not connected yet accepts first.

```json
{"accept": {}}
```
)md";

} // namespace

const StepKind& accept_kind() {
    static const StepKind kind{
        .key = "accept",
        .uses_session = true,
        .subject = StepKind::For::client,
        .read = read_action<AcceptStep>,
        .read_block = {},
        .schema = accept_schema,
        .doc = accept_doc,
    };
    return kind;
}

} // namespace xsime::harness
