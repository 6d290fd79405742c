// The JSON reporter: document shape, byte handling, and agreement with the project's
// reports/json-report.schema.json (checked by a small validator below, no new dependency).
#include "reports/json_reporter.hpp"
#include "tests/support/case_results.hpp"

#include <algorithm>
#include <boost/regex.hpp>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

using nlohmann::json;
using xsime::harness::Baseline;
using xsime::harness::CaseResult;
using xsime::harness::Level;
using xsime::harness::RunResult;
using xsime::harness::summarize;
using xsime::harness::TranscriptEntry;
using xsime::harness::Verdict;
using xsime::reports::write_json;
using namespace std::chrono_literals;
using namespace std::string_literals;

json load_schema() {
    std::ifstream in(std::filesystem::path(XSIME_REPORTS_DIR) / "json-report.schema.json");
    return json::parse(in);
}

// The subset of JSON Schema 2020-12 the report schema uses: $ref to #/$defs, type,
// required, properties, additionalProperties, items, enum, const, minimum, pattern.
class MiniValidator {
public:
    explicit MiniValidator(json schema) : root_(std::move(schema)) {}

    std::vector<std::string> validate(const json& value) const {
        std::vector<std::string> errors;
        check(root_, value, "", errors);
        return errors;
    }

private:
    static bool has_type(const json& value, const std::string& type) {
        if (type == "object") {
            return value.is_object();
        }
        if (type == "array") {
            return value.is_array();
        }
        if (type == "string") {
            return value.is_string();
        }
        if (type == "boolean") {
            return value.is_boolean();
        }
        if (type == "null") {
            return value.is_null();
        }
        if (type == "integer") {
            return value.is_number_integer();
        }
        if (type == "number") {
            return value.is_number();
        }
        return false;
    }

    void check(const json& schema, const json& value, const std::string& where,
               std::vector<std::string>& errors) const {
        if (schema.contains("$ref")) {
            const std::string ref = schema["$ref"];
            const std::string prefix = "#/$defs/";
            if (ref.rfind(prefix, 0) != 0) {
                errors.push_back(where + ": unsupported $ref " + ref);
                return;
            }
            check(root_["$defs"][ref.substr(prefix.size())], value, where, errors);
        }
        if (schema.contains("type")) {
            const json& type = schema["type"];
            bool ok = false;
            if (type.is_string()) {
                ok = has_type(value, type);
            } else {
                for (const json& one : type) {
                    ok = ok || has_type(value, one);
                }
            }
            if (!ok) {
                errors.push_back(where + ": not of type " + type.dump());
                return;
            }
        }
        if (schema.contains("const") && value != schema["const"]) {
            errors.push_back(where + ": not " + schema["const"].dump());
        }
        if (schema.contains("enum")) {
            bool found = false;
            for (const json& option : schema["enum"]) {
                found = found || option == value;
            }
            if (!found) {
                errors.push_back(where + ": " + value.dump() + " not in " + schema["enum"].dump());
            }
        }
        if (schema.contains("minimum") && value.is_number() &&
            value.get<double>() < schema["minimum"].get<double>()) {
            errors.push_back(where + ": below the minimum");
        }
        if (schema.contains("pattern") && value.is_string() &&
            !boost::regex_search(value.get<std::string>(),
                                 boost::regex(schema["pattern"].get<std::string>()))) {
            errors.push_back(where + ": does not match " + schema["pattern"].dump());
        }
        if (value.is_object()) {
            for (const json& key : schema.value("required", json::array())) {
                if (!value.contains(key.get<std::string>())) {
                    errors.push_back(where + ": missing " + key.get<std::string>());
                }
            }
            const json properties = schema.value("properties", json::object());
            for (const auto& [key, member] : value.items()) {
                if (properties.contains(key)) {
                    check(properties[key], member, where + "/" + key, errors);
                } else if (schema.contains("additionalProperties")) {
                    const json& extra = schema["additionalProperties"];
                    if (extra.is_boolean() && !extra.get<bool>()) {
                        errors.push_back(where + ": unexpected key " + key);
                    } else if (extra.is_object()) {
                        check(extra, member, where + "/" + key, errors);
                    }
                }
            }
        }
        if (value.is_array() && schema.contains("items")) {
            for (std::size_t i = 0; i < value.size(); ++i) {
                check(schema["items"], value[i], where + "/" + std::to_string(i), errors);
            }
        }
    }

    json root_;
};

using xsime::test::entry;

RunResult sample_run() {
    RunResult run;
    run.tool_version = "0.1.0";
    run.target = "127.0.0.1:7777";
    run.started = std::chrono::system_clock::time_point(1700000000123ms);
    run.duration = 3456789us;
    run.settings = {{"jobs", "4"}, {"levels", "must,should,interop"}};

    CaseResult fail = xsime::test::case_of("delivery.one-recipient", Verdict::fail);
    fail.name = "A message to one user";
    fail.clauses = {"PUSH-FORMAT"};
    fail.requirement = "It looks like this: timestamp:user:message";
    fail.keywords = {"delivery", "push"};
    fail.file = "scenarios/delivery/one-recipient.json";
    fail.message = "bad bytes \xff\xfe here";
    fail.expected = "opcode 5";
    fail.actual = "opcode 1";
    fail.failed_step = 3;
    fail.failed_step_pointer = "/steps/3";
    fail.failed_step_note = "the push";
    fail.duration = 12500us;
    fail.transcript = {
        entry(12345us, "alice", TranscriptEntry::Kind::sent, "\x04\0\0\0\x02"s,
              "setup (0x04) flags 2"),
        entry(13000us, "bob", TranscriptEntry::Kind::received, "\x01\x1b\xff\n"s),
        entry(14000us, "bob", TranscriptEntry::Kind::closed, ""),
    };

    CaseResult pass = xsime::test::case_of("delivery.a-first", Verdict::pass, Level::should);
    pass.name = "passes";
    pass.flaky = true;
    pass.attempts = 2;
    pass.repetition = 1;
    pass.baseline = Baseline::unexpected_pass;
    run.cases = {fail, pass};
    return run;
}

json report_of(const RunResult& run, bool strict = false) {
    std::ostringstream out;
    write_json(run, summarize(run, strict), out);
    return json::parse(out.str()); // throws (fails the test) on invalid JSON or UTF-8
}

TEST(JsonReporter, TopLevelFields) {
    const json report = report_of(sample_run());
    EXPECT_EQ(report["schema"], "xsime-conform/report");
    EXPECT_EQ(report["version"], 2);
    EXPECT_EQ(report["version"], xsime::reports::json_report_version);
    EXPECT_EQ(report["tool"], (json{{"name", "xsime-conform"}, {"version", "0.1.0"}}));
    EXPECT_EQ(report["target"], "127.0.0.1:7777");
    EXPECT_EQ(report["started"], "2023-11-14T22:13:20.123Z");
    EXPECT_DOUBLE_EQ(report["duration_s"].get<double>(), 3.456789);
    EXPECT_EQ(report["settings"], (json{{"jobs", "4"}, {"levels", "must,should,interop"}}));
}

TEST(JsonReporter, SummaryCarriesTheOutcome) {
    const json summary = report_of(sample_run())["summary"];
    EXPECT_EQ(summary["verdict"], "NOT CONFORMANT");
    EXPECT_EQ(summary["conformant"], false);
    EXPECT_EQ(summary["incomplete"], false);
    EXPECT_EQ(summary["strict"], false);
    EXPECT_EQ(summary["total"], 2);
    EXPECT_EQ(summary["passed"], 1);
    EXPECT_EQ(summary["failed"], 1);
    EXPECT_EQ(summary["errors"], 0);
    EXPECT_EQ(summary["flaky"], 1);
    EXPECT_EQ(summary["unexpected_passes"], 1);
    EXPECT_EQ(summary["blocking_failures"], 1);
    EXPECT_EQ(summary["by_level"]["must"],
              (json{{"pass", 0}, {"fail", 1}, {"error", 0}, {"skipped", 0}}));
    EXPECT_EQ(summary["by_level"]["should"],
              (json{{"pass", 1}, {"fail", 0}, {"error", 0}, {"skipped", 0}}));
}

TEST(JsonReporter, RunLevelProblemsAreNamedWithTheirCounts) {
    const json clean = report_of(sample_run());
    EXPECT_EQ(clean["target_error"], "");
    EXPECT_EQ(clean["load_errors"], json::array());
    EXPECT_EQ(clean["summary"]["interrupted"], false);
    EXPECT_EQ(clean["summary"]["not_run"], 0);
    EXPECT_EQ(clean["summary"]["broken_files"], 0);

    RunResult run = sample_run();
    run.interrupted = true;
    run.planned = 5;
    run.load_errors = {{"s/x.json", "/level", "expected must"}, {"s/x.json", "", "bad \xff"}};
    const json report = report_of(run);
    EXPECT_EQ(report["summary"]["verdict"],
              "INCOMPLETE (interrupted; 1 scenario file could not be loaded)");
    EXPECT_EQ(report["summary"]["incomplete"], true);
    EXPECT_EQ(report["summary"]["interrupted"], true);
    EXPECT_EQ(report["summary"]["not_run"], 3);
    EXPECT_EQ(report["summary"]["broken_files"], 1);
    EXPECT_EQ(
        report["load_errors"],
        (json::array({{{"file", "s/x.json"}, {"pointer", "/level"}, {"message", "expected must"}},
                      {{"file", "s/x.json"}, {"pointer", ""}, {"message", "bad \\xFF"}}})));
    EXPECT_TRUE(MiniValidator(load_schema()).validate(report).empty());

    RunResult unreachable;
    unreachable.planned = 2;
    unreachable.target_error = "target unreachable: connection refused";
    const json none = report_of(unreachable);
    EXPECT_EQ(none["target_error"], "target unreachable: connection refused");
    EXPECT_EQ(none["summary"]["total"], 0);
    EXPECT_EQ(none["summary"]["errors"], 0);
    EXPECT_EQ(none["summary"]["not_run"], 2);
    EXPECT_EQ(none["summary"]["verdict"],
              "INCOMPLETE (no case ran: target unreachable: connection refused)");
    EXPECT_TRUE(MiniValidator(load_schema()).validate(none).empty());
}

TEST(JsonReporter, CasesAreSortedAndComplete) {
    const json cases = report_of(sample_run())["cases"];
    ASSERT_EQ(cases.size(), 2u);
    EXPECT_EQ(cases[0]["id"], "delivery.a-first");
    const json& pass = cases[0];
    EXPECT_EQ(pass["verdict"], "pass");
    EXPECT_EQ(pass["level"], "should");
    EXPECT_EQ(pass["flaky"], true);
    EXPECT_EQ(pass["attempts"], 2);
    EXPECT_EQ(pass["repetition"], 1);
    EXPECT_EQ(pass["baseline"], "unexpected_pass");
    EXPECT_TRUE(pass["failed_step"].is_null());
    EXPECT_EQ(pass["transcript"], json::array());

    const json& fail = cases[1];
    EXPECT_EQ(fail["verdict"], "fail");
    EXPECT_EQ(fail["area"], "delivery");
    EXPECT_EQ(fail["clauses"], json::array({"PUSH-FORMAT"}));
    EXPECT_EQ(fail["keywords"], json::array({"delivery", "push"}));
    EXPECT_EQ(fail["file"], "scenarios/delivery/one-recipient.json");
    EXPECT_EQ(fail["message"], "bad bytes \\xFF\\xFE here"); // invalid UTF-8 made visible
    EXPECT_EQ(fail["expected"], "opcode 5");
    EXPECT_EQ(fail["actual"], "opcode 1");
    EXPECT_EQ(fail["failed_step"], 3);
    EXPECT_EQ(fail["failed_step_pointer"], "/steps/3");
    EXPECT_EQ(fail["failed_step_note"], "the push");
    EXPECT_DOUBLE_EQ(fail["duration_s"].get<double>(), 0.0125);
    EXPECT_EQ(fail["baseline"], "none");
}

TEST(JsonReporter, TranscriptBytesAreHexWithAReadingAlongside) {
    const json transcript = report_of(sample_run())["cases"][1]["transcript"];
    ASSERT_EQ(transcript.size(), 3u);
    EXPECT_EQ(transcript[0], (json{{"offset_ms", 12.345},
                                   {"session", "alice"},
                                   {"kind", "sent"},
                                   {"hex", "04 00 00 00 02"},
                                   {"text", "setup (0x04) flags 2"}}));
    EXPECT_EQ(transcript[1]["kind"], "received");
    EXPECT_EQ(transcript[1]["hex"], "01 1b ff 0a");
    EXPECT_EQ(transcript[1]["text"], "\\x01\\x1B\\xFF\n"); // no reading: the bytes, readable
    EXPECT_EQ(transcript[2]["kind"], "closed");
    EXPECT_EQ(transcript[2]["hex"], "");
}

TEST(JsonReporter, MatchesItsSchema) {
    const MiniValidator validator(load_schema());
    const json report = report_of(sample_run());
    const std::vector<std::string> errors = validator.validate(report);
    EXPECT_TRUE(errors.empty()) << json(errors).dump(2);
    EXPECT_TRUE(validator.validate(report_of(RunResult{})).empty()) << "an empty run too";
}

TEST(JsonReporter, TheSchemaCheckCatchesAWrongReport) {
    const MiniValidator validator(load_schema());
    const json good = report_of(sample_run());

    json missing = good;
    missing["cases"][0].erase("verdict");
    EXPECT_FALSE(validator.validate(missing).empty());

    json wrong_type = good;
    wrong_type["summary"]["total"] = "2";
    EXPECT_FALSE(validator.validate(wrong_type).empty());

    json bad_enum = good;
    bad_enum["cases"][1]["transcript"][0]["kind"] = "sideways";
    EXPECT_FALSE(validator.validate(bad_enum).empty());

    json bad_version = good;
    bad_version["version"] = 1;
    EXPECT_FALSE(validator.validate(bad_version).empty());

    json bad_hex = good;
    bad_hex["cases"][1]["transcript"][0]["hex"] = "04 0G";
    EXPECT_FALSE(validator.validate(bad_hex).empty());

    json no_summary = good;
    no_summary.erase("summary");
    EXPECT_FALSE(validator.validate(no_summary).empty());
}

TEST(JsonReporter, SchemaRequiresEveryFieldTheReporterWrites) {
    // A field added to the report without the schema would go undocumented.
    const json schema = load_schema();
    const json report = report_of(sample_run());
    const auto required_of = [](const json& object) {
        std::vector<std::string> keys;
        for (const json& key : object["required"]) {
            keys.push_back(key);
        }
        std::sort(keys.begin(), keys.end());
        return keys;
    };
    const auto keys_of = [](const json& object) {
        std::vector<std::string> keys;
        for (const auto& [key, value] : object.items()) {
            keys.push_back(key);
        }
        std::sort(keys.begin(), keys.end());
        return keys;
    };
    EXPECT_EQ(keys_of(report), required_of(schema));
    EXPECT_EQ(keys_of(report["summary"]), required_of(schema["$defs"]["summary"]));
    EXPECT_EQ(keys_of(report["cases"][0]), required_of(schema["$defs"]["case"]));
    EXPECT_EQ(keys_of(report["cases"][1]["transcript"][0]),
              required_of(schema["$defs"]["transcript_entry"]));
}

} // namespace
