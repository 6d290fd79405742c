// The mailbox step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/mailbox_step.hpp"

#include "harness/matcher.hpp"
#include "harness/session_events.hpp"
#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"
#include "harness/transcript.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_framing.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>
#include <variant>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 4> keys = {"user", "count", "content_regex",
                                                  "no_content_regex"};
constexpr std::chrono::milliseconds poll{20};

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

// A check of `count` alone on a host that cannot read contents (a remote one): polls the
// host's message_count() until it holds or the deadline passes. An observation error
// counts as "not yet", and fails the check with its words at the deadline.
StepResult run_count(StepContext& context, const std::string& who, std::size_t count,
                     const std::string& expected, std::chrono::steady_clock::time_point deadline) {
    while (true) {
        auto counted = context.fixture().message_count(context.org(), who);
        if (!counted) {
            return not_observable(context);
        }
        std::string actual;
        if (const auto* n = std::get_if<std::size_t>(&*counted)) {
            actual = std::to_string(*n) + " messages";
            if (*n == count) {
                context.transcript().note("", "mailbox of " + quote_bytes(who) + ": " + actual +
                                                  ", as expected");
                return std::nullopt;
            }
        } else {
            actual = "not observed: " + std::get<std::string>(*counted);
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            context.transcript().note("", "mailbox of " + quote_bytes(who) + ": " + actual);
            return fail("mailbox check failed: " + one_line(actual) + " (expected " + expected +
                            ")",
                        expected, actual);
        }
        if (!context.sleep_until(std::min(std::chrono::steady_clock::now() + poll, deadline))) {
            return cancelled_stop();
        }
    }
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
    const auto deadline = context.deadline_after(context.step_timeout());
    while (true) {
        auto messages = context.fixture().messages(context.org(), who);
        if (!messages) {
            // Contents are out of reach; a count alone may still be observable.
            if (count && !wanted && !unwanted) {
                return run_count(context, who, *count, expected, deadline);
            }
            return not_observable(context);
        }
        Variables captures;
        auto problem = check(*this, *messages, wanted, unwanted, captures);
        if (auto* stop = std::get_if<Stop>(&problem)) {
            return *stop;
        }
        const auto& what = std::get<std::string>(problem);
        if (what.empty()) {
            context.capture(std::move(captures));
            context.transcript().note("", "mailbox of " + quote_bytes(who) + ": " +
                                              std::to_string(messages->size()) +
                                              " messages, as expected");
            return std::nullopt;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            std::string actual = std::to_string(messages->size()) + " messages";
            const char* separator = ": ";
            for (const auto& content : *messages) {
                actual += separator + quote_bytes(content, 80);
                separator = ", ";
            }
            context.transcript().note("", "mailbox of " + quote_bytes(who) + ": " + actual);
            return fail("mailbox check failed: " + one_line(what) + " (expected " + expected + ")",
                        expected, actual);
        }
        if (!context.sleep_until(std::min(std::chrono::steady_clock::now() + poll, deadline))) {
            return cancelled_stop();
        }
    }
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
