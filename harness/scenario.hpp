// The scenario model: what a scenario file says, after loading and validation.
// scenarios/FORMAT.md documents the JSON; the loader (scenario_loader.hpp) builds this.
#pragma once

#include "harness/expand.hpp"
#include "harness/level.hpp"
#include "harness/steps/action.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
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
// Every string field of a step may hold ${} references, expanded when the step runs: ${org}
// (the scenario's org unit, e.g. "xc-delivery-basic-1a2b"), every capture, and inside a
// repeat its counter. Each kind of step is one file in harness/steps/ (registry.cpp lists them).

struct Bytes {
    std::string value; // raw bytes, from "text" (UTF-8 as is), "hex", "frame" or "fill"
    // Bytes from "hex", "frame" or "fill" are sent exactly as written: never ${}-expanded
    // (binary bytes may happen to contain "${" or "$$"). Text sources are expanded.
    bool literal = false;
};

// A number written as is, or as ${} text that gives one when the step runs ("${t1+1}").
struct NumberSource {
    std::uint64_t value = 0;
    std::string reference; // empty: `value` as written
};

struct Step {
    std::string kind;    // the action key as written: "login", "restart", ...
    std::string session; // named session; opened (connected) on first use
    std::shared_ptr<const Action> action;
    std::string note;         // free text from the file, shown in failures
    std::string json_pointer; // where the step is in its file, e.g. "/steps/3"
    Variables locals;         // inside a repeat: its counter ("i" -> "4")

    // The action as its model type (harness/steps/<kind>_step.hpp), or nullptr.
    template <class T>
    const T* as() const {
        return dynamic_cast<const T*>(action.get());
    }
};

// Who is under test: a server (the harness is its client) or a client (the harness plays the
// server and drives the client through its driver program, docs/client-driver.md).
enum class Subject { server, client };

struct Scenario {
    std::string id;                   // "<area folder>.<file stem>", e.g. "delivery.one-recipient"
    std::string name;                 // one line
    std::vector<std::string> clauses; // what it checks
    std::vector<std::string> relies_on; // what else must hold for it to pass (not checked)
    std::string requirement;            // the quoted spec sentence
    Level level = Level::must;
    Subject subject = Subject::server;
    std::vector<std::string> keywords;
    Fixture fixture;
    std::vector<std::string> sessions; // declared names, in order
    std::vector<Step> steps;
    std::optional<std::uint32_t> timeout_ms; // whole scenario; default from the run
    std::filesystem::path file;

    std::string area() const { return id.substr(0, id.find('.')); }
};

} // namespace xsime::harness
