// The send step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/send_step.hpp"

#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"

#include <array>
#include <string>
#include <string_view>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 5> keys = {"to", "text", "text_hex", "payload",
                                                  "payload_hex"};
} // namespace

bool SendStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "a send action", keys, ok)) {
        return false;
    }
    if (value.contains("payload") || value.contains("payload_hex")) {
        std::vector<std::string> mixed;
        for (const auto* key : {"to", "text", "text_hex"}) {
            if (value.contains(key)) {
                mixed.emplace_back(key);
            }
        }
        if (!mixed.empty()) {
            r.error(pointer, "a send is either {\"to\", \"text\" | \"text_hex\"} or "
                             "{\"payload\" | \"payload_hex\"}; drop " +
                                 join(mixed) + " or the payload");
            ok = false;
        }
        return r.text_or_hex(value, pointer, "payload", "payload_hex", true, payload) && ok;
    }
    // An empty recipient list and an empty text are allowed: "If there is no indicated user,
    // or no message is specified, the message is silently discarded" is worth a scenario.
    ok &= r.field(value, "to", pointer, true, [&](const Json& v, const std::string& p) {
        return r.items(v, p, "an array of strings", &FieldReader::expandable, to);
    });
    std::optional<Bytes> message;
    ok &= r.text_or_hex(value, pointer, "text", "text_hex", true, message);
    if (message) {
        text = std::move(*message);
    }
    return ok;
}

StepResult SendStep::run(StepContext& context) const {
    auto x = context.expander();
    std::string body;
    if (payload) {
        body = x.bytes(*payload, "payload").value;
    } else {
        std::vector<std::string> recipients;
        for (std::size_t i = 0; i < to.size(); ++i) {
            recipients.push_back(x(to[i], "to/" + std::to_string(i)));
        }
        body = protocol::format_send_payload(recipients, x.bytes(text, "text").value);
    }
    if (x.error()) {
        return x.error();
    }
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    std::string frame = protocol::encode_header(protocol::Header{
        protocol::raw(protocol::Opcode::message), static_cast<std::int32_t>(body.size())});
    frame += body;
    return context.send_frame(frame);
}

namespace {

// scenarios/schema.json's $defs/action_send (tools/step_docs copies it there).
constexpr std::string_view send_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "to": {
      "type": "array",
      "items": {
        "$ref": "#/$defs/expandable"
      }
    },
    "text": {
      "$ref": "#/$defs/text_or_fill"
    },
    "text_hex": {
      "$ref": "#/$defs/hex_or_fill"
    },
    "payload": {
      "$ref": "#/$defs/text_or_fill"
    },
    "payload_hex": {
      "$ref": "#/$defs/hex_or_fill"
    }
  },
  "oneOf": [
    {
      "required": [
        "to",
        "text"
      ],
      "not": {
        "anyOf": [
          {
            "required": [
              "text_hex"
            ]
          },
          {
            "required": [
              "payload"
            ]
          },
          {
            "required": [
              "payload_hex"
            ]
          }
        ]
      }
    },
    {
      "required": [
        "to",
        "text_hex"
      ],
      "not": {
        "anyOf": [
          {
            "required": [
              "text"
            ]
          },
          {
            "required": [
              "payload"
            ]
          },
          {
            "required": [
              "payload_hex"
            ]
          }
        ]
      }
    },
    {
      "required": [
        "payload"
      ],
      "not": {
        "anyOf": [
          {
            "required": [
              "to"
            ]
          },
          {
            "required": [
              "text"
            ]
          },
          {
            "required": [
              "text_hex"
            ]
          },
          {
            "required": [
              "payload_hex"
            ]
          }
        ]
      }
    },
    {
      "required": [
        "payload_hex"
      ],
      "not": {
        "anyOf": [
          {
            "required": [
              "to"
            ]
          },
          {
            "required": [
              "text"
            ]
          },
          {
            "required": [
              "text_hex"
            ]
          },
          {
            "required": [
              "payload"
            ]
          }
        ]
      }
    }
  ]
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view send_doc = R"md(### send

Sends opcode 5 from the client. Either `to` (array of recipient names, may be empty) with
exactly one of `text` or `text_hex` (the payload is built as `user1:user2: text`), or exactly
one of `payload` or `payload_hex` (the payload as given, for malformed ones) without `to` and
`text`.

```json
{"send": {"to": ["bob", "carol"], "text": "hello both"}}
{"send": {"payload": "bob:no-space-before-text"}}
```
)md";

} // namespace

const StepKind& send_kind() {
    static const StepKind kind{
        .key = "send",
        .uses_session = true,
        .read = read_action<SendStep>,
        .read_block = {},
        .schema = send_schema,
        .doc = send_doc,
    };
    return kind;
}

} // namespace xsime::harness
