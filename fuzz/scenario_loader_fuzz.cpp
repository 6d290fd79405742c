// libFuzzer target: the scenario loader names every rejection (file, JSON pointer, message), and
// an accepted file laid out as `fmt` does reloads to the same model with the same verdict.
#include "fuzz/fuzz_support.hpp"
#include "harness/json_document.hpp"
#include "harness/load_error.hpp"
#include "harness/scenario.hpp"
#include "harness/scenario_layout.hpp"
#include "harness/scenario_loader.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <typeinfo>
#include <variant>
#include <vector>

namespace {

using namespace xsime::harness;
using xsime::fuzz::require;

// The loader wants the id to be "<folder>.<stem>" of the file, so the file is named after the
// id when there is one (the seeds are real scenarios); anything else gets a fixed name.
std::filesystem::path file_for(const Json& root) {
    const std::filesystem::path fallback = "scenarios/fuzz/input.json";
    if (!root.is_object() || !root.contains("id") || !root.at("id").is_string()) {
        return fallback;
    }
    const auto id = root.at("id").get<std::string>();
    const auto dot = id.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == id.size()) {
        return fallback;
    }
    for (const char c : id) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
            return fallback;
        }
    }
    return std::filesystem::path("scenarios") / id.substr(0, dot) / (id.substr(dot + 1) + ".json");
}

// A JSON pointer that names the value or, for a missing field, its parent object.
bool points_into(const Json& root, const std::string& pointer) {
    try {
        const Json::json_pointer at(pointer);
        return root.contains(at) || root.contains(at.parent_pointer());
    } catch (const Json::exception&) {
        return false; // not a well-formed pointer
    }
}

void check_rejection(const std::vector<LoadError>& errors, const std::string& file,
                     const JsonDocument* doc) {
    require(!errors.empty(), "a rejection has errors");
    require(errors.size() <= max_errors_per_file + 1, "at most max_errors_per_file (+1) errors");
    for (const auto& error : errors) {
        require(error.file == file, "an error names the file");
        require(!error.message.empty(), "an error says what was expected");
        require(error.pointer.empty() || error.pointer.front() == '/',
                "an error's pointer is \"\" or starts with '/'");
        require(doc == nullptr || points_into(doc->root, error.pointer),
                "an error's pointer leads into the file");
    }
}

// Everything of the model a reload must keep, as text (steps: their kind, session, note,
// pointer, counters and the action's model type).
std::string summary(const Scenario& s) {
    std::string out = s.id + '\n' + s.name + '\n' + s.requirement + '\n' +
                      std::string(to_string(s.level)) + '\n' +
                      (s.subject == Subject::server ? "server" : "client") + '\n' +
                      (s.timeout_ms ? std::to_string(*s.timeout_ms) : "-") + '\n';
    for (const auto* list :
         {&s.clauses, &s.relies_on, &s.keywords, &s.sessions, &s.fixture.users, &s.fixture.dirs}) {
        for (const auto& item : *list) {
            out += item + ',';
        }
        out += '\n';
    }
    for (const auto& [user, blocked] : s.fixture.blacklist) {
        out += user + ':' + std::to_string(blocked.size()) + ',';
    }
    for (const auto& m : s.fixture.messages) {
        out += m.to + '|' + m.from + '|' + std::to_string(m.timestamp) + '|' + m.text + '\n';
    }
    for (const auto& link : s.fixture.links) {
        out += link.at + "->" + link.to + '\n';
    }
    for (const auto& step : s.steps) {
        require(step.action != nullptr, "every step has an action");
        const Action& action = *step.action;
        out += step.kind + '|' + step.session + '|' + step.note + '|' + step.json_pointer + '|' +
               typeid(action).name();
        for (const auto& [name, value] : step.locals) {
            out += '|' + name + '=' + value;
        }
        out += '\n';
    }
    return out;
}

void check_acceptance(const Scenario& scenario, const JsonDocument& doc,
                      const std::filesystem::path& file) {
    require(doc.duplicates.empty(), "a file with a repeated key is rejected");
    require(scenario.file == file &&
                scenario.id == file.parent_path().filename().string() + "." + file.stem().string(),
            "the id is <folder>.<stem>");
    require(!scenario.steps.empty(), "an accepted scenario has steps");
    const auto formatted = canonical_layout(doc.root);
    const auto reread = read_json_document(formatted);
    const auto* again = std::get_if<JsonDocument>(&reread);
    require(again != nullptr && again->root == doc.root && again->duplicates.empty(),
            "the canonical layout reads back to the same JSON");
    require(canonical_layout(again->root) == formatted, "the canonical layout is idempotent");
    const auto reloaded = parse_scenario(formatted, file);
    const auto* same = std::get_if<Scenario>(&reloaded);
    require(same != nullptr, "a formatted accepted file is accepted");
    require(summary(*same) == summary(scenario), "a formatted file loads to the same model");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    xsime::fuzz::FuzzInput in(data, size);
    const auto text = in.take_rest();

    const auto document = read_json_document(text);
    const auto* doc = std::get_if<JsonDocument>(&document);
    const std::filesystem::path file =
        doc != nullptr ? file_for(doc->root) : std::filesystem::path("scenarios/fuzz/input.json");
    const auto result = parse_scenario(text, file);
    if (const auto* errors = std::get_if<std::vector<LoadError>>(&result)) {
        check_rejection(*errors, file.generic_string(), doc);
        if (doc != nullptr && doc->duplicates.empty()) {
            // Layout is not meaning: the formatted file gets exactly the same errors.
            const auto reloaded = parse_scenario(canonical_layout(doc->root), file);
            const auto* again = std::get_if<std::vector<LoadError>>(&reloaded);
            require(again != nullptr && *again == *errors, "formatting keeps the errors");
        }
        return 0;
    }
    require(doc != nullptr, "an accepted file is valid JSON");
    check_acceptance(std::get<Scenario>(result), *doc, file);
    return 0;
}
