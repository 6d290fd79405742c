// The expect step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/expect_step.hpp"

#include "harness/matcher.hpp"
#include "harness/session_events.hpp"
#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"
#include "harness/transcript.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <string_view>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 12> keys = {
    "opcode", "sz",       "payload",    "payload_hex",        "payload_regex", "from",
    "text",   "text_hex", "text_regex", "timestamp_within_s", "within_ms",     "skip_pushes"};
constexpr std::array<std::string_view, 10> matchers = {
    "opcode", "sz",   "payload",  "payload_hex", "payload_regex",
    "from",   "text", "text_hex", "text_regex",  "timestamp_within_s"};
} // namespace

bool ExpectStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "an expect action", keys, ok)) {
        return false;
    }
    ok &= r.get(value, "opcode", pointer, &FieldReader::opcode, match.opcode);
    ok &= r.get(value, "sz", pointer, &FieldReader::int32, match.sz);
    ok &= r.text_or_hex(value, pointer, "payload", "payload_hex", false, match.payload);
    ok &= r.get(value, "payload_regex", pointer, &FieldReader::regex, match.payload_regex, true);
    ok &= r.get(value, "from", pointer, &FieldReader::expandable, match.from);
    ok &= r.text_or_hex(value, pointer, "text", "text_hex", false, match.text);
    ok &= r.get(value, "text_regex", pointer, &FieldReader::regex, match.text_regex, true);
    ok &= r.get(value, "timestamp_within_s", pointer, &FieldReader::u32, match.timestamp_within_s);
    ok &= r.get(value, "within_ms", pointer, &FieldReader::u32, within_ms);
    ok &= r.get(value, "skip_pushes", pointer, false, &FieldReader::boolean, skip_pushes);
    if (std::none_of(matchers.begin(), matchers.end(),
                     [&](std::string_view key) { return value.contains(std::string(key)); })) {
        r.error(pointer, "an expect needs at least one matcher: " + join(matchers));
        ok = false;
    }
    return ok;
}

StepResult ExpectStep::run(StepContext& context) const {
    auto x = context.expander();
    const auto expanded = x.match(match, "");
    if (x.error()) {
        return x.error();
    }
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    return run_expanded(context, expanded);
}

StepResult ExpectStep::run_expanded(StepContext& context, const FrameMatch& expanded) const {
    const auto expected = describe_match(expanded);
    const auto budget = within_ms ? std::chrono::milliseconds(*within_ms) : context.step_timeout();
    const auto deadline = context.deadline_after(budget);
    std::size_t skipped = 0;
    while (true) {
        auto event = context.next_frame(deadline);
        if (event.kind != Event::Kind::frame) {
            auto stop = context.unexpected(event, expected);
            if (skipped > 0) {
                stop.message += " (" + std::to_string(skipped) + " non-matching pushes skipped)";
            }
            return stop;
        }
        auto outcome = match_frame(expanded, event.frame, unix_now());
        if (outcome.matched()) {
            context.capture(std::move(outcome.captures));
            return std::nullopt;
        }
        if (outcome.kind == MatchOutcome::Kind::bad_pattern) {
            return harness_error(one_line(outcome.reason));
        }
        if (skip_pushes && is_push(event.frame)) {
            ++skipped;
            continue;
        }
        const auto actual = context.describe(event);
        std::string reason = outcome.reason;
        if (expanded.sz && event.frame.header.sz != *expanded.sz) {
            reason += endianness_hint(event.frame.header.sz);
        }
        return fail("received frame does not match: " + one_line(reason) + " (expected " +
                        expected + ")",
                    expected, actual);
    }
}

namespace {

// scenarios/schema.json's $defs/action_expect (tools/step_docs copies it there).
constexpr std::string_view expect_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "opcode": {
      "$ref": "#/$defs/opcode"
    },
    "sz": {
      "$ref": "#/$defs/i32"
    },
    "payload": {
      "$ref": "#/$defs/text_or_fill"
    },
    "payload_hex": {
      "$ref": "#/$defs/hex_or_fill"
    },
    "payload_regex": {
      "$ref": "#/$defs/regex"
    },
    "from": {
      "$ref": "#/$defs/expandable"
    },
    "text": {
      "$ref": "#/$defs/text_or_fill"
    },
    "text_hex": {
      "$ref": "#/$defs/hex_or_fill"
    },
    "text_regex": {
      "$ref": "#/$defs/regex"
    },
    "timestamp_within_s": {
      "$ref": "#/$defs/u32"
    },
    "within_ms": {
      "$ref": "#/$defs/u32"
    },
    "skip_pushes": {
      "type": "boolean",
      "default": false
    }
  },
  "anyOf": [
    {
      "required": [
        "opcode"
      ]
    },
    {
      "required": [
        "sz"
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
    },
    {
      "required": [
        "payload_regex"
      ]
    },
    {
      "required": [
        "from"
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
        "text_regex"
      ]
    },
    {
      "required": [
        "timestamp_within_s"
      ]
    }
  ],
  "allOf": [
    {
      "not": {
        "required": [
          "payload",
          "payload_hex"
        ]
      }
    },
    {
      "not": {
        "required": [
          "text",
          "text_hex"
        ]
      }
    }
  ]
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view expect_doc = R"md(### expect

Waits for the next frame on the session and checks it. At least one matcher is required:

| key | meaning |
| --- | --- |
| `opcode` | [opcode](#opcodes) number or name |
| `sz` | the header's `sz`, signed 32-bit |
| `payload` or `payload_hex` | the whole payload, exactly |
| `payload_regex` | a [regex](#regexes-and-captures) matching the whole payload |
| `from` | a push's sender (payload read as `timestamp:user:message`) |
| `text` or `text_hex` | a push's message, exactly |
| `text_regex` | a regex matching the whole message |
| `timestamp_within_s` | a push's timestamp is within this many seconds of the harness's clock |

Other keys: `within_ms` (unsigned, default the run's step timeout) bounds the wait;
`skip_pushes` (boolean, default false) skips pushes that do not match instead of failing,
for a session that also receives other traffic.

```json
{"expect": {"opcode": "message", "from": "alice", "text": "hello", "within_ms": 2000}}
```
)md";

} // namespace

const StepKind& expect_kind() {
    static const StepKind kind{
        .key = "expect",
        .uses_session = true,
        .read = read_action<ExpectStep>,
        .read_block = {},
        .schema = expect_schema,
        .doc = expect_doc,
    };
    return kind;
}

} // namespace xsime::harness
