// The parts of scenarios/schema.json and scenarios/FORMAT.md that the step kinds own, made from
// the kinds themselves (harness/steps/): the tool tools/step_docs writes them, a test checks them.
#pragma once

#include <string>
#include <variant>

namespace xsime::harness {

struct StepDocsError {
    std::string message;
};

// schema.json's text with $defs/action_<key> (each kind's fragment, in registry order, after
// the shared $defs) and $defs/step (one alternative per kind) made anew; the rest is kept.
std::variant<std::string, StepDocsError> with_step_schemas(const std::string& schema_text);

// FORMAT.md's text with everything between the step-kind markers replaced by the kinds'
// sections, in registry order.
std::variant<std::string, StepDocsError> with_step_sections(const std::string& format_text);

// The markers around the generated sections in FORMAT.md.
inline constexpr const char* step_sections_begin =
    "<!-- step kinds: generated from harness/steps/ by tools/step_docs; edit them there -->";
inline constexpr const char* step_sections_end = "<!-- end of step kinds -->";

} // namespace xsime::harness
