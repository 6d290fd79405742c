// Every registered step kind has its schema entry and its FORMAT.md section, nothing in either
// is unregistered, and both files are what tools/step_docs makes from the kinds.
#include "harness/step_docs.hpp"
#include "harness/steps/step_kind.hpp"
#include "tests/support/files.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>

namespace xsime::harness {
namespace {

const std::filesystem::path source_dir = XSIME_SOURCE_DIR;

std::set<std::string> registered() {
    std::set<std::string> keys;
    for (const auto* kind : step_kinds()) {
        EXPECT_TRUE(keys.insert(std::string(kind->key)).second)
            << "registered twice: " << kind->key;
        EXPECT_NE(static_cast<bool>(kind->read), static_cast<bool>(kind->read_block))
            << kind->key << ": exactly one of read and read_block";
        EXPECT_EQ(find_step_kind(kind->key), kind);
    }
    return keys;
}

TEST(StepRegistry, SchemaHasAnEntryPerKindAndNoOther) {
    const auto schema =
        nlohmann::json::parse(test::read_file(source_dir / "scenarios/schema.json"));
    const auto& defs = schema.at("$defs");
    std::set<std::string> actions;
    for (const auto& [name, value] : defs.items()) {
        if (name.starts_with("action_")) {
            actions.insert(name.substr(7));
        }
    }
    std::set<std::string> alternatives;
    for (const auto& alternative : defs.at("step").at("oneOf")) {
        alternatives.insert(alternative.at("required").at(0).get<std::string>());
    }
    EXPECT_EQ(actions, registered());
    EXPECT_EQ(alternatives, registered());
}

TEST(StepRegistry, FormatDocHasASectionPerKindAndNoOther) {
    const auto doc = test::read_file(source_dir / "scenarios/FORMAT.md");
    const auto begin = doc.find(step_sections_begin);
    const auto end = doc.find(step_sections_end);
    ASSERT_NE(begin, std::string::npos);
    ASSERT_NE(end, std::string::npos);
    const auto region = doc.substr(begin, end - begin);
    std::set<std::string> headings;
    for (std::size_t at = region.find("\n### "); at != std::string::npos;
         at = region.find("\n### ", at + 1)) {
        const auto start = at + 5;
        headings.insert(region.substr(start, region.find('\n', start) - start));
    }
    EXPECT_EQ(headings, registered());
}

TEST(StepRegistry, SchemaAndFormatDocAreUpToDate) {
    const auto schema = test::read_file(source_dir / "scenarios/schema.json");
    const auto made_schema = with_step_schemas(schema);
    ASSERT_TRUE(std::holds_alternative<std::string>(made_schema))
        << std::get<StepDocsError>(made_schema).message;
    EXPECT_TRUE(std::get<std::string>(made_schema) == schema)
        << "scenarios/schema.json is out of date: run build/<preset>/tools/step_docs .";
    const auto doc = test::read_file(source_dir / "scenarios/FORMAT.md");
    const auto made_doc = with_step_sections(doc);
    ASSERT_TRUE(std::holds_alternative<std::string>(made_doc))
        << std::get<StepDocsError>(made_doc).message;
    EXPECT_TRUE(std::get<std::string>(made_doc) == doc)
        << "scenarios/FORMAT.md is out of date: run build/<preset>/tools/step_docs .";
}

TEST(StepRegistry, MissingMarkersAreAnError) {
    EXPECT_TRUE(std::holds_alternative<StepDocsError>(with_step_sections("# no markers\n")));
    EXPECT_TRUE(std::holds_alternative<StepDocsError>(with_step_schemas("{\"$defs\": 5}")));
}

} // namespace
} // namespace xsime::harness
