// Scenario files written in a test: a minimal valid scenario around given steps, and loading
// it the way the loader loads a file (with its errors listed for failure messages).
#pragma once

#include "harness/scenario_loader.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

namespace xsime::test {

// A scenario "t.case" (file t/case.json) with sessions `sessions`, users alice, bob and carol
// and these steps.
inline nlohmann::ordered_json scenario_with(nlohmann::ordered_json steps,
                                            nlohmann::ordered_json sessions = {"alice", "bob"}) {
    return {{"id", "t.case"},
            {"name", "a test case"},
            {"clauses", {"TEST"}},
            {"requirement", "a test"},
            {"level", "must"},
            {"keywords", {"test"}},
            {"fixture", {{"users", {"alice", "bob", "carol"}}}},
            {"sessions", std::move(sessions)},
            {"steps", std::move(steps)}};
}

inline std::variant<harness::Scenario, std::vector<harness::LoadError>>
load(const nlohmann::ordered_json& doc) {
    return harness::parse_scenario(doc.dump(), "t/case.json");
}

inline std::string listing(const std::vector<harness::LoadError>& errors) {
    std::string out;
    for (const auto& error : errors) {
        out += "  " + harness::format(error) + "\n";
    }
    return out.empty() ? "  (no error)\n" : out;
}

// The errors of `doc`; none when it loads.
inline std::vector<harness::LoadError> errors_of(const nlohmann::ordered_json& doc) {
    auto parsed = load(doc);
    if (auto* errors = std::get_if<std::vector<harness::LoadError>>(&parsed)) {
        return *errors;
    }
    return {};
}

// True when exactly one error was reported, at `pointer`, and its message contains `part`.
inline bool only_error(const std::vector<harness::LoadError>& errors, const std::string& pointer,
                       const std::string& part) {
    return errors.size() == 1 && errors[0].pointer == pointer &&
           errors[0].message.find(part) != std::string::npos;
}

} // namespace xsime::test
