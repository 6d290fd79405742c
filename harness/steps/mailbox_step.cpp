// The mailbox step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/mailbox_step.hpp"

#include "harness/matcher.hpp"
#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"
#include "harness/transcript.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 6> keys = {"user",    "count",         "blacklist",
                                                  "folders", "content_regex", "no_content_regex"};
constexpr std::chrono::milliseconds poll_every{20};

// What a look that does not settle the check found: what is wrong, and everything seen.
struct NotYet {
    std::string problem;
    std::string seen;
};

// What one look at one part of the mailbox found, when that part does not hold yet: a Stop
// settles the step (the part cannot be observed, or cannot be checked), a NotYet is what is
// wrong so far, for the failure at the deadline. std::nullopt: the part holds.
using Look = std::variant<Stop, NotYet>;
using Part = std::optional<Look>;

// Stops the case at a check this host cannot observe, as skipped.
Look not_observable(StepContext& context, std::string_view what) {
    // Stop here: a mailbox check also waits (it polls until it holds), and later steps
    // may rely on that wait, so going on could fail a correct target.
    auto stop = skip("mailbox check not observable through " + context.fixture().describe() + " (" +
                     std::string(what) + "); every step before it passed");
    context.transcript().note("", stop.skip_reason);
    return stop;
}

// An observation error counts as "not yet": it fails the check with its words at the deadline.
Look not_observed(const std::string& why) {
    const auto seen = "not observed: " + why;
    return NotYet{seen, seen};
}

std::string quoted_list(const std::vector<std::string>& names) {
    if (names.empty()) {
        return "none";
    }
    std::string out;
    for (const auto& name : names) {
        out += (out.empty() ? "" : ", ") + quote_bytes(name);
    }
    return out;
}

// A path of `folders` below the org unit: "." is the user's folder itself.
std::string inside(const std::string& user, const std::string& path) {
    return path == "." ? user : user + "/" + path;
}

std::string folder_name(const std::string& path) {
    return path == "." ? "the user's folder" : path + "/";
}

std::string describe_wanted(const MailboxStep& step, const std::string& user,
                            const std::optional<std::string>& content_regex,
                            const std::optional<std::string>& no_content_regex) {
    std::vector<std::string> parts;
    if (step.count) {
        parts.push_back(std::to_string(*step.count) + " messages");
    }
    if (step.blacklist) {
        parts.push_back("blacklist " + quoted_list(*step.blacklist));
    }
    for (const auto& [path, exists] : step.folders) {
        parts.push_back(folder_name(path) + (exists ? " present" : " absent"));
    }
    if (content_regex) {
        parts.push_back("one matching /" + *content_regex + "/");
    }
    if (no_content_regex) {
        parts.push_back("none matching /" + *no_content_regex + "/");
    }
    std::string expected;
    for (const auto& part : parts) {
        expected += (expected.empty() ? "" : ", ") + part;
    }
    return "mailbox of " + quote_bytes(user) + ": " + expected;
}

// "2 messages: 'a', 'b'": what a local failure shows.
std::string seen_messages(const std::vector<std::string>& messages) {
    std::string seen = std::to_string(messages.size()) + " messages";
    for (std::size_t i = 0; i < messages.size(); ++i) {
        seen += (i == 0 ? ": " : ", ") + quote_bytes(messages[i], 80);
    }
    return seen;
}

// The content checks (and the count with them): some message matches content_regex, whose
// captures go to `captures`, and none matches no_content_regex.
Part look_at_contents(StepContext& context, const MailboxStep& step, const std::string& who,
                      const std::optional<std::string>& wanted,
                      const std::optional<std::string>& unwanted, Variables& captures) {
    auto messages = context.fixture().messages(context.org(), who);
    if (!messages) {
        return not_observable(context, "message contents: content_regex and no_content_regex "
                                       "need a local fixture");
    }
    const auto seen = seen_messages(*messages);
    if (step.count && messages->size() != *step.count) {
        return NotYet{std::to_string(messages->size()) + " messages", seen};
    }
    const auto first_match = [&](const std::string& regex) -> std::variant<int, Stop> {
        for (std::size_t i = 0; i < messages->size(); ++i) {
            auto outcome = match_whole(regex, (*messages)[i]);
            if (outcome.kind == MatchOutcome::Kind::bad_pattern) {
                return harness_error(one_line(outcome.reason));
            }
            if (outcome.matched()) {
                captures = std::move(outcome.captures);
                return static_cast<int>(i);
            }
        }
        return -1;
    };
    if (wanted) {
        auto found = first_match(*wanted);
        if (auto* stop = std::get_if<Stop>(&found)) {
            return std::move(*stop);
        }
        if (std::get<int>(found) < 0) {
            return NotYet{"no message matches /" + *wanted + "/", seen};
        }
    }
    if (unwanted) {
        auto kept = std::move(captures);
        auto found = first_match(*unwanted);
        captures = std::move(kept); // a regex that must not match captures nothing
        if (auto* stop = std::get_if<Stop>(&found)) {
            return std::move(*stop);
        }
        if (const int i = std::get<int>(found); i >= 0) {
            return NotYet{"message " + quote_bytes((*messages)[static_cast<std::size_t>(i)]) +
                              " matches /" + *unwanted + "/",
                          seen};
        }
    }
    return std::nullopt;
}

// How many message files; it does not depend on how a server names or formats them.
Part look_at_count(StepContext& context, const std::string& who, std::size_t count) {
    auto counted = context.fixture().message_count(context.org(), who);
    if (!counted) {
        return not_observable(context, "message count");
    }
    if (const auto* why = std::get_if<std::string>(&*counted)) {
        return not_observed(*why);
    }
    const auto n = std::get<std::size_t>(*counted);
    if (n == count) {
        return std::nullopt;
    }
    // A host that can read the messages shows them too: it helps to see what arrived.
    const auto contents = context.fixture().messages(context.org(), who);
    return NotYet{std::to_string(n) + " messages",
                  contents ? seen_messages(*contents) : std::to_string(n) + " messages"};
}

Part look_at_blacklist(StepContext& context, const std::string& who,
                       const std::vector<std::string>& names) {
    auto listed = context.fixture().blacklist(context.org(), who);
    if (!listed) {
        return not_observable(context, "blacklist names");
    }
    if (const auto* why = std::get_if<std::string>(&*listed)) {
        return not_observed(*why);
    }
    const auto& found = std::get<std::vector<std::string>>(*listed);
    if (found == names) {
        return std::nullopt;
    }
    const auto seen = "blacklist " + quoted_list(found);
    return NotYet{seen, seen};
}

Part look_at_folders(StepContext& context, const std::string& who,
                     const std::vector<std::pair<std::string, bool>>& folders) {
    for (const auto& [path, wanted] : folders) {
        auto exists = context.fixture().folder_exists(context.org(), inside(who, path));
        if (!exists) {
            return not_observable(context, "folders");
        }
        if (const auto* why = std::get_if<std::string>(&*exists)) {
            return not_observed(*why);
        }
        if (std::get<bool>(*exists) != wanted) {
            const auto seen = folder_name(path) + (wanted ? " absent" : " present");
            return NotYet{seen, seen};
        }
    }
    return std::nullopt;
}

// Delivery to the folder is asynchronous and has no reply, so a check polls until every part
// holds or the step deadline passes; then it fails with what the last look saw.
template <class Observe>
StepResult poll(StepContext& context, const std::string& who, const std::string& expected,
                Observe observe) {
    const auto deadline = context.deadline_after(context.step_timeout());
    while (true) {
        auto look = observe();
        if (!look) {
            context.transcript().note("", expected + ": as expected");
            return std::nullopt;
        }
        if (auto* settled = std::get_if<Stop>(&*look)) {
            return std::move(*settled);
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            const auto& [problem, seen] = std::get<NotYet>(*look);
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

// A path inside the user's folder, as `folders` takes it: relative, no "..", no NUL.
bool folder_path_ok(const std::string& path) {
    if (path.empty() || path.front() == '/' || path.find('\0') != std::string::npos) {
        return false;
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto end = std::min(path.find('/', start), path.size());
        if (path.compare(start, end - start, "..") == 0) {
            return false;
        }
        start = end + 1;
    }
    return true;
}

bool read_folders(FieldReader& r, const Json& value, const std::string& pointer,
                  std::vector<std::pair<std::string, bool>>& out) {
    if (!value.is_object() || value.empty()) {
        r.error(pointer, "expected a non-empty object of folder paths to true or false, got " +
                             describe(value));
        return false;
    }
    bool ok = true;
    for (const auto& [path, exists] : value.items()) {
        const auto at = child(pointer, path);
        if (!folder_path_ok(path)) {
            r.error(at, "expected a path inside the user's folder (\".\" for the folder itself; "
                        "no leading '/', no \"..\"), got " +
                            quote(path));
            ok = false;
            continue;
        }
        bool wanted = false;
        ok &= r.boolean(exists, at, wanted);
        out.emplace_back(path, wanted);
    }
    return ok;
}

bool read_blacklist(FieldReader& r, const Json& value, const std::string& pointer,
                    std::optional<std::vector<std::string>>& out) {
    std::vector<std::string> names;
    if (!r.items(value, pointer, "an array of file names", &FieldReader::non_empty, names)) {
        return false;
    }
    bool ok = true;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i].find('/') != std::string::npos || names[i] == "." || names[i] == "..") {
            r.error(child(pointer, i), "expected a file name, got " + quote(names[i]));
            ok = false;
        }
    }
    std::sort(names.begin(), names.end());
    if (std::adjacent_find(names.begin(), names.end()) != names.end()) {
        r.error(pointer, "a name is listed twice");
        ok = false;
    }
    out = std::move(names);
    return ok;
}

} // namespace

bool MailboxStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "a mailbox action", keys, ok)) {
        return false;
    }
    ok &= r.get(value, "user", pointer, true, &FieldReader::expandable, user);
    ok &= r.get(value, "count", pointer, &FieldReader::count, count);
    ok &= r.field(value, "blacklist", pointer, false, [&](const Json& v, const std::string& p) {
        return read_blacklist(r, v, p, blacklist);
    });
    ok &= r.field(value, "folders", pointer, false, [&](const Json& v, const std::string& p) {
        return read_folders(r, v, p, folders);
    });
    ok &= r.get(value, "content_regex", pointer, &FieldReader::regex, content_regex, true);
    // A regex that must not match captures nothing.
    ok &= r.get(value, "no_content_regex", pointer, &FieldReader::regex, no_content_regex, false);
    if (std::none_of(keys.begin() + 1, keys.end(),
                     [&](std::string_view key) { return value.contains(key); })) {
        r.error(pointer, "a mailbox step needs at least one check: count, blacklist, folders, "
                         "content_regex, no_content_regex");
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
    const bool contents = wanted || unwanted;
    return poll(context, who, describe_wanted(*this, who, wanted, unwanted), [&]() -> Part {
        Variables captures;
        Part part;
        if (contents) {
            part = look_at_contents(context, *this, who, wanted, unwanted, captures);
        } else if (count) {
            part = look_at_count(context, who, *count);
        }
        if (!part && blacklist) {
            part = look_at_blacklist(context, who, *blacklist);
        }
        if (!part && !folders.empty()) {
            part = look_at_folders(context, who, folders);
        }
        if (!part) {
            context.capture(std::move(captures));
        }
        return part;
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
    "blacklist": {
      "type": "array",
      "uniqueItems": true,
      "items": {
        "type": "string",
        "pattern": "^(?!\\.\\.?$)[^/\\u0000]+$"
      }
    },
    "folders": {
      "type": "object",
      "minProperties": 1,
      "propertyNames": {
        "$ref": "#/$defs/org_relative"
      },
      "additionalProperties": {
        "type": "boolean"
      }
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
        "blacklist"
      ]
    },
    {
      "required": [
        "folders"
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

Checks a user's mailbox in the fixture: `user` (required text) and at least one check. No
`session`. The check polls until every part holds or the step timeout passes, and then fails
with what the last look saw.

The spec defines a user's `messages/` folder and its `blacklist/`, but not how a server names or
formats the message files in it. So the portable checks look only at entries, and work with
every fixture host (a remote one observes them through the TF commands `LS` and `FSTAT`):

| key | holds when |
| --- | --- |
| `count` | `messages/` holds this many regular files whose names do not start with `.` (folders such as `blacklist/` are not counted; no `messages/` is 0) |
| `blacklist` | `messages/blacklist/` holds exactly the files named (any order; `[]`: none, or no such folder) |
| `folders` | object from a path inside the user's folder (`"."` is the user's folder itself) to `true`: it is a folder, or `false`: no folder of that name |

Two more checks assume how the target stores messages (one file each, whose content is
`timestamp:user:message`), and need a local fixture: `content_regex` (some message's content
matches; its named groups become captures) and `no_content_regex` (no message's content
matches). No scenario of the suite uses them. With a remote fixture (prepared through TF
commands) a step with either stops the case there as `skipped` ("mailbox check not observable
through ... (message contents: ...); every step before it passed"), never `pass`. It does not go
on, because a check also waits (it polls until it holds) and later steps may rely on that wait:
going on without it could fail a correct target.

```json
{"mailbox": {"user": "bob", "count": 1, "folders": {"messages/blacklist": true}}}
{"mailbox": {"user": "ghost", "folders": {".": false}}}
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
