// Golden files: one hand-built run with every verdict, level, flaky, baseline and hostile
// transcript bytes, written by each reporter and compared with tests/reports/golden/.
//
// After an intended change to a reporter's output, regenerate the files and review the diff:
//   XSIME_UPDATE_GOLDEN=1 ./build/<preset>/tests/golden_test
// (the test then rewrites the files instead of comparing, and still validates the JUnit).
#include "harness/attribution.hpp"
#include "harness/outcome.hpp"
#include "reports/console_reporter.hpp"
#include "reports/json_reporter.hpp"
#include "reports/junit_reporter.hpp"
#include "tests/support/case_results.hpp"
#include "tests/support/exit_status.hpp"
#include "tests/support/files.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <sstream>
#include <string>

namespace {

using xsime::harness::Baseline;
using xsime::harness::CaseResult;
using xsime::harness::Level;
using xsime::harness::Outcome;
using xsime::harness::RunResult;
using xsime::harness::summarize;
using xsime::harness::TranscriptEntry;
using xsime::harness::Verdict;
using namespace std::chrono_literals;
using namespace std::string_literals;

const std::filesystem::path golden_dir = XSIME_GOLDEN_DIR;
const std::filesystem::path reports_dir = XSIME_REPORTS_DIR;

using xsime::test::entry;

CaseResult base(std::string id, std::string name, Level level, Verdict verdict) {
    CaseResult result = xsime::test::case_of(std::move(id), verdict, level);
    result.name = std::move(name);
    result.keywords = {result.area};
    result.file =
        "scenarios/" + result.area + "/" + result.id.substr(result.area.size() + 1) + ".json";
    result.duration = 12345us;
    return result;
}

// A run that exercises every branch of every reporter; fixed times, so output is stable.
RunResult golden_run() {
    RunResult run;
    run.tool_version = "0.1.0";
    run.target = "127.0.0.1:7777";
    run.started = std::chrono::system_clock::time_point(1700000000s);
    run.duration = 3456789us;
    run.settings = {{"filter", "delivery.* & \"quoted\" <all>"},
                    {"fixtures", "remote"},
                    {"jobs", "4"},
                    {"levels", "must,should,interop"},
                    {"strict", "false"}};

    CaseResult pass = base("delivery.one-recipient",
                           "A message to one user is pushed to that user as timestamp:user:message",
                           Level::must, Verdict::pass);
    pass.clauses = {"PUSH-FORMAT"};
    pass.requirement = "It looks like this: timestamp:user:message";

    CaseResult fail =
        base("delivery.burst-same-second", "Messages sent in the same second all arrive, in order",
             Level::must, Verdict::fail);
    fail.clauses = {"PUSH-FORMAT", "OP5-TIMESTAMP"};
    fail.requirement = "The timestamp represents the moment in which the server received the "
                       "message, not the moment in which the user send it.";
    fail.keywords = {"delivery", "push", "timestamp"};
    fail.message = "push 3 has text \"c & d\" where \"b & c\" was expected";
    fail.expected = "opcode 5, text \"b & c\" from alice";
    fail.actual = "opcode 5, payload \"1700000000:alice:c & d\" <out of order>";
    fail.failed_step = 6;
    fail.failed_step_pointer = "/steps/6";
    fail.failed_step_note = "the second push";
    fail.duration = 2015250us;
    for (int i = 0; i < 10; ++i) { // older entries the console leaves out
        fail.transcript.push_back(entry(std::chrono::microseconds(100 * i), "alice",
                                        TranscriptEntry::Kind::note, "",
                                        "warm-up " + std::to_string(i)));
    }
    fail.transcript.push_back(entry(12345us, "alice", TranscriptEntry::Kind::sent,
                                    "\x04\0\0\0\x02\0\0\0\0\0\0\0\0"s,
                                    "setup (0x04) flags 2 ts 0"));
    fail.transcript.push_back(entry(12400us, "alice", TranscriptEntry::Kind::sent,
                                    "\x05\0\0\0\x0b"
                                    "bob: a & \"b\""s,
                                    "message (0x05) sz 11 \"bob: a & \\\"b\\\"\""));
    fail.transcript.push_back(
        entry(13000us, "bob", TranscriptEntry::Kind::received, "\x01\x02\x1b[2J\xff\xfe\x7f"s));
    fail.transcript.push_back(
        entry(13500us, "bob", TranscriptEntry::Kind::received, "tab\there\nnewline 'quote' <&>"));
    fail.transcript.push_back(entry(14000us, "bob", TranscriptEntry::Kind::received,
                                    std::string(200, 'x'),
                                    "push 1700000000:alice:" + std::string(178, 'x')));
    fail.transcript.push_back(
        entry(15000us, "bob", TranscriptEntry::Kind::received, std::string(300, '\x01')));
    fail.transcript.push_back(entry(16000us, "bob", TranscriptEntry::Kind::received,
                                    "caf\xc3\xa9 \xe2\x86\x92 bad \xc3\x28 \xef\xbf\xbe"s));
    fail.transcript.push_back(
        entry(2015000us, "bob", TranscriptEntry::Kind::closed, "", "connection reset by peer"));

    CaseResult should = base("framing.sz-lies-short", "A header whose sz is too short is refused",
                             Level::should, Verdict::fail);
    should.clauses = {"HDR-SZ"};
    should.requirement = "The value of sz is used to know how many bytes should be read back "
                         "from the network stack.";
    should.message = "the connection stayed open";
    should.expected = "close within 2000 ms";
    should.actual = "open after 2000 ms";
    should.failed_step = 2;
    should.failed_step_pointer = "/steps/2";
    should.transcript = {entry(0us, "main", TranscriptEntry::Kind::sent, "\x05\0\0\0\x01xy"s)};

    CaseResult interop = base("interop.ascii-opcodes", "Opcodes sent as ASCII digits are diagnosed",
                              Level::interop, Verdict::fail);
    interop.clauses = {"OPCODES"};
    interop.requirement = "Opcode '4': Setup the IME module.";
    interop.message = "opcode 0x35 looks like ASCII '5'";
    interop.expected = "opcode 0x05";
    interop.actual = "opcode 0x35";
    interop.failed_step = 1;
    interop.failed_step_pointer = "/steps/1";

    CaseResult error = base("login.unique-user", "A second login of a unique user is refused",
                            Level::must, Verdict::error);
    error.clauses = {"OP4-FLAGS"};
    error.requirement = "only one instance of a particular user can be logged at the same time";
    error.message = "fixture: cannot create /srv/ime/xc-login-1a2b/alice: Permission denied";
    error.transcript = {entry(0us, "", TranscriptEntry::Kind::note, "", "creating the fixture")};

    CaseResult skipped = base("limits.user-name-129", "A user name of 129 bytes is refused",
                              Level::should, Verdict::skipped);
    skipped.clauses = {"OP2-NAME-MAX"};
    skipped.skip_reason = "level should not selected (--levels must)";
    skipped.duration = 0us;

    CaseResult flaky = base("delivery.interval-5ms", "A 5 ms interval delivers within 100 ms",
                            Level::must, Verdict::pass);
    flaky.clauses = {"OP7-INTERVAL"};
    flaky.flaky = true;
    flaky.attempts = 3;
    flaky.message = "the push arrived after 130 ms";

    CaseResult expected = base("blacklist.drop-silently", "A blocked sender's message is dropped",
                               Level::must, Verdict::fail);
    expected.clauses = {"BLACKLIST"};
    expected.requirement = "Theses messages are silently discarded.";
    expected.message = "the message was delivered";
    expected.expected = "nothing within 500 ms";
    expected.actual = "push 1700000000:mallory:hi";
    expected.baseline = Baseline::expected_fail;
    expected.transcript = {
        entry(1000us, "bob", TranscriptEntry::Kind::received, "1700000000:mallory:hi")};

    CaseResult unexpected = base("exit.reenter-remembers", "XSIME_START after exit keeps the setup",
                                 Level::should, Verdict::pass);
    unexpected.clauses = {"OP0-REENTER"};
    unexpected.baseline = Baseline::unexpected_pass;

    CaseResult repeat0 =
        base("exit.echo", "Opcode 0 is answered with opcode 0, sz 0", Level::must, Verdict::pass);
    CaseResult repeat1 = repeat0;
    repeat1.repetition = 1;
    repeat1.duration = 11000us;

    // Fails only because pushes are broken, which delivery.burst-same-second proves.
    CaseResult consequence =
        base("framing.big-endian-sz", "sz is read big-endian", Level::must, Verdict::fail);
    consequence.clauses = {"HDR-SZ-BIG-ENDIAN"};
    consequence.relies_on = {"PUSH-FORMAT", "ORG-REPLY"};
    consequence.requirement =
        "The IME uses big-endian -or network byte order- to transmit this data.";
    consequence.message = "the push did not arrive";
    consequence.expected = "opcode 5";
    consequence.actual = "nothing within 2000 ms";

    // Not sorted: the reporters sort, as cases finish in any order.
    run.cases = {fail,        pass,  repeat1,  interop, error,      skipped,
                 consequence, flaky, expected, should,  unexpected, repeat0};
    xsime::harness::attribute_consequences(run);
    return run;
}

std::string console_output(const RunResult& run, const Outcome& outcome) {
    std::ostringstream out;
    xsime::reports::ConsoleReporter reporter(out, false, false);
    reporter.on_start(run.cases.size());
    std::size_t done = 0;
    for (const CaseResult& result : run.cases) {
        reporter.on_case(result, ++done, run.cases.size());
    }
    reporter.on_finish(run, outcome);
    return out.str();
}

bool updating() {
    const char* value = std::getenv("XSIME_UPDATE_GOLDEN");
    return value != nullptr && std::string(value) == "1";
}

void compare_with_golden(const std::string& name, const std::string& actual) {
    const std::filesystem::path path = golden_dir / name;
    if (updating()) {
        xsime::test::write_file(path, actual);
        std::printf("rewrote %s\n", path.c_str());
        return;
    }
    ASSERT_TRUE(std::filesystem::exists(path))
        << path << " is missing; run with XSIME_UPDATE_GOLDEN=1 to create it";
    const std::string expected = xsime::test::read_file(path);
    if (expected == actual) {
        return;
    }
    // Point at the first difference: a whole-file diff of a report is unreadable.
    std::size_t at = 0;
    while (at < expected.size() && at < actual.size() && expected[at] == actual[at]) {
        ++at;
    }
    const std::size_t line = static_cast<std::size_t>(
        std::count(expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
    const std::size_t from = at > 80 ? at - 80 : 0;
    ADD_FAILURE() << name << " differs from the golden file at byte " << at << " (line " << line + 1
                  << ")\n--- golden:\n"
                  << expected.substr(from, 200) << "\n--- actual:\n"
                  << actual.substr(from, 200)
                  << "\n(if intended: XSIME_UPDATE_GOLDEN=1 and review the diff)";
}

TEST(Golden, Console) {
    const RunResult run = golden_run();
    compare_with_golden("console.txt", console_output(run, summarize(run, false)));
}

TEST(Golden, Junit) {
    std::ostringstream out;
    xsime::reports::write_junit(golden_run(), out);
    compare_with_golden("junit.xml", out.str());
}

TEST(Golden, Json) {
    const RunResult run = golden_run();
    std::ostringstream out;
    xsime::reports::write_json(run, summarize(run, false), out);
    compare_with_golden("report.json", out.str());
}

TEST(Golden, JunitFileIsValidAgainstTheProjectSchema) {
    if (!xsime::test::run_shell("xmllint --version").status.success()) {
        GTEST_SKIP() << "xmllint is not installed";
    }
    // The file on disk, so a hand-edited golden file cannot drift into invalid XML either.
    const std::filesystem::path golden = golden_dir / "junit.xml";
    ASSERT_TRUE(std::filesystem::exists(golden));
    const auto xmllint =
        xsime::test::run_shell("xmllint --noout --schema '" + (reports_dir / "junit.xsd").string() +
                               "' '" + golden.string() + "'");
    EXPECT_TRUE(xmllint.status.success()) << describe(xmllint.status) << "\n" << xmllint.output;
}

TEST(Golden, ConsoleIsPlainTextWithoutATerminal) {
    const RunResult run = golden_run();
    const std::string text = console_output(run, summarize(run, false));
    EXPECT_EQ(text.find('\x1b'), std::string::npos);
    EXPECT_EQ(text.find('\r'), std::string::npos);
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        EXPECT_TRUE(byte >= 0x20 || c == '\n') << "control byte " << int(byte) << " in output";
    }
}

} // namespace
