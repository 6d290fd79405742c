// The expect_frame step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/expect_frame_step.hpp"

#include "harness/matcher.hpp"
#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"
#include "harness/transcript.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"

#include <array>
#include <string_view>

namespace xsime::harness {

namespace {

constexpr std::array<std::string_view, 7> keys = {"opcode",        "sz",  "payload",  "payload_hex",
                                                  "payload_regex", "u64", "within_ms"};

bool carries_path_or_text(std::uint8_t opcode) {
    using protocol::Opcode;
    return opcode == protocol::raw(Opcode::org_unit) || opcode == protocol::raw(Opcode::user) ||
           opcode == protocol::raw(Opcode::message);
}

struct Want {
    std::uint8_t opcode;
    std::optional<std::int32_t> sz;
    std::optional<std::string> payload;
    std::optional<std::uint64_t> u64;
    std::optional<std::string> payload_regex;
};

std::string describe(const Want& want) {
    std::string out = protocol::describe_opcode(want.opcode);
    if (want.sz) {
        out += " sz " + std::to_string(*want.sz);
    }
    if (want.u64) {
        out += " body " + std::to_string(*want.u64);
    }
    if (want.payload) {
        out += " " + quote_bytes(*want.payload);
    }
    if (want.payload_regex) {
        out += " payload ~ /" + *want.payload_regex + "/";
    }
    return out;
}

// Why `frame` is not `want`, or "" when it is.
std::string mismatch(const Want& want, const protocol::Frame& frame) {
    if (frame.header.opcode != want.opcode) {
        return "another opcode";
    }
    if (want.sz && frame.header.sz != *want.sz) {
        return "sz " + std::to_string(frame.header.sz) + ", expected " + std::to_string(*want.sz);
    }
    if (want.payload && frame.payload != *want.payload) {
        // The harness read sz bytes: a client that counts characters sends a shorter sz, and
        // what it read is then the start of the expected payload.
        if (carries_path_or_text(want.opcode) && frame.payload.size() < want.payload->size() &&
            want.payload->starts_with(frame.payload)) {
            return "sz " + std::to_string(frame.header.sz) + " does not count the payload's " +
                   std::to_string(want.payload->size()) + " bytes";
        }
        return "another payload";
    }
    if (want.u64) {
        const auto body = protocol::parse_u64_body(frame.payload);
        const auto* value = std::get_if<std::uint64_t>(&body);
        if (value == nullptr || *value != *want.u64) {
            return "another 8-byte body";
        }
    }
    return {};
}

} // namespace

bool ExpectFrameStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "an expect_frame action", keys, ok)) {
        return false;
    }
    ok &= r.get(value, "opcode", pointer, true, &FieldReader::opcode, opcode);
    ok &= r.get(value, "sz", pointer, &FieldReader::int32, sz);
    ok &= r.text_or_hex(value, pointer, "payload", "payload_hex", false, payload);
    ok &= r.get(value, "payload_regex", pointer, &FieldReader::regex, payload_regex, true);
    ok &= r.get(value, "u64", pointer, &FieldReader::u64_or_reference, u64);
    ok &= r.get(value, "within_ms", pointer, false, &FieldReader::u32, within_ms);
    if (payload && u64) {
        r.error(pointer + "/u64", "give the body as payload or as u64, not both");
        ok = false;
    }
    return ok;
}

StepResult ExpectFrameStep::run(StepContext& context) const {
    auto x = context.expander();
    Want want{opcode, sz, std::nullopt, std::nullopt, x.optional(payload_regex, "payload_regex")};
    if (payload) {
        want.payload = x.bytes(*payload, "payload").value;
    }
    if (u64) {
        want.u64 = x.number(*u64, "u64");
    }
    if (x.error()) {
        return x.error();
    }
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    const auto budget =
        within_ms > 0 ? std::chrono::milliseconds(within_ms) : context.step_timeout();
    const auto expected = describe(want);
    auto event = context.next_frame(context.deadline_after(budget));
    if (event.kind == Event::Kind::protocol_error) {
        return fail("the client sent a frame a server cannot read: " + context.describe(event) +
                        " (expected " + expected + ")",
                    expected, context.describe(event));
    }
    if (event.kind != Event::Kind::frame) {
        return context.unexpected(event, expected);
    }
    auto why = mismatch(want, event.frame);
    if (why.empty() && want.payload_regex) {
        auto outcome = match_whole(*want.payload_regex, event.frame.payload);
        if (outcome.kind == MatchOutcome::Kind::bad_pattern) {
            return harness_error(outcome.reason + " in " + context.step_base() + "/payload_regex");
        }
        if (outcome.matched()) {
            context.capture(std::move(outcome.captures));
        } else {
            why = "the payload does not match";
        }
    }
    if (why.empty()) {
        return std::nullopt;
    }
    const auto actual = context.describe(event);
    return fail("the client sent " + actual + ": " + why + " (expected " + expected + ")", expected,
                actual);
}

namespace {

// scenarios/schema.json's $defs/action_expect_frame (tools/step_docs copies it there).
constexpr std::string_view expect_frame_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": [
    "opcode"
  ],
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
    "u64": {
      "$ref": "#/$defs/u64_or_reference"
    },
    "within_ms": {
      "$ref": "#/$defs/u32"
    }
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view expect_frame_doc = R"md(### expect_frame

*Client scenarios.* The next XSIME frame the client under test sends, read by a server's
rules (opcodes 4 and 7: `sz` then 8 bytes; 1, 2 and 5: `sz` bytes of payload; 0: the header
alone), must have this `opcode` (required), `sz`, and body: `payload` or `payload_hex`
(compared as bytes, and `sz` must count them: a client that counts characters is told so) or
`u64` (the 8-byte big-endian timestamp or interval, a number or `${}`); `payload_regex`
matches the whole payload (Perl syntax; named groups become captures for later steps). A frame a server
cannot read (an unknown or ASCII opcode, a negative `sz`) fails the step.

```json
{"expect_frame": {"opcode": "setup", "sz": 2, "u64": 0}}
```
)md";

} // namespace

const StepKind& expect_frame_kind() {
    static const StepKind kind{
        .key = "expect_frame",
        .uses_session = true,
        .subject = StepKind::For::client,
        .read = read_action<ExpectFrameStep>,
        .read_block = {},
        .schema = expect_frame_schema,
        .doc = expect_frame_doc,
    };
    return kind;
}

} // namespace xsime::harness
