// A scenario file's top level and its steps -> the scenario model; each step's action is read
// by its kind (harness/steps/), and every mistake is reported with file and pointer.
#include "harness/scenario_loader.hpp"

#include "harness/field_reader.hpp"
#include "harness/json_document.hpp"
#include "harness/matcher.hpp"
#include "harness/steps/step_kind.hpp"

#include <algorithm>
#include <array>
#include <boost/regex.hpp>
#include <set>

namespace xsime::harness {

namespace {

// "$schema" lets an editor find scenarios/schema.json; the loader ignores its value.
constexpr std::array<std::string_view, 13> top_keys = {
    "$schema", "id",       "name",       "clauses", "relies_on", "requirement", "level",
    "subject", "keywords", "timeout_ms", "fixture", "sessions",  "steps"};

const boost::regex& id_pattern() {
    static const boost::regex pattern(R"(^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$)",
                                      boost::regex::perl);
    return pattern;
}
const boost::regex& clause_pattern() {
    static const boost::regex pattern(R"(^[A-Z0-9][A-Z0-9-]*$)", boost::regex::perl);
    return pattern;
}
const boost::regex& session_pattern() {
    static const boost::regex pattern(R"(^[a-z][a-z0-9_-]*$)", boost::regex::perl);
    return pattern;
}

// Every registered action key, once: each step of every file is checked against them.
const std::vector<std::string>& all_action_keys() {
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> out;
        for (const auto* kind : step_kinds()) {
            out.emplace_back(kind->key);
        }
        return out;
    }();
    return keys;
}

class ScenarioReader {
public:
    ScenarioReader(FieldReader& r, std::filesystem::path file) : r_(r), file_(std::move(file)) {}
    std::optional<Scenario> scenario(const Json& doc);

private:
    bool id(const Json& doc, Scenario& out);
    bool clause_ids(const Json& doc, const char* key, bool required, bool may_be_empty,
                    std::vector<std::string>& out);
    bool relies_on(const Json& doc, Scenario& out);
    bool subject(const Json& doc, Scenario& out);
    bool sessions(const Json& doc, Scenario& out);
    bool steps(const Json& value, const std::string& pointer, const Variables& locals,
               std::vector<Step>& out);
    bool step(const Json& value, const std::string& pointer, const Variables& locals,
              std::vector<Step>& out);
    bool step_session(const Json& value, const std::string& pointer, const StepKind& kind,
                      const Variables& locals, Step& out);
    std::string subject_mismatch(const StepKind& kind) const;

    FieldReader& r_;
    std::filesystem::path file_;
    // Valid declared sessions; steps are checked against them only when those are valid, so
    // that one mistake there does not repeat in every step.
    std::optional<std::vector<std::string>> sessions_;
    Subject subject_ = Subject::server; // steps are read after it
};

bool ScenarioReader::id(const Json& doc, Scenario& out) {
    if (!r_.get(doc, "id", "", true, &FieldReader::string, out.id)) {
        return false;
    }
    if (!boost::regex_match(out.id, id_pattern())) {
        r_.error("/id", "expected an id like \"area.name\" (lower-case letters, digits and '-', "
                        "at least two '.'-separated parts), got " +
                            quote(out.id));
        return false;
    }
    // A failing id in a report leads to its file: <area folder>/<id's name>.json.
    const auto area = file_.parent_path().filename().string();
    const auto wanted = area + "." + file_.stem().string();
    if (out.id != wanted) {
        r_.error("/id", "the id must be <area folder>.<file name without .json>, here " +
                            quote(wanted) + ", got " + quote(out.id) +
                            " (rename the file or change the id)");
        return false;
    }
    return true;
}

bool ScenarioReader::clause_ids(const Json& doc, const char* key, bool required, bool may_be_empty,
                                std::vector<std::string>& out) {
    const auto read = may_be_empty ? &FieldReader::strings : &FieldReader::names;
    if (!r_.get(doc, key, "", required, read, out)) {
        return false;
    }
    bool ok = true;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (!boost::regex_match(out[i], clause_pattern())) {
            r_.error(child(std::string("/") + key, i),
                     "expected a clause ID (upper-case letters, digits and '-', e.g. "
                     "\"PUSH-FORMAT\"), got " +
                         quote(out[i]));
            ok = false;
        }
    }
    return ok;
}

// What a scenario needs but does not check; a clause it checks is not also relied on, because
// a failure of that clause is the scenario's own finding, never a consequence.
bool ScenarioReader::subject(const Json& doc, Scenario& out) {
    std::string text = "server";
    if (!r_.get(doc, "subject", "", false, &FieldReader::string, text)) {
        return false;
    }
    if (text != "server" && text != "client") {
        r_.error("/subject", "expected a subject: server or client, got " + quote(text));
        return false;
    }
    out.subject = text == "client" ? Subject::client : Subject::server;
    subject_ = out.subject;
    if (out.subject == Subject::client && doc.contains("fixture")) {
        // The harness plays the server: there is no mailbox of someone else's to prepare.
        r_.error("/fixture", "a client scenario has no fixture (the harness plays the server)");
        return false;
    }
    return true;
}

std::string ScenarioReader::subject_mismatch(const StepKind& kind) const {
    std::vector<std::string> allowed;
    for (const auto* other : step_kinds()) {
        if (kind_allowed(*other, subject_)) {
            allowed.emplace_back(other->key);
        }
    }
    const bool client = subject_ == Subject::client;
    return "a " + std::string(kind.key) + " step belongs in a " + (client ? "server" : "client") +
           " scenario; this scenario's subject is " + (client ? "client" : "server") +
           " (its steps: " + join(allowed) + ")";
}

bool ScenarioReader::relies_on(const Json& doc, Scenario& out) {
    if (!clause_ids(doc, "relies_on", false, true, out.relies_on)) {
        return false;
    }
    bool ok = true;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < out.relies_on.size(); ++i) {
        const auto& id = out.relies_on[i];
        if (std::find(out.clauses.begin(), out.clauses.end(), id) != out.clauses.end()) {
            r_.error(child("/relies_on", i), quote(id) +
                                                 " is in \"clauses\": a scenario "
                                                 "relies only on clauses it does not check");
            ok = false;
        } else if (!seen.insert(id).second) {
            r_.error(child("/relies_on", i), quote(id) + " is listed twice");
            ok = false;
        }
    }
    return ok;
}

bool ScenarioReader::sessions(const Json& doc, Scenario& out) {
    if (!r_.get(doc, "sessions", "", true, &FieldReader::names, out.sessions)) {
        return false;
    }
    bool all = true;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < out.sessions.size(); ++i) {
        const auto& name = out.sessions[i];
        if (!boost::regex_match(name, session_pattern())) {
            r_.error(child("/sessions", i), "expected a session name (lower-case letter, then "
                                            "letters, digits, '_' or '-'), got " +
                                                quote(name));
            all = false;
        } else if (!seen.insert(name).second) {
            r_.error(child("/sessions", i), "session " + quote(name) + " is declared twice");
            all = false;
        }
    }
    if (all) {
        sessions_ = out.sessions;
    }
    return all;
}

bool ScenarioReader::step_session(const Json& value, const std::string& pointer,
                                  const StepKind& kind, const Variables& locals, Step& out) {
    const std::string at = child(pointer, "session");
    if (!value.contains("session")) {
        if (!kind.uses_session || !sessions_) {
            return true;
        }
        if (sessions_->size() == 1) {
            out.session = sessions_->front();
            return true;
        }
        r_.error(at, "required field \"session\" is missing: it may be omitted only when exactly "
                     "one session is declared (declared: " +
                         join(*sessions_) + ")");
        return false;
    }
    if (!kind.uses_session) {
        r_.error(at, "a " + std::string(kind.key) +
                         " step has no session (it does not use a connection)");
        return false;
    }
    if (!r_.string(value.at("session"), at, out.session)) {
        return false;
    }
    // Inside a repeat, "u${i:02}" names a session per round; nothing else expands here.
    auto expanded = expand(out.session, Variables{}, locals);
    if (auto* error = std::get_if<ExpandError>(&expanded)) {
        r_.error(at, "a session name may use only a repeat's counter: " + error->reason);
        return false;
    }
    out.session = std::get<std::string>(std::move(expanded));
    if (sessions_ &&
        std::find(sessions_->begin(), sessions_->end(), out.session) == sessions_->end()) {
        r_.error(at, "session " + quote(out.session) + " is not declared in \"sessions\" (" +
                         join(*sessions_) + ")");
        return false;
    }
    return true;
}

bool ScenarioReader::step(const Json& value, const std::string& pointer, const Variables& locals,
                          std::vector<Step>& out) {
    if (!r_.is_object(value, pointer, "a step")) {
        return false;
    }
    const auto& keys = all_action_keys();
    static const std::vector<std::string_view> step_keys = [&] {
        std::vector<std::string_view> all = {"session", "note"};
        all.insert(all.end(), keys.begin(), keys.end());
        return all;
    }();
    bool ok = r_.known_keys(value, pointer, step_keys, "a step");
    std::vector<std::string> actions;
    for (const auto& key : keys) {
        if (value.contains(key)) {
            actions.push_back(key);
        }
    }
    if (actions.size() != 1) {
        r_.error(pointer, "a step has exactly one action key (" + join(keys) + "), got " +
                              (actions.empty() ? std::string("none") : join(actions)));
        return false;
    }
    const auto& kind = *find_step_kind(actions.front());
    if (!kind_allowed(kind, subject_)) {
        r_.error(child(pointer, actions.front()), subject_mismatch(kind));
        return false;
    }
    Step one;
    one.kind = actions.front();
    one.json_pointer = pointer;
    one.locals = locals;
    ok &= r_.get(value, "note", pointer, false, &FieldReader::string, one.note);
    if (!locals.empty()) {
        // "message ${i} of 30" reads as its round in a failure; other ${} stay as written.
        if (auto note = expand(one.note, Variables{}, locals);
            std::holds_alternative<std::string>(note)) {
            one.note = std::get<std::string>(std::move(note));
        }
    }
    ok &= step_session(value, pointer, kind, locals, one);
    const std::string at = child(pointer, one.kind);
    if (kind.read_block) {
        // A nested block sees the enclosing blocks' counters too.
        const StepListReader list{[this, &locals](const Json& v, const std::string& p,
                                                  const Variables& l, std::vector<Step>& o) {
            Variables scope = l;
            scope.insert(locals.begin(), locals.end());
            return steps(v, p, scope, o);
        }};
        return kind.read_block(r_, list, value.at(one.kind), at, out) && ok;
    }
    r_.begin_step();
    auto action = kind.read(r_, value.at(one.kind), at);
    r_.end_step();
    if (!action || !ok) {
        return false;
    }
    one.action = std::move(action);
    out.push_back(std::move(one));
    return true;
}

bool ScenarioReader::steps(const Json& value, const std::string& pointer, const Variables& locals,
                           std::vector<Step>& out) {
    if (!value.is_array()) {
        r_.error(pointer, "expected an array of steps, got " + describe(value));
        return false;
    }
    if (value.empty()) {
        r_.error(pointer, "expected a non-empty array");
        return false;
    }
    bool all = true;
    for (std::size_t i = 0; i < value.size(); ++i) {
        all &= step(value[i], child(pointer, i), locals, out);
    }
    return all;
}

std::optional<Scenario> ScenarioReader::scenario(const Json& doc) {
    if (!doc.is_object()) {
        r_.error("", "a scenario file holds one JSON object, got " + describe(doc));
        return std::nullopt;
    }
    Scenario out;
    bool ok = r_.known_keys(doc, "", top_keys, "a scenario");
    std::string ignored;
    ok &= r_.get(doc, "$schema", "", false, &FieldReader::string, ignored);
    ok &= id(doc, out);
    ok &= r_.get(doc, "name", "", true, &FieldReader::non_empty, out.name);
    if (out.name.find_first_of("\r\n") != std::string::npos) {
        r_.error("/name", "a name is one line; it holds a line break");
        ok = false;
    }
    ok &= clause_ids(doc, "clauses", true, false, out.clauses);
    ok &= relies_on(doc, out);
    ok &= r_.get(doc, "requirement", "", true, &FieldReader::non_empty, out.requirement);
    ok &= r_.field(doc, "level", "", true, [&](const Json& v, const std::string& p) {
        std::string text;
        if (!r_.string(v, p, text)) {
            return false;
        }
        const auto level = parse_level(text);
        if (!level) {
            r_.error(p, "expected a level: must, should or interop, got " + quote(text));
            return false;
        }
        out.level = *level;
        return true;
    });
    ok &= subject(doc, out);
    ok &= r_.get(doc, "keywords", "", true, &FieldReader::names, out.keywords);
    ok &= r_.get(doc, "timeout_ms", "", &FieldReader::positive_u32, out.timeout_ms);
    ok &= r_.get(doc, "fixture", "", false, &FieldReader::fixture, out.fixture);
    ok &= sessions(doc, out);
    ok &= r_.field(doc, "steps", "", true,
                   [&](const Json& v, const std::string& p) { return steps(v, p, {}, out.steps); });
    if (!ok || !r_.errors.empty()) {
        return std::nullopt;
    }
    return out;
}

} // namespace

std::string format(const LoadError& error) {
    if (error.pointer.empty()) {
        return error.file + ": " + error.message;
    }
    return error.file + ": " + error.pointer + ": " + error.message;
}

std::vector<std::string> step_action_keys() {
    return all_action_keys();
}

std::vector<std::string> capture_names(const std::string& regex) {
    return named_groups(regex);
}

std::variant<Scenario, std::vector<LoadError>> parse_scenario(std::string_view json_text,
                                                              const std::filesystem::path& file) {
    const std::string name = file.generic_string();
    auto document = read_json_document(json_text);
    if (auto* syntax = std::get_if<JsonSyntaxError>(&document)) {
        return std::vector<LoadError>{{name, "", syntax->message}};
    }
    const auto& doc = std::get<JsonDocument>(document);
    FieldReader reader(name);
    for (const auto& [pointer, key] : doc.duplicates) {
        reader.error(pointer, "key " + quote(key) +
                                  " appears twice in one object (JSON keeps only the last)");
    }
    auto scenario = ScenarioReader(reader, file).scenario(doc.root);
    if (!scenario || !reader.errors.empty()) {
        return std::move(reader.errors);
    }
    scenario->file = file;
    return std::move(*scenario);
}

} // namespace xsime::harness
