// The expect_event step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/expect_event_step.hpp"

#include "harness/driver_events.hpp"
#include "harness/step_context.hpp"
#include "harness/steps/driver_step.hpp"
#include "harness/steps/step_kind.hpp"
#include "harness/transcript.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace xsime::harness {

namespace {

constexpr std::array<std::string_view, 7> keys = {"event",    "cmd",       "from",     "text",
                                                  "text_hex", "timestamp", "within_ms"};

struct Expected {
    std::vector<std::string> events;
    std::optional<std::string> cmd;
    std::optional<std::string> from;
    std::optional<std::string> text;
    std::optional<std::uint64_t> timestamp;

    std::string describe() const {
        std::string out = join_kinds(events);
        if (cmd) {
            out += " for " + *cmd;
        }
        if (timestamp) {
            out += " at " + std::to_string(*timestamp);
        }
        if (from) {
            out += " from " + quote_bytes(*from);
        }
        if (text) {
            out += " " + quote_bytes(*text);
        }
        return out;
    }
};

std::optional<std::string> string_field(const Json& event, const char* key) {
    const auto found = event.find(key);
    if (found == event.end() || !found->is_string()) {
        return std::nullopt;
    }
    return found->get<std::string>();
}

// Why `event` is not what `want` describes, or "" when it is.
std::string mismatch(const Expected& want, const DriverEvent& event) {
    if (std::find(want.events.begin(), want.events.end(), event.kind) == want.events.end()) {
        return "the client reported " + event.kind;
    }
    if (want.cmd && string_field(event.fields, "cmd") != want.cmd) {
        return "the event is for another command";
    }
    if (want.from && event_bytes(event.fields, "from") != want.from) {
        return "the sender differs";
    }
    if (want.text && event_bytes(event.fields, "text") != want.text) {
        return "the text differs";
    }
    if (want.timestamp) {
        const auto found = event.fields.find("timestamp");
        if (found == event.fields.end() || !found->is_number_unsigned() ||
            found->get<std::uint64_t>() != *want.timestamp) {
            return "the timestamp differs";
        }
    }
    return {};
}

} // namespace

const std::vector<std::string>& driver_event_kinds() {
    static const std::vector<std::string> kinds = {"ok",           "failed", "message",
                                                   "send_refused", "error",  "closed"};
    return kinds;
}

std::string join_kinds(const std::vector<std::string>& kinds) {
    std::string out;
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        out += (i == 0 ? "" : i + 1 == kinds.size() ? " or " : ", ") + kinds[i];
    }
    return out;
}

bool read_event_kinds(FieldReader& r, const Json& value, const std::string& pointer,
                      std::vector<std::string>& out) {
    if (value.is_string()) {
        out = {value.get<std::string>()};
    } else if (!r.items(value, pointer, "an event kind or an array of them", &FieldReader::string,
                        out)) {
        return false;
    }
    if (out.empty()) {
        r.error(pointer, "expected at least one event kind");
        return false;
    }
    const auto& known = driver_event_kinds();
    for (const auto& kind : out) {
        if (std::find(known.begin(), known.end(), kind) == known.end()) {
            r.error(pointer, "expected an event kind (" + join(known) + "), got " + quote(kind));
            return false;
        }
    }
    return true;
}

bool ExpectEventStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "an expect_event action", keys, ok)) {
        return false;
    }
    ok &= r.field(value, "event", pointer, true, [&](const Json& v, const std::string& p) {
        return read_event_kinds(r, v, p, match.events);
    });
    ok &= r.get(value, "cmd", pointer, &FieldReader::string, match.cmd);
    const auto& commands = driver_commands();
    if (match.cmd && std::find(commands.begin(), commands.end(), *match.cmd) == commands.end()) {
        r.error(pointer + "/cmd",
                "expected a driver command (" + join(commands) + "), got " + quote(*match.cmd));
        ok = false;
    }
    ok &= r.get(value, "from", pointer, &FieldReader::expandable, match.from);
    ok &= r.text_or_hex(value, pointer, "text", "text_hex", false, match.text);
    ok &= r.get(value, "timestamp", pointer, &FieldReader::u64_or_reference, match.timestamp);
    ok &= r.get(value, "within_ms", pointer, false, &FieldReader::u32, within_ms);
    return ok;
}

StepResult ExpectEventStep::run(StepContext& context) const {
    auto* driver = context.driver();
    if (driver == nullptr) {
        return harness_error("an expect_event step ran without a client under test");
    }
    auto x = context.expander();
    Expected want{match.events, match.cmd, x.optional(match.from, "from"), std::nullopt,
                  std::nullopt};
    if (match.text) {
        want.text = x.bytes(*match.text, "text").value;
    }
    if (match.timestamp) {
        want.timestamp = x.number(*match.timestamp, "timestamp");
    }
    if (x.error()) {
        return x.error();
    }
    const auto budget =
        within_ms > 0 ? std::chrono::milliseconds(within_ms) : context.step_timeout();
    auto got = driver->next(context.deadline_after(budget));
    if (auto* stop = std::get_if<Stop>(&got)) {
        return std::move(*stop);
    }
    const auto& event = std::get<DriverEvent>(got);
    const auto why = mismatch(want, event);
    if (why.empty()) {
        return std::nullopt;
    }
    const auto expected = "the client reports " + want.describe();
    return fail(why + ": " + event.line + " (expected " + want.describe() + ")", expected,
                event.line);
}

namespace {

// scenarios/schema.json's $defs/action_expect_event (tools/step_docs copies it there).
constexpr std::string_view expect_event_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": [
    "event"
  ],
  "properties": {
    "event": {
      "$ref": "#/$defs/event_kinds"
    },
    "cmd": {
      "type": "string"
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
    "timestamp": {
      "$ref": "#/$defs/u64_or_reference"
    },
    "within_ms": {
      "$ref": "#/$defs/u32"
    }
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view expect_event_doc = R"md(### expect_event

*Client scenarios.* The next event the client under test reported to its application
(docs/client-driver.md) must be `event` — one kind or an array of kinds: `ok`, `failed`,
`message`, `send_refused`, `error`, `closed` — within `within_ms` (default: the step timeout).
Given fields must be equal: `cmd` (for `ok`/`failed`), `from`, `text` or `text_hex` (compared
as bytes), `timestamp`. Events are taken in order: one that does not match fails the step.

```json
{"expect_event": {"event": "message", "timestamp": 1700000000, "from": "alice", "text": "a:b"}}
```
)md";

} // namespace

const StepKind& expect_event_kind() {
    static const StepKind kind{
        .key = "expect_event",
        .uses_session = false,
        .subject = StepKind::For::client,
        .read = read_action<ExpectEventStep>,
        .read_block = {},
        .schema = expect_event_schema,
        .doc = expect_event_doc,
    };
    return kind;
}

} // namespace xsime::harness
