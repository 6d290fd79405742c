// The path step kind (org_unit, user): its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/path_step.hpp"

#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"
#include "harness/transcript.hpp"
#include "protocol/header.hpp"
#include "protocol/opcode.hpp"

#include <array>
#include <string>
#include <string_view>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 2> org_unit_keys = {"path", "expect_status"};
constexpr std::array<std::string_view, 2> user_keys = {"name", "expect_status"};

bool is_user(const PathStep& step) {
    return step.opcode == protocol::raw(protocol::Opcode::user);
}
} // namespace

bool PathStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    const bool user = is_user(*this);
    bool ok = true;
    if (!r.action_object(value, pointer, user ? "a user action" : "an org_unit action",
                         user ? Keys(user_keys) : Keys(org_unit_keys), ok)) {
        return false;
    }
    ok &= r.get(value, user ? "name" : "path", pointer, true, &FieldReader::expandable, path);
    ok &= r.get(value, "expect_status", pointer, false, &FieldReader::status, expect_status);
    return ok;
}

StepResult PathStep::run(StepContext& context) const {
    auto x = context.expander();
    const auto text = x(path, is_user(*this) ? "name" : "path");
    if (x.error()) {
        return x.error();
    }
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    std::string frame =
        protocol::encode_header(protocol::Header{opcode, static_cast<std::int32_t>(text.size())});
    frame += text;
    if (auto stop = context.send_frame(frame)) {
        return stop;
    }
    return context.expect_status(opcode, expect_status, "for " + quote_bytes(text));
}

namespace {
template <protocol::Opcode op>
std::unique_ptr<Action> read_path(FieldReader& r, const Json& value, const std::string& pointer) {
    auto action = std::make_unique<PathStep>();
    action->opcode = protocol::raw(op);
    if (!action->read(r, value, pointer)) {
        return nullptr;
    }
    return action;
}
} // namespace

namespace {

// scenarios/schema.json's $defs/action_org_unit (tools/step_docs copies it there).
constexpr std::string_view org_unit_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": [
    "path"
  ],
  "properties": {
    "path": {
      "$ref": "#/$defs/expandable"
    },
    "expect_status": {
      "$ref": "#/$defs/status"
    }
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view org_unit_doc = R"md(### org_unit

Sends opcode 1 with `path` (required text) and checks the status reply: `expect_status` is 0
(success, the default) or -1 (failure).

```json
{"org_unit": {"path": "/no-such-${org}", "expect_status": -1}}
```
)md";

// scenarios/schema.json's $defs/action_user (tools/step_docs copies it there).
constexpr std::string_view user_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": [
    "name"
  ],
  "properties": {
    "name": {
      "$ref": "#/$defs/expandable"
    },
    "expect_status": {
      "$ref": "#/$defs/status"
    }
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view user_doc = R"md(### user

Sends opcode 2 with `name` (required text) and checks the status reply, like
[`org_unit`](#org_unit).

```json
{"user": {"name": "bob"}}
```
)md";

} // namespace

const StepKind& org_unit_kind() {
    static const StepKind kind{
        .key = "org_unit",
        .uses_session = true,
        .read = read_path<protocol::Opcode::org_unit>,
        .read_block = {},
        .schema = org_unit_schema,
        .doc = org_unit_doc,
    };
    return kind;
}

const StepKind& user_kind() {
    static const StepKind kind{
        .key = "user",
        .uses_session = true,
        .read = read_path<protocol::Opcode::user>,
        .read_block = {},
        .schema = user_schema,
        .doc = user_doc,
    };
    return kind;
}

} // namespace xsime::harness
