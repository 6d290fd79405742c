// The mailbox step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/mailbox_step.hpp"

#include "harness/matcher.hpp"
#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"
#include "harness/transcript.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 4> keys = {"user", "count", "content_regex",
                                                  "no_content_regex"};
constexpr std::chrono::milliseconds poll_every{20};

// What is wrong with `messages` ("" when the check holds); captures of content_regex.
std::variant<std::string, Stop> check(const MailboxStep& step,
                                      const std::vector<std::string>& messages,
                                      const std::optional<std::string>& content_regex,
                                      const std::optional<std::string>& no_content_regex,
                                      Variables& captures) {
    if (step.count && messages.size() != *step.count) {
        return std::to_string(messages.size()) + " messages";
    }
    if (content_regex) {
        for (const auto& content : messages) {
            auto outcome = match_whole(*content_regex, content);
            if (outcome.kind == MatchOutcome::Kind::bad_pattern) {
                return harness_error(one_line(outcome.reason));
            }
            if (outcome.matched()) {
                captures = std::move(outcome.captures);
                return no_content_regex ? check(MailboxStep{}, messages, std::nullopt,
                                                no_content_regex, captures)
                                        : std::string();
            }
        }
        return "no message matches /" + *content_regex + "/";
    }
    if (no_content_regex) {
        for (const auto& content : messages) {
            auto outcome = match_whole(*no_content_regex, content);
            if (outcome.kind == MatchOutcome::Kind::bad_pattern) {
                return harness_error(one_line(outcome.reason));
            }
            if (outcome.matched()) {
                return "message " + quote_bytes(content) + " matches /" + *no_content_regex + "/";
            }
        }
    }
    return std::string();
}

std::string describe_wanted(const MailboxStep& step, const std::string& user,
                            const std::optional<std::string>& content_regex,
                            const std::optional<std::string>& no_content_regex) {
    std::string expected;
    if (step.count) {
        expected += std::to_string(*step.count) + " messages";
    }
    if (content_regex) {
        expected +=
            (expected.empty() ? "" : ", ") + std::string("one matching /") + *content_regex + "/";
    }
    if (no_content_regex) {
        expected += (expected.empty() ? "" : ", ") + std::string("none matching /") +
                    *no_content_regex + "/";
    }
    return "mailbox of " + quote_bytes(user) + ": " + expected;
}

// Stops the case at a check this host cannot observe, as skipped.
Stop not_observable(StepContext& context) {
    // Stop here: a mailbox check also waits (it polls until it holds), and later steps
    // may rely on that wait, so going on could fail a correct target.
    auto stop = skip("mailbox check not observable through " + context.fixture().describe() +
                     "; every step before it passed");
    context.transcript().note("", stop.skip_reason);
    return stop;
}

// What a look that does not settle the check found: what is wrong, and everything seen.
struct NotYet {
    std::string problem;
    std::string seen;
};

// One look at the mailbox: the step's result when it is settled (the check holds, cannot be
// observed, or cannot be run), else what is wrong so far, for the failure at the deadline.
using Look = std::variant<StepResult, NotYet>;

// Delivery to the folder is asynchronous and has no reply, so a check polls until it holds
// or the step deadline passes; then it fails with what the last look saw.
template <class Observe>
StepResult poll(StepContext& context, const std::string& who, const std::string& expected,
                Observe observe) {
    const auto deadline = context.deadline_after(context.step_timeout());
    while (true) {
        auto look = observe();
        if (auto* settled = std::get_if<StepResult>(&look)) {
            return std::move(*settled);
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            const auto& [problem, seen] = std::get<NotYet>(look);
            context.transcript().note("", "mailbox of " + quote_bytes(who) + ": " + seen);
            return fail("mailbox check failed: " + one_line(problem) + " (expected " + expected +
                            ")",
                        expected, seen);
        }
        if (!context.sleep_until(
                std::min(std::chrono::steady_clock::now() + poll_every, deadline))) {
            return cancelled_stop();
        }
    }
}

StepResult as_expected(StepContext& context, const std::string& who, std::size_t count) {
    context.transcript().note("", "mailbox of " + quote_bytes(who) + ": " + std::to_string(count) +
                                      " messages, as expected");
    return std::nullopt;
}

// A check of `count` alone on a host that cannot read contents (a remote one) uses the host's
// message_count(). An observation error counts as "not yet", and fails the check with its
// words at the deadline.
Look look_at_count(StepContext& context, const std::string& who, std::size_t count) {
    auto counted = context.fixture().message_count(context.org(), who);
    if (!counted) {
        return StepResult(not_observable(context));
    }
    if (const auto* n = std::get_if<std::size_t>(&*counted)) {
        if (*n == count) {
            return as_expected(context, who, *n);
        }
        const auto seen = std::to_string(*n) + " messages";
        return NotYet{seen, seen};
    }
    const auto seen = "not observed: " + std::get<std::string>(*counted);
    return NotYet{seen, seen};
}

} // namespace

bool MailboxStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "a mailbox action", keys, ok)) {
        return false;
    }
    ok &= r.get(value, "user", pointer, true, &FieldReader::expandable, user);
    ok &= r.get(value, "count", pointer, &FieldReader::count, count);
    ok &= r.get(value, "content_regex", pointer, &FieldReader::regex, content_regex, true);
    // A regex that must not match captures nothing.
    ok &= r.get(value, "no_content_regex", pointer, &FieldReader::regex, no_content_regex, false);
    if (!value.contains("count") && !value.contains("content_regex") &&
        !value.contains("no_content_regex")) {
        r.error(pointer, "a mailbox step needs at least one check: count, content_regex, "
                         "no_content_regex");
        ok = false;
    }
    return ok;
}

StepResult MailboxStep::run(StepContext& context) const {
    auto x = context.expander();
    const auto who = x(user, "user");
    const auto wanted = x.optional(content_regex, "content_regex");
    const auto unwanted = x.optional(no_content_regex, "no_content_regex");
    if (x.error()) {
        return x.error();
    }
    const auto expected = describe_wanted(*this, who, wanted, unwanted);
    return poll(context, who, expected, [&]() -> Look {
        auto messages = context.fixture().messages(context.org(), who);
        if (!messages) {
            // Contents are out of reach; a count alone may still be observable.
            if (count && !wanted && !unwanted) {
                return look_at_count(context, who, *count);
            }
            return StepResult(not_observable(context));
        }
        Variables captures;
        auto problem = check(*this, *messages, wanted, unwanted, captures);
        if (auto* stop = std::get_if<Stop>(&problem)) {
            return StepResult(std::move(*stop));
        }
        const auto& what = std::get<std::string>(problem);
        if (what.empty()) {
            context.capture(std::move(captures));
            return as_expected(context, who, messages->size());
        }
        std::string seen = std::to_string(messages->size()) + " messages";
        const char* separator = ": ";
        for (const auto& content : *messages) {
            seen += separator + quote_bytes(content, 80);
            separator = ", ";
        }
        return NotYet{what, seen};
    });
}

namespace {

// scenarios/schema.json's $defs/action_mailbox (tools/step_docs copies it there).
constexpr std::string_view mailbox_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": [
    "user"
  ],
  "properties": {
    "user": {
      "$ref": "#/$defs/expandable"
    },
    "count": {
      "$ref": "#/$defs/u64"
    },
    "content_regex": {
      "$ref": "#/$defs/regex"
    },
    "no_content_regex": {
      "$ref": "#/$defs/regex"
    }
  },
  "anyOf": [
    {
      "required": [
        "count"
      ]
    },
    {
      "required": [
        "content_regex"
      ]
    },
    {
      "required": [
        "no_content_regex"
      ]
    }
  ]
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view mailbox_doc = R"md(### mailbox

Checks a user's `messages/` folder in the fixture: `user` (required text) and at least one
of `count` (number of regular files not starting with `.`; folders such as `blacklist/` are
not counted), `content_regex` (some message's content matches; its named groups become
captures) and `no_content_regex` (no message's content matches). No `session`. The check
polls until it holds or the step timeout passes.

With a remote fixture (prepared through TF commands) a check of `count` alone is made by
listing the folder with `LS` and counting its files, so it passes or fails as with a local
fixture. Message contents cannot be read through TF commands (and the spec does not say how
a server names or formats stored messages), so a check with `content_regex` or
`no_content_regex` stops the case there as `skipped` ("mailbox check not observable through
...; every step before it passed"), never `pass`. It does not go on, because a check also
waits (it polls until it holds) and later steps may rely on that wait: going on without it
could fail a correct target. Put content checks as late as the scenario allows, so that a
remote run tests as much as it can before it stops.

```json
{"mailbox": {"user": "bob", "count": 1, "content_regex": ".*hello.*"}}
```
)md";

} // namespace

const StepKind& mailbox_kind() {
    static const StepKind kind{
        .key = "mailbox",
        .uses_session = false,
        .read = read_action<MailboxStep>,
        .read_block = {},
        .schema = mailbox_schema,
        .doc = mailbox_doc,
    };
    return kind;
}

} // namespace xsime::harness
