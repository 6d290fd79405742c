// Tests of the canonical scenario layout (`xsime-conform fmt`): the rules on small examples,
// and on every file of the real scenarios/ folder that formatting is idempotent and keeps the
// JSON value exactly.
#include "harness/json_document.hpp"
#include "harness/scenario_layout.hpp"
#include "harness/scenario_loader.hpp"
#include "tests/support/files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <vector>

#ifndef XSIME_SCENARIOS_DIR
#error "XSIME_SCENARIOS_DIR must name the scenarios folder (set by tests/CMakeLists.txt)"
#endif

namespace xsime::harness {
namespace {

namespace fs = std::filesystem;

Json parse(const std::string& text) {
    auto read = read_json_document(text);
    if (auto* error = std::get_if<JsonSyntaxError>(&read)) {
        ADD_FAILURE() << error->message << " in " << text;
        return Json();
    }
    return std::get<JsonDocument>(std::move(read)).root;
}

std::string layout(const std::string& text) {
    return canonical_layout(parse(text));
}

// Code points, as the layout counts columns.
std::size_t columns(const std::string& line) {
    return static_cast<std::size_t>(std::count_if(line.begin(), line.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        out.push_back(line);
    }
    return out;
}

TEST(ScenarioLayout, TopLevelOneFieldPerLineShortStepsOnOneLine) {
    const std::string text =
        R"({"id":"a.b","clauses":["X","Y"],"fixture":{"users":["alice"]},"sessions":["s"],)"
        R"("steps":[{"session":"s","login":{"user":"alice"}},{"session":"s","exit":{}},)"
        R"({"session":"s","send":{"to":["bob"],"text":"hello"}}]})";
    EXPECT_EQ(layout(text), R"({
  "id": "a.b",
  "clauses": ["X", "Y"],
  "fixture": {"users": ["alice"]},
  "sessions": ["s"],
  "steps": [
    {"session": "s", "login": {"user": "alice"}},
    {"session": "s", "exit": {}},
    {"session": "s", "send": {"to": ["bob"], "text": "hello"}}
  ]
}
)");
}

TEST(ScenarioLayout, ValueThatFitsStaysOnOneLineEvenWhenNested) {
    EXPECT_EQ(layout(R"({"steps": [{"login": {"user": "alice"}}]})"),
              "{\n  \"steps\": [{\"login\": {\"user\": \"alice\"}}]\n}\n");
}

TEST(ScenarioLayout, LongStepIsBrokenOneMemberPerLine) {
    const std::string text =
        R"({"steps": [{"session": "bob", "expect": {"opcode": "message", "payload_regex": )"
        R"("(?<ts>[0-9]+):alice:hello"}, "note": "the push carries the receive time"}, )"
        R"({"session": "bob", "exit": {}}]})";
    EXPECT_EQ(layout(text), R"({
  "steps": [
    {
      "session": "bob",
      "expect": {"opcode": "message", "payload_regex": "(?<ts>[0-9]+):alice:hello"},
      "note": "the push carries the receive time"
    },
    {"session": "bob", "exit": {}}
  ]
}
)");
}

TEST(ScenarioLayout, NestedValuesBreakAgainWhenTheyStillDoNotFit) {
    const std::string long_a(50, 'a');
    const std::string long_b(50, 'b');
    const std::string text = R"({"steps": [{"any_of": [{"expect": {"payload": ")" + long_a +
                             R"(", "opcode": 5}}, {"expect": {"payload": ")" + long_b +
                             R"(", "note": "x"}}]}]})";
    EXPECT_EQ(layout(text), "{\n"
                            "  \"steps\": [\n"
                            "    {\n"
                            "      \"any_of\": [\n"
                            "        {\"expect\": {\"payload\": \"" +
                                long_a +
                                "\", \"opcode\": 5}},\n"
                                "        {\"expect\": {\"payload\": \"" +
                                long_b +
                                "\", \"note\": \"x\"}}\n"
                                "      ]\n"
                                "    }\n"
                                "  ]\n"
                                "}\n");
}

TEST(ScenarioLayout, KeyOrderIsKept) {
    EXPECT_EQ(layout(R"({"zeta": 1, "alpha": {"y": 1, "b": 2, "a": 3}, "mid": 2})"),
              "{\n  \"zeta\": 1,\n  \"alpha\": {\"y\": 1, \"b\": 2, \"a\": 3},\n  \"mid\": 2\n}\n");
}

TEST(ScenarioLayout, Utf8AndSlashAreWrittenAsIs) {
    EXPECT_EQ(layout("{\"text\": \"h\\u00e9llo \xe2\x9c\x93 \\/path/x \xf0\x9f\x98\x80\"}"),
              "{\n  \"text\": \"h\xc3\xa9llo \xe2\x9c\x93 /path/x \xf0\x9f\x98\x80\"\n}\n");
}

TEST(ScenarioLayout, ControlCharactersQuotesAndBackslashesAreEscaped) {
    EXPECT_EQ(layout(R"({"t": "a\u0001b\nc\td\"e\\f\u001fg\u007f"})"),
              "{\n  \"t\": \"a\\u0001b\\nc\\td\\\"e\\\\f\\u001fg\x7f\"\n}\n");
}

TEST(ScenarioLayout, EmptyContainersScalarsAndFloats) {
    EXPECT_EQ(layout("{}"), "{}\n");
    EXPECT_EQ(layout(R"({"a": {}, "b": [], "c": null, "d": true, "e": -3, "f": 1.5, "g": 1e300})"),
              "{\n  \"a\": {},\n  \"b\": [],\n  \"c\": null,\n  \"d\": true,\n  \"e\": -3,\n"
              "  \"f\": 1.5,\n  \"g\": 1e+300\n}\n");
    EXPECT_EQ(layout(R"([1, [2, 3], {"a": []}])"), "[1, [2, 3], {\"a\": []}]\n");
    EXPECT_EQ(layout(R"("just a string")"), "\"just a string\"\n");
    EXPECT_EQ(layout("18446744073709551615"), "18446744073709551615\n");
}

TEST(ScenarioLayout, EndsWithExactlyOneNewline) {
    const auto text = layout("{\"a\": 1}\n\n\n");
    ASSERT_GE(text.size(), 2u);
    EXPECT_EQ(text.back(), '\n');
    EXPECT_NE(text[text.size() - 2], '\n');
}

// `  "a": ["<s>", "b"],` is 17 columns plus s: 100 columns fit, 101 do not. The comma counts.
TEST(ScenarioLayout, OneHundredColumnsFitOneHundredAndOneDoNot) {
    const auto with = [](const std::string& s) {
        return R"({"a": [")" + s + R"(", "b"], "z": 0})";
    };
    const std::string fits(83, 'x');
    const auto one_line = layout(with(fits));
    EXPECT_EQ(one_line, "{\n  \"a\": [\"" + fits + "\", \"b\"],\n  \"z\": 0\n}\n");
    EXPECT_EQ(columns(lines(one_line)[1]), 100u);

    const std::string too_long(84, 'x');
    // Broken, and as an array of scalars filled: both members fit on the next line.
    EXPECT_EQ(layout(with(too_long)),
              "{\n  \"a\": [\n    \"" + too_long + "\", \"b\"\n  ],\n  \"z\": 0\n}\n");

    // The last field has no comma: one more column for the value.
    EXPECT_EQ(layout(R"({"a": [")" + too_long + R"(", "b"]})"),
              "{\n  \"a\": [\"" + too_long + "\", \"b\"]\n}\n");

    // Columns are characters, not bytes: 83 two-byte characters still fit.
    std::string accents;
    for (int i = 0; i < 83; ++i) {
        accents += "\xc3\xa9";
    }
    const auto accented = layout(with(accents));
    EXPECT_EQ(lines(accented).size(), 4u) << accented;
    EXPECT_EQ(columns(lines(accented)[1]), 100u);
}

TEST(ScenarioLayout, LongArraysOfScalarsAreFilledLikeText) {
    std::string users = "[";
    for (int i = 1; i <= 20; ++i) {
        users +=
            std::string(i > 1 ? ", " : "") + "\"u" + (i < 10 ? "0" : "") + std::to_string(i) + "\"";
    }
    users += "]";
    const auto text = layout(R"({"users": )" + users + "}");
    EXPECT_EQ(
        text,
        "{\n  \"users\": [\n"
        "    \"u01\", \"u02\", \"u03\", \"u04\", \"u05\", \"u06\", \"u07\", \"u08\", \"u09\", "
        "\"u10\", \"u11\", \"u12\", \"u13\",\n"
        "    \"u14\", \"u15\", \"u16\", \"u17\", \"u18\", \"u19\", \"u20\"\n  ]\n}\n");
    for (const auto& line : lines(text)) {
        EXPECT_LE(columns(line), 100u) << line;
    }
    // Mixed arrays (objects inside) are still one member per line.
    const auto mixed = layout(R"({"a": [1, {"k": ")" + std::string(100, 'v') + R"("}]})");
    EXPECT_EQ(mixed, "{\n  \"a\": [\n    1,\n    {\n      \"k\": \"" + std::string(100, 'v') +
                         "\"\n    }\n  ]\n}\n");
}

TEST(ScenarioLayout, LongStringsAreNeverSplit) {
    const std::string s(150, 'q');
    EXPECT_EQ(layout(R"({"requirement": ")" + s + R"("})"),
              "{\n  \"requirement\": \"" + s + "\"\n}\n");
    EXPECT_EQ(layout(R"({"steps": [{"note": ")" + s + R"("}]})"),
              "{\n  \"steps\": [\n    {\n      \"note\": \"" + s + "\"\n    }\n  ]\n}\n");
}

// Every *.json of the real scenarios/ folder (the suite's schema.json and clauses.json too).
std::vector<fs::path> scenario_files() {
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(XSIME_SCENARIOS_DIR)) {
        if (entry.is_regular_file() && entry.path().extension() == ".json") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

using test::read_file;

// A file loads to the same model before and after fmt: the same steps, written out the same
// way, each at the same pointer with the same session, round and note. (A pretty-printed copy
// stands for "before", since the shipped files are already canonical.)
TEST(ScenarioLayout, AFileLoadsToTheSameModelBeforeAndAfterFormatting) {
    for (const auto& file : scenario_files()) {
        if (file.filename() == "schema.json" || file.filename() == "clauses.json") {
            continue; // not scenarios
        }
        SCOPED_TRACE(file.string());
        auto read = read_json_document(read_file(file));
        ASSERT_TRUE(std::holds_alternative<JsonDocument>(read));
        const auto& root = std::get<JsonDocument>(read).root;
        const auto before = parse_scenario(root.dump(4), file);
        const auto after = parse_scenario(canonical_layout(root), file);
        ASSERT_TRUE(std::holds_alternative<Scenario>(before));
        ASSERT_TRUE(std::holds_alternative<Scenario>(after));
        const auto& a = std::get<Scenario>(before);
        const auto& b = std::get<Scenario>(after);
        EXPECT_EQ(a.id, b.id);
        EXPECT_EQ(a.sessions, b.sessions);
        EXPECT_EQ(a.fixture.users, b.fixture.users);
        ASSERT_EQ(a.steps.size(), b.steps.size());
        for (std::size_t i = 0; i < a.steps.size(); ++i) {
            EXPECT_EQ(a.steps[i].kind, b.steps[i].kind);
            EXPECT_EQ(a.steps[i].session, b.steps[i].session);
            EXPECT_EQ(a.steps[i].json_pointer, b.steps[i].json_pointer);
            EXPECT_EQ(a.steps[i].locals, b.steps[i].locals);
            EXPECT_EQ(a.steps[i].note, b.steps[i].note);
        }
    }
}

TEST(ScenarioLayout, RealScenariosKeepTheirValueAndFormattingIsIdempotent) {
    const auto files = scenario_files();
    ASSERT_GT(files.size(), 100u);
    for (const auto& file : files) {
        SCOPED_TRACE(file.string());
        auto read = read_json_document(read_file(file));
        ASSERT_TRUE(std::holds_alternative<JsonDocument>(read));
        const auto& original = std::get<JsonDocument>(read).root;
        const auto once = canonical_layout(original);
        const auto reread = read_json_document(once);
        ASSERT_TRUE(std::holds_alternative<JsonDocument>(reread)) << once;
        const auto& document = std::get<JsonDocument>(reread);
        EXPECT_TRUE(document.duplicates.empty());
        // ordered_json equality: the same values and the same key order.
        EXPECT_EQ(document.root, original);
        EXPECT_EQ(canonical_layout(document.root), once);
        EXPECT_EQ(layout(once), once);

        // A line longer than the limit holds a single scalar that cannot be split.
        for (const auto& line : lines(once)) {
            if (columns(line) <= layout_columns) {
                continue;
            }
            std::string rest = line.substr(line.find_first_not_of(' '));
            if (!rest.empty() && rest.back() == ',') {
                rest.pop_back();
            }
            if (rest.front() == '"' && rest.find("\": ") != std::string::npos) {
                const auto as_member = read_json_document("{" + rest + "}");
                if (std::holds_alternative<JsonDocument>(as_member)) {
                    rest = std::get<JsonDocument>(as_member).root.front().dump();
                }
            }
            const auto value = read_json_document(rest);
            ASSERT_TRUE(std::holds_alternative<JsonDocument>(value)) << line;
            EXPECT_TRUE(std::get<JsonDocument>(value).root.is_primitive()) << line;
        }
    }
}

} // namespace
} // namespace xsime::harness
