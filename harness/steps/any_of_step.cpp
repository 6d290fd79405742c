// The any_of step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/any_of_step.hpp"

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
constexpr std::array<std::string_view, 2> alternative_keys = {"expect", "expect_close"};
} // namespace

bool AnyOfStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    if (!value.is_array()) {
        r.error(pointer, "expected an array of alternatives ({\"expect\": ...} or "
                         "{\"expect_close\": ...}), got " +
                             describe(value));
        return false;
    }
    bool ok = true;
    if (value.size() < 2) {
        r.error(pointer, "any_of needs at least 2 alternatives, got " +
                             std::to_string(value.size()) + " (use the step itself for one)");
        ok = false;
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
        const std::string at = child(pointer, i);
        if (!r.action_object(value[i], at, "an any_of alternative", alternative_keys, ok)) {
            continue;
        }
        const auto which = r.one_of(value[i], at, alternative_keys, true, ok);
        if (which == "expect") {
            ExpectStep step;
            ok &= step.read(r, value[i]["expect"], child(at, "expect"));
            alternatives.emplace_back(std::move(step));
        } else if (which == "expect_close") {
            ExpectCloseStep step;
            ok &= step.read(r, value[i]["expect_close"], child(at, "expect_close"));
            alternatives.emplace_back(step);
        }
    }
    return ok;
}

namespace {

// What the alternatives accept together: the longest wait, one description, and whether a
// close or a skipped push may come instead.
struct Accepted {
    std::chrono::milliseconds budget{0};
    std::string expected;
    bool close = false;
    bool skips_pushes = false;
};

Accepted accepted(const AnyOfStep& step, const std::vector<FrameMatch>& matches,
                  std::chrono::milliseconds step_timeout) {
    Accepted out;
    for (std::size_t i = 0; i < step.alternatives.size(); ++i) {
        out.expected += out.expected.empty() ? "" : " | ";
        if (const auto* e = std::get_if<ExpectStep>(&step.alternatives[i])) {
            out.budget = std::max(
                out.budget, e->within_ms ? std::chrono::milliseconds(*e->within_ms) : step_timeout);
            out.expected += "expect " + describe_match(matches[i]);
            out.skips_pushes = out.skips_pushes || e->skip_pushes;
        } else {
            out.budget = std::max(out.budget,
                                  std::chrono::milliseconds(
                                      std::get<ExpectCloseStep>(step.alternatives[i]).within_ms));
            out.expected += "expect_close";
            out.close = true;
        }
    }
    out.expected = "one of: " + out.expected;
    return out;
}

} // namespace

StepResult AnyOfStep::run(StepContext& context) const {
    auto x = context.expander();
    std::vector<FrameMatch> matches(alternatives.size());
    for (std::size_t i = 0; i < alternatives.size(); ++i) {
        if (const auto* e = std::get_if<ExpectStep>(&alternatives[i])) {
            matches[i] = x.match(e->match, std::to_string(i) + "/expect/");
        }
    }
    if (x.error()) {
        return x.error();
    }
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    const auto accepts = accepted(*this, matches, context.step_timeout());
    const auto deadline = context.deadline_after(accepts.budget);
    while (true) {
        auto event = context.next_frame(deadline);
        if (event.kind == Event::Kind::closed && accepts.close && event.partial == 0) {
            return std::nullopt;
        }
        if (event.kind != Event::Kind::frame) {
            return context.unexpected(event, accepts.expected);
        }
        std::string why;
        const auto now = unix_now();
        for (std::size_t i = 0; i < alternatives.size(); ++i) {
            std::string reason = "not a close";
            if (std::holds_alternative<ExpectStep>(alternatives[i])) {
                auto outcome = match_frame(matches[i], event.frame, now);
                if (outcome.kind == MatchOutcome::Kind::bad_pattern) {
                    return harness_error(one_line(outcome.reason));
                }
                if (outcome.matched()) {
                    context.capture(std::move(outcome.captures));
                    return std::nullopt;
                }
                reason = outcome.reason;
            }
            why += (i ? "; " : "") + std::string("#") + std::to_string(i + 1) + ": " + reason;
        }
        if (accepts.skips_pushes && is_push(event.frame)) {
            continue;
        }
        const auto actual = context.describe(event);
        return fail("no alternative matches " + actual + " (expected " + accepts.expected + "; " +
                        one_line(why) + ")",
                    accepts.expected, actual);
    }
}

namespace {

// scenarios/schema.json's $defs/action_any_of (tools/step_docs copies it there).
constexpr std::string_view any_of_schema = R"json({
  "type": "array",
  "minItems": 2,
  "items": {
    "oneOf": [
      {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "expect"
        ],
        "properties": {
          "expect": {
            "$ref": "#/$defs/action_expect"
          }
        }
      },
      {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "expect_close"
        ],
        "properties": {
          "expect_close": {
            "$ref": "#/$defs/action_expect_close"
          }
        }
      }
    ]
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view any_of_doc = R"md(### any_of

An array of at least two alternatives, each `{"expect": {...}}` or `{"expect_close": {...}}`;
the step passes when the next event satisfies one of them. For cases where the spec allows
more than one reaction.

```json
{"any_of": [{"expect": {"opcode": 5, "sz": -1}}, {"expect_close": {"within_ms": 1000}}]}
```
)md";

} // namespace

const StepKind& any_of_kind() {
    static const StepKind kind{
        .key = "any_of",
        .uses_session = true,
        .read = read_action<AnyOfStep>,
        .read_block = {},
        .schema = any_of_schema,
        .doc = any_of_doc,
    };
    return kind;
}

} // namespace xsime::harness
