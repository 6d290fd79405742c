// The JUnit XML reporter: element mapping, counts, escaping, and validity against the
// project's reports/junit.xsd (checked with xmllint).
#include "reports/junit_reporter.hpp"
#include "tests/support/case_results.hpp"
#include "tests/support/exit_status.hpp"
#include "tests/support/files.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <unistd.h>

namespace {

using xsime::harness::Baseline;
using xsime::harness::CaseResult;
using xsime::harness::Level;
using xsime::harness::RunResult;
using xsime::harness::Verdict;
using xsime::reports::write_junit;
using xsime::reports::xml_escape;
// labelled_case: every text names its field and the case ("name of delivery.a", "message of
// delivery.a", "expected of ...", "actual of ..."), 1.234567 s, and one transcript entry
// (alice sent "setup (0x04) flags 2") for a failure or an error.
using xsime::test::as_flaky;
using xsime::test::as_repetition;
using xsime::test::labelled_case;
using xsime::test::run_shell;
using xsime::test::ShellResult;
using xsime::test::with_baseline;
using xsime::test::write_file;
using namespace std::chrono_literals;
using namespace std::string_literals;

const std::filesystem::path schema = std::filesystem::path(XSIME_REPORTS_DIR) / "junit.xsd";

bool have_xmllint() {
    return run_shell("xmllint --version").status.success();
}

std::filesystem::path write_temp(const std::string& name, const std::string& content) {
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() /
        ("xsime-junit-test-" + std::to_string(::getpid()) + "-" + name);
    write_file(path, content);
    return path;
}

// xmllint's verdict on `document` against the project's schema: exit code 0 when valid, and
// its messages in .output, for the failure report.
ShellResult validate(const std::string& name, const std::string& document) {
    const std::filesystem::path file = write_temp(name, document);
    ShellResult result =
        run_shell("xmllint --noout --schema '" + schema.string() + "' '" + file.string() + "'");
    std::filesystem::remove(file);
    return result;
}

// xmllint's exit code (-1 when it did not exit).
int status_of(const std::string& name, const std::string& document) {
    return validate(name, document).status.code;
}

// The value of an XPath string expression, as a parser reads the document.
std::string xpath(const std::string& document, const std::string& expression) {
    const std::filesystem::path file = write_temp("xpath.xml", document);
    const ShellResult result =
        run_shell("xmllint --xpath '" + expression + "' '" + file.string() + "'");
    std::filesystem::remove(file);
    std::string value = result.output;
    if (!value.empty() && value.back() == '\n') {
        value.pop_back(); // xmllint ends the value with a newline of its own
    }
    return value;
}

std::string junit(const RunResult& run) {
    std::ostringstream out;
    write_junit(run, out);
    return out.str();
}

// The <testcase> element of `name`, as written.
std::string testcase_of(const std::string& document, const std::string& id) {
    const std::size_t start = document.find("<testcase classname=");
    std::size_t at = document.find("name=\"" + id + " ", start);
    if (at == std::string::npos) {
        return "";
    }
    at = document.rfind("<testcase", at);
    const std::size_t self_closed = document.find("/>\n", at);
    const std::size_t closed = document.find("</testcase>", at);
    const std::size_t next = document.find("<testcase", at + 1);
    if (closed == std::string::npos || (next != std::string::npos && closed > next) ||
        self_closed < document.find(">", at) + 1) {
        return document.substr(at, self_closed + 2 - at);
    }
    return document.substr(at, closed + 11 - at);
}

TEST(JunitEscape, MarkupAndQuotes) {
    EXPECT_EQ(xml_escape("a&b<c>\"d'e", true), "a&amp;b&lt;c&gt;&quot;d&apos;e");
    EXPECT_EQ(xml_escape("a&b<c>\"d'e", false), "a&amp;b&lt;c&gt;\"d'e");
    EXPECT_EQ(xml_escape("]]>", false), "]]&gt;");
}

TEST(JunitEscape, ControlCharactersAndInvalidUtf8BecomeVisibleNotation) {
    EXPECT_EQ(xml_escape(std::string("a\0b", 3), false), "a\\x00b");
    EXPECT_EQ(xml_escape("\x01\x1b\x7f", false), "\\x01\\x1B\\x7F");
    EXPECT_EQ(xml_escape("\xff\xfe ok \xc3", false), "\\xFF\\xFE ok \\xC3");
    EXPECT_EQ(xml_escape("\xc0\xaf", false), "\\xC0\\xAF");          // overlong '/'
    EXPECT_EQ(xml_escape("\xed\xa0\x80", false), "\\xED\\xA0\\x80"); // a surrogate
    EXPECT_EQ(xml_escape("\xef\xbf\xbe", false), "\\uFFFE");         // not an XML character
    EXPECT_EQ(xml_escape("\xc2\x85", false), "\\u0085");             // a C1 control
    EXPECT_EQ(xml_escape("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80", false),
              "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80"); // valid UTF-8 stays
    EXPECT_EQ(xml_escape("cr\r", false), "cr\\r");
}

TEST(JunitEscape, WhitespaceSurvivesInAttributes) {
    EXPECT_EQ(xml_escape("a\nb\tc", true), "a&#10;b&#9;c");
    EXPECT_EQ(xml_escape("a\nb\tc", false), "a\nb\tc");
}

TEST(JunitReporter, EachVerdictMapsToItsElement) {
    RunResult run;
    CaseResult skipped = labelled_case("limits.skipped", Verdict::skipped);
    skipped.skip_reason = "level should not selected";
    run.cases = {
        labelled_case("delivery.pass", Verdict::pass),
        labelled_case("delivery.fail", Verdict::fail, Level::should),
        labelled_case("login.error", Verdict::error),
        labelled_case("interop.warn", Verdict::fail, Level::interop),
        skipped,
        with_baseline(labelled_case("blacklist.expected", Verdict::fail), Baseline::expected_fail),
        with_baseline(labelled_case("blacklist.unexpected", Verdict::pass),
                      Baseline::unexpected_pass),
        as_flaky(labelled_case("delivery.flaky", Verdict::pass), 3)};
    const std::string xml = junit(run);

    EXPECT_EQ(
        testcase_of(xml, "delivery.pass"),
        "<testcase classname=\"delivery\" name=\"delivery.pass \u2014 name of delivery.pass\" "
        "time=\"1.235\"/>");
    const std::string fail = testcase_of(xml, "delivery.fail");
    EXPECT_NE(fail.find("<failure message=\"message of delivery.fail\" type=\"should\">"),
              std::string::npos)
        << fail;
    EXPECT_NE(fail.find("expected: expected of delivery.fail\nactual: actual of delivery.fail\n"),
              std::string::npos);
    EXPECT_NE(fail.find("requirement: \"It looks like this: timestamp:user:message\"\n"),
              std::string::npos);
    EXPECT_NE(fail.find("clauses: PUSH-FORMAT\n"), std::string::npos);
    EXPECT_NE(fail.find("<system-out>+0.000ms alice \u2192 setup (0x04) flags 2\n    bytes: 04 "
                        "00 00 00 02\n</system-out>"),
              std::string::npos)
        << fail;
    EXPECT_EQ(fail.find("<error"), std::string::npos);

    const std::string error = testcase_of(xml, "login.error");
    EXPECT_NE(error.find("<error message=\"message of login.error\" type=\"harness\">"),
              std::string::npos)
        << error;
    EXPECT_NE(error.find("<system-out>"), std::string::npos);
    EXPECT_EQ(error.find("<failure"), std::string::npos);

    EXPECT_NE(testcase_of(xml, "interop.warn")
                  .find("<failure message=\"message of interop.warn\" "
                        "type=\"interop\">"),
              std::string::npos);
    EXPECT_NE(
        testcase_of(xml, "limits.skipped").find("<skipped message=\"level should not selected\"/>"),
        std::string::npos);
    const std::string xfail = testcase_of(xml, "blacklist.expected");
    EXPECT_NE(xfail.find("<skipped message=\"expected failure (baseline): message of "
                         "blacklist.expected\">"),
              std::string::npos)
        << xfail;
    EXPECT_EQ(xfail.find("<failure"), std::string::npos);
    EXPECT_NE(testcase_of(xml, "blacklist.unexpected").find("type=\"unexpected-pass\""),
              std::string::npos);
    const std::string flaky_case = testcase_of(xml, "delivery.flaky");
    EXPECT_NE(flaky_case.find("<system-err>flaky: failed 2 times, then passed</system-err>"),
              std::string::npos)
        << flaky_case;
    EXPECT_EQ(flaky_case.find("<system-out>"), std::string::npos) << "no transcript for a pass";
    EXPECT_EQ(flaky_case.find("<failure"), std::string::npos);

    if (have_xmllint()) {
        EXPECT_EQ(validate("mapping.xml", xml).status.code, 0) << xml;
    }
}

TEST(JunitReporter, OneSuitePerAreaSortedWithCountsAndProperties) {
    RunResult run;
    run.target = "127.0.0.1:7777";
    run.tool_version = "0.1.0";
    run.settings = {{"jobs", "4"}, {"levels", "must,should"}};
    run.started = std::chrono::system_clock::time_point(1700000000s);
    run.duration = 3456789us;
    run.cases = {
        labelled_case("framing.a", Verdict::error), labelled_case("delivery.b", Verdict::fail),
        with_baseline(labelled_case("delivery.c", Verdict::fail), Baseline::expected_fail),
        labelled_case("delivery.a", Verdict::pass), labelled_case("delivery.d", Verdict::skipped)};
    const std::string xml = junit(run);

    EXPECT_NE(xml.find("<testsuites name=\"xsime-conform\" tests=\"5\" failures=\"1\" "
                       "errors=\"1\" time=\"3.457\">"),
              std::string::npos)
        << xml;
    const std::size_t delivery =
        xml.find("<testsuite name=\"delivery\" tests=\"4\" failures=\"1\" errors=\"0\" "
                 "skipped=\"2\" time=\"4.938\" timestamp=\"2023-11-14T22:13:20\" "
                 "hostname=\"localhost\">");
    const std::size_t framing =
        xml.find("<testsuite name=\"framing\" tests=\"1\" failures=\"0\" errors=\"1\" "
                 "skipped=\"0\" time=\"1.235\"");
    ASSERT_NE(delivery, std::string::npos) << xml;
    ASSERT_NE(framing, std::string::npos) << xml;
    EXPECT_LT(delivery, framing);
    // Sorted by id inside the suite.
    EXPECT_LT(xml.find("name=\"delivery.a "), xml.find("name=\"delivery.b "));
    EXPECT_LT(xml.find("name=\"delivery.b "), xml.find("name=\"delivery.c "));
    const std::string properties = "<properties>\n"
                                   "      <property name=\"target\" value=\"127.0.0.1:7777\"/>\n"
                                   "      <property name=\"tool_version\" value=\"0.1.0\"/>\n"
                                   "      <property name=\"jobs\" value=\"4\"/>\n"
                                   "      <property name=\"levels\" value=\"must,should\"/>\n"
                                   "      <property name=\"root_causes\" value=\"1 deviation, 0 "
                                   "consequences; PUSH-FORMAT (delivery.b)\"/>\n"
                                   "    </properties>";
    EXPECT_NE(xml.find(properties, delivery), std::string::npos);
    EXPECT_NE(xml.find(properties, framing), std::string::npos);
    if (have_xmllint()) {
        EXPECT_EQ(validate("suites.xml", xml).status.code, 0) << xml;
    }
}

TEST(JunitReporter, RepeatedCasesGetDistinctNames) {
    RunResult run;
    run.cases = {labelled_case("exit.reenter", Verdict::pass),
                 as_repetition(labelled_case("exit.reenter", Verdict::pass), 1),
                 labelled_case("exit.other", Verdict::pass)};
    const std::string xml = junit(run);
    EXPECT_NE(xml.find("name=\"exit.reenter \u2014 name of exit.reenter (repetition 1)\""),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("name=\"exit.reenter \u2014 name of exit.reenter (repetition 2)\""),
              std::string::npos);
    EXPECT_NE(xml.find("name=\"exit.other \u2014 name of exit.other\""), std::string::npos);
}

TEST(JunitReporter, EmptyRunIsStillValid) {
    const std::string xml = junit(RunResult{});
    EXPECT_NE(xml.find("<testsuites name=\"xsime-conform\" tests=\"0\" failures=\"0\" "
                       "errors=\"0\" time=\"0.000\">\n</testsuites>"),
              std::string::npos)
        << xml;
    if (have_xmllint()) {
        EXPECT_EQ(validate("empty.xml", xml).status.code, 0) << xml;
    }
}

// Problems of the run, not of a case, are error test cases so that CI viewers show them: one
// per broken scenario file (suite load-errors), one for an interruption (suite run).
TEST(JunitReporter, BrokenFilesAndAnInterruptionAreErrorTestCases) {
    RunResult run;
    run.cases = {labelled_case("delivery.a", Verdict::pass),
                 labelled_case("delivery.b", Verdict::error)};
    run.interrupted = true;
    run.planned = 6;
    run.load_errors = {{"s/y.json", "", "JSON syntax error"},
                       {"s/x.json", "/level", "expected must"},
                       {"s/x.json", "/steps/1", "unknown step \"jump\""}};
    const std::string xml = junit(run);
    EXPECT_NE(xml.find(R"(<testsuites name="xsime-conform" tests="5" failures="0" errors="4")"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find(R"(<testsuite name="load-errors" tests="2" failures="0" errors="2")"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("<testcase classname=\"load-errors\" name=\"s/x.json\" time=\"0.000\">\n"
                       "      <error message=\"could not be loaded: /level: expected must (+1 "
                       "more)\" type=\"load-error\">/level: expected must\n/steps/1: unknown "
                       "step \"jump\"\nfile: s/x.json\n</error>"),
              std::string::npos)
        << xml;
    EXPECT_LT(xml.find("name=\"s/x.json\""), xml.find("name=\"s/y.json\"")); // sorted
    EXPECT_NE(xml.find("<testcase classname=\"run\" name=\"interrupted\" time=\"0.000\">\n"
                       "      <error message=\"interrupted (SIGINT or SIGTERM): 4 of 6 planned "
                       "cases did not run\" type=\"interrupted\">"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find(R"(<property name="interrupted" value="true"/>)"), std::string::npos);
    EXPECT_NE(xml.find(R"(<property name="not_run" value="4"/>)"), std::string::npos);
    if (have_xmllint()) {
        EXPECT_EQ(validate("run-problems.xml", xml).status.code, 0) << xml;
    }
}

TEST(JunitReporter, ATargetThatFailedTheCheckIsOneErrorTestCase) {
    RunResult run;
    run.planned = 3;
    run.target_error = "target unreachable: connection refused";
    const std::string xml = junit(run);
    EXPECT_NE(xml.find(R"(<testsuites name="xsime-conform" tests="1" failures="0" errors="1")"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("<testcase classname=\"run\" name=\"target check before the run\" "
                       "time=\"0.000\">\n      <error message=\"no case ran: target unreachable: "
                       "connection refused\" type=\"target\">3 of 3 planned cases did not "
                       "run\n</error>"),
              std::string::npos)
        << xml;
    if (have_xmllint()) {
        EXPECT_EQ(validate("target-error.xml", xml).status.code, 0) << xml;
    }
}

TEST(JunitReporter, HostileTextIsValidXmlAndReadsBackAsWritten) {
    if (!have_xmllint()) {
        GTEST_SKIP() << "xmllint is not installed";
    }
    RunResult run;
    run.settings = {{"filter\"&<", "a\x01\xff'b"}};
    CaseResult result = labelled_case("delivery.hostile", Verdict::fail);
    result.name = "quotes \" and ' & <tags> ]]>";
    result.message = "nul \0 bell \x07 bad \xc3\x28 & \"q\""s;
    result.expected = "line1\nline2\ttab";
    result.actual = "\xef\xbf\xbf and \x1b[31m";
    result.transcript[0].bytes = std::string("\0\x01\x02\xff\xfe<&>", 8);
    result.transcript[0].decoded = "";
    run.cases = {result};
    const std::string xml = junit(run);
    ASSERT_EQ(validate("hostile.xml", xml).status.code, 0) << xml;
    EXPECT_EQ(xpath(xml, "string(//testcase/failure/@message)"),
              "nul \\x00 bell \\x07 bad \\xC3( & \"q\"");
    EXPECT_EQ(xpath(xml, "string(//testcase/@name)"),
              "delivery.hostile \u2014 quotes \" and ' & <tags> ]]>");
    EXPECT_EQ(xpath(xml, "string(//property[3]/@name)"), "filter\"&<");
    EXPECT_EQ(xpath(xml, "string(//property[3]/@value)"), "a\\x01\\xFF'b");
    const std::string details = xpath(xml, "string(//testcase/failure)");
    EXPECT_NE(details.find("expected: line1\nline2\ttab\n"), std::string::npos) << details;
    EXPECT_NE(details.find("actual: \\uFFFF and \\x1B[31m\n"), std::string::npos) << details;
    const std::string transcript = xpath(xml, "string(//testcase/system-out)");
    EXPECT_NE(transcript.find("alice \u2192 00 01 02 ff fe 3c 26 3e\n"), std::string::npos)
        << transcript;
}

TEST(JunitSchema, RejectsWhatJenkinsRejects) {
    if (!have_xmllint()) {
        GTEST_SKIP() << "xmllint is not installed";
    }
    // Each is one rule of the schema; the validation above would mean nothing without them.
    const std::string ok_suite =
        "<testsuite name=\"a\" tests=\"1\" failures=\"0\" errors=\"0\" time=\"1,234.5\">"
        "<testcase name=\"t\" time=\"0.1\"><failure type=\"must\">x</failure>"
        "<system-out>o</system-out></testcase></testsuite>";
    EXPECT_EQ(status_of("ok.xml", "<testsuites>" + ok_suite + "</testsuites>"), 0);
    EXPECT_EQ(status_of("ok-root.xml", ok_suite), 0) << "a lone <testsuite> is a valid root";
    EXPECT_NE(status_of("no-name.xml", "<testsuites><testsuite tests=\"1\" failures=\"0\" "
                                       "errors=\"0\"/></testsuites>"),
              0);
    EXPECT_NE(status_of("skipped-on-suites.xml", "<testsuites skipped=\"1\"/>"), 0);
    EXPECT_NE(status_of("bad-time.xml", "<testsuites time=\"1.5s\"/>"), 0);
    EXPECT_NE(status_of("case-no-name.xml",
                        "<testsuite name=\"a\" tests=\"1\" failures=\"0\" errors=\"0\">"
                        "<testcase/></testsuite>"),
              0);
    EXPECT_NE(status_of("nested-failure.xml",
                        "<testsuite name=\"a\" tests=\"1\" failures=\"0\" errors=\"0\">"
                        "<testcase name=\"t\"><failure><b/></failure></testcase></testsuite>"),
              0);
    EXPECT_NE(status_of("unknown-child.xml",
                        "<testsuite name=\"a\" tests=\"1\" failures=\"0\" errors=\"0\">"
                        "<testcase name=\"t\"><note/></testcase></testsuite>"),
              0);
    EXPECT_NE(status_of("rerun-no-type.xml",
                        "<testsuite name=\"a\" tests=\"1\" failures=\"0\" errors=\"0\">"
                        "<testcase name=\"t\"><flakyFailure/></testcase></testsuite>"),
              0);
}

} // namespace
