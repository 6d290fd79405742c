// The scenario model: what a scenario file says, after loading and validation.
// scenarios/FORMAT.md documents the JSON; the loader (scenario_loader.hpp) builds this.
#pragma once

#include "harness/level.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace xsime::harness {

// ---- fixture: the mailbox a scenario needs, inside its own fresh org unit ----

struct FixtureMessage {
    std::string to;              // recipient user
    std::string from;            // sender named in the content
    std::uint64_t timestamp = 0; // Unix seconds; also the leading digits of the file name
    std::string text;
};

struct FixtureLink {
    std::string at; // path relative to the org unit where the symlink is made
    std::string to; // symlink target, written as is (may be relative, may leave the root)
};

struct Fixture {
    std::vector<std::string> users;                            // folders in the org unit
    std::map<std::string, std::vector<std::string>> blacklist; // user -> blocked senders
    std::vector<FixtureMessage> messages;                      // already in messages/
    std::vector<std::string> dirs;                             // extra folders (org-relative)
    std::vector<FixtureLink> links;
};

// ---- steps ----
// Every string field of a step may hold ${name} references, expanded when the step runs:
// ${org} (the scenario's org unit, e.g. "xc-delivery-basic-1a2b"), and every capture.

struct Bytes {
    std::string value; // raw bytes, from "text" (UTF-8 as is) or "hex" in the file
    // Bytes from "hex" or "frame" are sent exactly as written: never ${}-expanded (binary
    // bytes may happen to contain "${" or "$$"). Text sources are expanded.
    bool literal = false;
};

// Opcode 4, then 1 and 2, each reply checked (0), optionally opcode 7; enters the module
// with XSIME_START first unless the session is already in it.
struct LoginStep {
    std::string user;
    std::optional<std::string> org_unit; // default "/${org}"
    std::int32_t flags = 0;              // 1 unique user | 2 auto delete
    std::uint64_t timestamp = 0;
    std::optional<std::uint64_t> interval_ns;
};

struct StartStep { // XSIME_START (also "restart"); the reply must match
    std::string expect_reply = "OK";
};
struct TfCommandStep { // any TF command at the command level
    std::string command;
    std::optional<std::string> expect_reply; // exact; absent: any reply
};
struct SetupStep {
    std::int32_t flags = 0;
    std::uint64_t timestamp = 0;
};
struct PathStep { // opcode 1 (org unit) or 2 (user); the status reply is checked
    std::uint8_t opcode = 1;
    std::string path;
    std::int32_t expect_status = 0; // 0 or -1
};
struct IntervalStep {
    std::uint64_t nanoseconds = 0;
};
struct SendStep { // opcode 5 from the client
    std::vector<std::string> to;
    Bytes text;
    std::optional<Bytes> payload; // instead of to/text: the payload exactly
};
struct ExitStep { // opcode 0; pushes that arrive before the echo are allowed and kept
    bool allow_pushes = true;
};

// What one received event must look like.
struct FrameMatch {
    std::optional<std::uint8_t> opcode;
    std::optional<std::int32_t> sz;
    std::optional<Bytes> payload;             // exact
    std::optional<std::string> payload_regex; // whole payload (Perl syntax, named groups
                                              // (?<name>...) become captures)
    // Push fields: the payload parsed as timestamp:user:message.
    std::optional<std::string> from;
    std::optional<Bytes> text;
    std::optional<std::string> text_regex;
    // The push timestamp is within this many seconds of the harness's clock (the
    // server stamps "the moment in which the server received the message").
    std::optional<std::uint32_t> timestamp_within_s;
};

struct ExpectStep {
    FrameMatch match;
    std::optional<std::uint32_t> within_ms; // default: the step timeout
    // Pushes that do not match are skipped instead of failing (a session that is also
    // receiving other traffic). Off by default: the next frame must match.
    bool skip_pushes = false;
};
struct ExpectNothingStep {
    std::uint32_t ms = 0;
};
struct ExpectCloseStep {
    std::uint32_t within_ms = 2000;
};
// One received event may legitimately be one of several things.
struct AnyOfStep {
    std::vector<std::variant<ExpectStep, ExpectCloseStep>> alternatives;
};

struct MailboxStep { // checks a user's messages/ folder; needs a local fixture
    std::string user;
    std::optional<std::size_t> count;            // regular files not starting with '.'
    std::optional<std::string> content_regex;    // some message's content matches
    std::optional<std::string> no_content_regex; // no message's content matches
};

struct SendRawStep {
    Bytes bytes;
};
struct SendChunksStep { // the same bytes in pieces, with a pause between them
    std::vector<Bytes> chunks;
    std::uint32_t delay_ms = 0;
};
struct CloseStep {};
struct SleepStep {
    std::uint32_t ms = 0;
};

using StepAction =
    std::variant<LoginStep, StartStep, TfCommandStep, SetupStep, PathStep, IntervalStep, SendStep,
                 ExitStep, ExpectStep, ExpectNothingStep, ExpectCloseStep, AnyOfStep, MailboxStep,
                 SendRawStep, SendChunksStep, CloseStep, SleepStep>;

struct Step {
    std::string session; // named session; opened (connected) on first use
    StepAction action;
    std::string note;         // free text from the file, shown in failures
    std::string json_pointer; // where the step is in its file, e.g. "/steps/3"
};

struct Scenario {
    std::string id;   // stable, "area.name" (area = first component)
    std::string name; // one line
    std::vector<std::string> clauses;
    std::string requirement; // the quoted spec sentence
    Level level = Level::must;
    std::vector<std::string> keywords;
    Fixture fixture;
    std::vector<std::string> sessions; // declared names, in order
    std::vector<Step> steps;
    std::optional<std::uint32_t> timeout_ms; // whole scenario; default from the run
    std::filesystem::path file;

    std::string area() const { return id.substr(0, id.find('.')); }
};

} // namespace xsime::harness
