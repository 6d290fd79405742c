// Generating the step kinds' parts of the schema and of FORMAT.md from the registry.
#include "harness/step_docs.hpp"

#include "harness/json_document.hpp"
#include "harness/steps/step_kind.hpp"

namespace xsime::harness {

std::variant<std::string, StepDocsError> with_step_schemas(const std::string& schema_text) {
    auto document = read_json_document(schema_text);
    if (auto* error = std::get_if<JsonSyntaxError>(&document)) {
        return StepDocsError{"schema.json: " + error->message};
    }
    Json schema = std::get<JsonDocument>(std::move(document)).root;
    if (!schema.is_object() || !schema.contains("$defs") || !schema["$defs"].is_object()) {
        return StepDocsError{"schema.json: no \"$defs\" object"};
    }
    Json defs = Json::object();
    for (auto& [key, value] : schema["$defs"].items()) {
        if (!key.starts_with("action_") && key != "step") {
            defs[key] = value;
        }
    }
    Json alternatives = Json::array();
    for (const auto* kind : step_kinds()) {
        auto fragment = read_json_document(kind->schema);
        if (auto* error = std::get_if<JsonSyntaxError>(&fragment)) {
            return StepDocsError{"the schema of step kind " + std::string(kind->key) + ": " +
                                 error->message};
        }
        const std::string name = "action_" + std::string(kind->key);
        defs[name] = std::get<JsonDocument>(std::move(fragment)).root;
        Json properties = Json::object();
        if (kind->uses_session) {
            properties["session"] = {{"$ref", "#/$defs/session_ref"},
                                     {"description", "A declared session; may be omitted when "
                                                     "exactly one is declared."}};
        }
        properties["note"] = {{"type", "string"}, {"description", "Free text shown in failures."}};
        properties[std::string(kind->key)] = {{"$ref", "#/$defs/" + name}};
        alternatives.push_back({{"type", "object"},
                                {"additionalProperties", false},
                                {"required", {kind->key}},
                                {"properties", properties}});
    }
    defs["step"] = {{"description", "Exactly one action key, plus optional session and note."},
                    {"oneOf", alternatives}};
    schema["$defs"] = defs;
    return schema.dump(2, ' ', false) + "\n";
}

std::variant<std::string, StepDocsError> with_step_sections(const std::string& format_text) {
    const auto begin = format_text.find(step_sections_begin);
    const auto end = format_text.find(step_sections_end);
    if (begin == std::string::npos || end == std::string::npos || end < begin) {
        return StepDocsError{std::string("FORMAT.md: the markers \"") + step_sections_begin +
                             "\" and \"" + step_sections_end + "\" are missing or out of order"};
    }
    std::string sections;
    for (const auto* kind : step_kinds()) {
        const std::string heading = "### " + std::string(kind->key) + "\n";
        if (!kind->doc.starts_with(heading)) {
            return StepDocsError{"the doc of step kind " + std::string(kind->key) +
                                 " must start with \"" + heading.substr(0, heading.size() - 1) +
                                 "\""};
        }
        sections += std::string(kind->doc);
        if (!sections.ends_with("\n")) {
            sections += "\n";
        }
        sections += "\n";
    }
    const auto after_begin = begin + std::string_view(step_sections_begin).size();
    return format_text.substr(0, after_begin) + "\n\n" + sections + format_text.substr(end);
}

} // namespace xsime::harness
