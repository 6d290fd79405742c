// The login step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/login_step.hpp"

#include "harness/session_events.hpp"
#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"
#include "harness/transcript.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_framing.hpp"

#include <array>
#include <string>
#include <string_view>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 6> keys = {"user",      "org_unit",    "flags",
                                                  "timestamp", "interval_ms", "interval_ns"};
constexpr std::array<std::string_view, 2> interval_keys = {"interval_ms", "interval_ns"};
} // namespace

bool LoginStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "a login action", keys, ok)) {
        return false;
    }
    ok &= r.get(value, "user", pointer, true, &FieldReader::expandable, user);
    ok &= r.get(value, "org_unit", pointer, &FieldReader::expandable, org_unit);
    ok &= r.get(value, "flags", pointer, false, &FieldReader::flags, flags);
    ok &= r.get(value, "timestamp", pointer, false, &FieldReader::u64_or_reference, timestamp);
    if (const auto which = r.one_of(value, pointer, interval_keys, false, ok)) {
        ok &= r.get(value, *which, pointer,
                    *which == "interval_ms" ? &FieldReader::ms_as_ns : &FieldReader::u64,
                    interval_ns);
    }
    return ok;
}

StepResult LoginStep::run(StepContext& context) const {
    auto x = context.expander();
    const auto name = x(user, "user");
    const auto org = x(org_unit.value_or("/${org}"), "org_unit");
    const auto from = x.number(timestamp, "timestamp");
    if (x.error()) {
        return x.error();
    }
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    if (context.session().level != SessionLevel::module) {
        if (auto stop =
                context.tf_exchange(protocol::tf_xsime_start, std::string(protocol::tf_ok), true)) {
            return stop;
        }
    }
    if (auto stop = context.send_frame(protocol::encode_setup(flags, from))) {
        return stop;
    }
    if (auto stop = context.send_frame(protocol::encode_org_unit(org))) {
        return stop;
    }
    if (auto stop =
            context.expect_status(protocol::raw(protocol::Opcode::org_unit), protocol::status_ok,
                                  "for org unit " + quote_bytes(org))) {
        return stop;
    }
    if (auto stop = context.send_frame(protocol::encode_user(name))) {
        return stop;
    }
    if (auto stop = context.expect_status(protocol::raw(protocol::Opcode::user),
                                          protocol::status_ok, "for user " + quote_bytes(name))) {
        return stop;
    }
    if (interval_ns) {
        return context.send_frame(protocol::encode_interval(*interval_ns));
    }
    return std::nullopt;
}

namespace {

// scenarios/schema.json's $defs/action_login (tools/step_docs copies it there).
constexpr std::string_view login_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": [
    "user"
  ],
  "properties": {
    "user": {
      "$ref": "#/$defs/expandable"
    },
    "org_unit": {
      "$ref": "#/$defs/expandable"
    },
    "flags": {
      "$ref": "#/$defs/flags"
    },
    "timestamp": {
      "$ref": "#/$defs/u64_or_reference"
    },
    "interval_ms": {
      "$ref": "#/$defs/ms_as_ns"
    },
    "interval_ns": {
      "$ref": "#/$defs/u64"
    }
  },
  "not": {
    "required": [
      "interval_ms",
      "interval_ns"
    ]
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view login_doc = R"md(### login

Enters the module and identifies the user: `XSIME_START` if the session is not already in the
module, then opcode 4, 1 and 2 (each status reply must be 0) and, if given, opcode 7.

| key | type | default |
| --- | --- | --- |
| `user` | text, required | |
| `org_unit` | text | `"/${org}"` |
| `flags` | [flags](#setup-flags) | 0 |
| `timestamp` | unsigned 64-bit, or `${}` text giving one (`"${ts+1}"`) | 0 |
| `interval_ms` or `interval_ns` | unsigned integer (at most one of the two) | no opcode 7 |

```json
{"login": {"user": "bob", "flags": ["auto_delete"], "interval_ms": 5}}
```
)md";

} // namespace

const StepKind& login_kind() {
    static const StepKind kind{
        .key = "login",
        .uses_session = true,
        .read = read_action<LoginStep>,
        .read_block = {},
        .schema = login_schema,
        .doc = login_doc,
    };
    return kind;
}

} // namespace xsime::harness
