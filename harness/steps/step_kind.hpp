// A kind of step, in one place: how the loader reads it, its JSON Schema fragment and its
// FORMAT.md section; the action it reads runs itself (action.hpp). registry.cpp lists them.
#pragma once

#include "harness/field_reader.hpp"
#include "harness/json_document.hpp"
#include "harness/scenario.hpp"

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xsime::harness {

// What a block kind (repeat) may ask of the loader: read a nested list of steps, with the
// given locals (its counter) defined while they are read.
struct StepListReader {
    std::function<bool(const Json& steps, const std::string& pointer, const Variables& locals,
                       std::vector<Step>& out)>
        read;
};

struct StepKind {
    std::string_view key; // the action key in a step: "login"
    // false: acts on the fixture or the clock (mailbox, sleep), never names a session.
    bool uses_session = true;
    // The subjects whose scenarios may use it: the harness as client (server under test), the
    // harness as server (client under test), or both (raw bytes, closing, the clock).
    enum class For { server, client, both };
    For subject = For::server;
    // Reads the action's value at `pointer`; nullptr after reporting every mistake.
    std::function<std::unique_ptr<Action>(FieldReader&, const Json&, const std::string& pointer)>
        read;
    // Instead of `read`, a block kind turns its value into steps at load time.
    std::function<bool(FieldReader&, const StepListReader&, const Json&, const std::string& pointer,
                       std::vector<Step>& out)>
        read_block;
    // The JSON Schema of the action's value: scenarios/schema.json's $defs/action_<key>.
    std::string_view schema;
    // Its section of scenarios/FORMAT.md, starting with "### <key>".
    std::string_view doc;
};

// Whether a scenario about `subject` may use `kind`.
bool kind_allowed(const StepKind& kind, Subject subject);

// Every kind, in the order FORMAT.md documents them.
std::span<const StepKind* const> step_kinds();
const StepKind* find_step_kind(std::string_view key);

// Reads the action object of a kind whose model T has a `bool read(FieldReader&, const Json&,
// const std::string&)` member: the usual shape of `StepKind::read`.
template <class T>
std::unique_ptr<Action> read_action(FieldReader& reader, const Json& value,
                                    const std::string& pointer) {
    auto action = std::make_unique<T>();
    if (!action->read(reader, value, pointer)) {
        return nullptr;
    }
    return action;
}

} // namespace xsime::harness
