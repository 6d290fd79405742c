// End-to-end tests of `xsime-conform run`: the real binary on scenario files written by the
// test, against the embedded server; exit codes, console, reports and run-wide options.
#include "tests/support/files.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/server_process.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#ifndef XSIME_CONFORM_BIN
#error "XSIME_CONFORM_BIN must name the xsime-conform executable (set by tests/CMakeLists.txt)"
#endif
#ifndef XSIME_SOURCE_DIR
#error "XSIME_SOURCE_DIR must name the source tree (set by tests/CMakeLists.txt)"
#endif

namespace xsime::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;

const fs::path source_dir = XSIME_SOURCE_DIR;

// One scenario file's text. `steps` is the JSON array of steps.
std::string scenario_text(const std::string& id, const std::string& level, const std::string& steps,
                          const std::string& fixture_users = "[]") {
    return R"({"id": ")" + id + R"(", "name": "test scenario )" + id +
           R"(", "clauses": ["TEST-1"], "requirement": "what the test requires", "level": ")" +
           level + R"(", "keywords": ["test"], "fixture": {"users": )" + fixture_users +
           R"(}, "sessions": ["s"], "steps": )" + steps + "}";
}

// Logs in and leaves: passes against the reference server.
std::string passing(const std::string& id, const std::string& level = "must") {
    return scenario_text(id, level, R"([{"login": {"user": "alice"}}, {"exit": {}}])",
                         R"(["alice"])");
}

// The server answers an unknown TF command with something else than this: a deterministic
// mismatch, so verdict fail (not error).
std::string failing(const std::string& id, const std::string& level = "must") {
    return scenario_text(
        id, level,
        R"([{"tf": {"command": "NOT_A_COMMAND", "expect_reply": "surely not this reply"}}])");
}

std::string sleeping(const std::string& id, int ms) {
    return scenario_text(id, "must", R"([{"sleep": {"ms": )" + std::to_string(ms) + "}}]");
}

std::string last_line(const std::string& text) {
    auto end = text.find_last_not_of('\n');
    if (end == std::string::npos) {
        return "";
    }
    const auto start = text.rfind('\n', end);
    return text.substr(start == std::string::npos ? 0 : start + 1,
                       end + 1 - (start == std::string::npos ? 0 : start + 1));
}

// doc[key] without nlohmann's assertion on an absent key: a report that was not written
// (read_json gave an empty object) must fail the test, not abort the test program.
json member(const json& doc, const std::string& key) {
    return doc.is_object() && doc.contains(key) ? doc.at(key) : json::object();
}

// The ids printed by --list: every line but the final count, up to the first blank.
std::vector<std::string> listed_ids(const std::string& out) {
    std::vector<std::string> ids;
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
        const auto space = line.find("  [");
        if (space != std::string::npos) {
            ids.push_back(line.substr(0, space));
        }
    }
    return ids;
}

class RunCommand : public ::testing::Test {
protected:
    // A folder of scenario files, fresh for each test.
    fs::path scenarios() const { return temp_.base() / "scenarios"; }
    fs::path file(const std::string& name) const { return temp_.base() / name; }

    fs::path write(const std::string& name, const std::string& text) const {
        const auto path = scenarios() / name;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << text;
        return path;
    }
    // Copies a scenario of the project's suite (scenarios/REL) into the folder, in its area
    // folder (its id names it).
    void copy_suite_scenario(const std::string& rel) const {
        const auto to = scenarios() / rel;
        fs::create_directories(to.parent_path());
        fs::copy_file(source_dir / "scenarios" / rel, to, fs::copy_options::overwrite_existing);
    }

    // `xsime-conform run ARGS...`, killed after `timeout`; a test can never hang on it.
    ProcessResult run(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) {
        args.insert(args.begin(), {XSIME_CONFORM_BIN, "run"});
        auto result = run_process(args, timeout);
        EXPECT_FALSE(result.timed_out) << describe(result);
        return result;
    }

    json read_json(const fs::path& path) {
        const auto text = read_file(path);
        try {
            return json::parse(text);
        } catch (const json::exception& e) {
            ADD_FAILURE() << path << " is not JSON: " << e.what() << "\n" << text;
            return json::object();
        }
    }

    TempRoot temp_;
};

// ---- the helper itself: a test that relies on its deadline must know it works ----

TEST(RunProcess, CapturesBothStreamsAndTheExitCode) {
    const auto result = run_process({"/bin/sh", "-c", "echo out; echo err >&2; exit 7"}, 30s);
    EXPECT_FALSE(result.timed_out);
    EXPECT_EQ(result.status.code, 7);
    EXPECT_EQ(result.out, "out\n");
    EXPECT_EQ(result.err, "err\n");
}

TEST(RunProcess, KillsAProcessThatOutlivesItsDeadline) {
    // The shell keeps its stdout open while it sleeps, as a hung xsime-conform would.
    const auto result = run_process({"/bin/sh", "-c", "echo started; exec sleep 30"}, 300ms);
    EXPECT_TRUE(result.timed_out);
    EXPECT_EQ(result.status.signal, SIGKILL);
    EXPECT_EQ(result.out, "started\n");
    EXPECT_LT(result.elapsed, 5s);
}

// ---- exit codes ----

TEST_F(RunCommand, AllPassingExitsZeroAndTheLastLineCountsThem) {
    copy_suite_scenario("delivery/one-recipient.json");
    copy_suite_scenario("entering/exit-echo-and-reenter.json");
    write("tmp/passes.json", passing("tmp.passes"));
    for (const std::string jobs : {"1", "4"}) {
        const auto result = run({"-j", jobs, scenarios().string()});
        EXPECT_EQ(result.status.code, 0) << describe(result);
        EXPECT_EQ(last_line(result.out), "3 passed, 0 failed") << describe(result);
        EXPECT_NE(result.out.find("CONFORMANT"), std::string::npos) << result.out;
    }
}

TEST_F(RunCommand, FailingMustExitsOne) {
    write("tmp/passes.json", passing("tmp.passes"));
    write("tmp/must-fails.json", failing("tmp.must-fails"));
    const auto result = run({scenarios().string()});
    EXPECT_EQ(result.status.code, 1) << describe(result);
    EXPECT_EQ(last_line(result.out), "1 passed, 1 failed") << describe(result);
    EXPECT_NE(result.out.find("FAIL  tmp.must-fails"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("NOT CONFORMANT"), std::string::npos) << result.out;
}

TEST_F(RunCommand, FailingShouldFailsTheRunOnlyWithStrict) {
    write("tmp/passes.json", passing("tmp.passes"));
    write("tmp/should-fails.json", failing("tmp.should-fails", "should"));
    const auto lenient = run({scenarios().string()});
    EXPECT_EQ(lenient.status.code, 0) << describe(lenient);
    // The report stays truthful: the failure is counted even though it does not fail the run.
    EXPECT_EQ(last_line(lenient.out), "1 passed, 1 failed") << describe(lenient);
    const auto strict = run({"--strict", scenarios().string()});
    EXPECT_EQ(strict.status.code, 1) << describe(strict);
}

TEST_F(RunCommand, InteropFailureIsAWarningAndExitsZero) {
    write("tmp/passes.json", passing("tmp.passes"));
    write("tmp/interop-fails.json", failing("tmp.interop-fails", "interop"));
    const auto result = run({"--strict", scenarios().string()});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_NE(result.out.find("interop: a warning"), std::string::npos) << result.out;
    EXPECT_EQ(last_line(result.out), "1 passed, 1 failed") << describe(result);
}

TEST_F(RunCommand, MalformedScenarioFileExitsTwoAndTheValidOnesStillRun) {
    write("tmp/passes.json", passing("tmp.passes"));
    write("tmp/bad-level.json", scenario_text("tmp.bad-level", "sometimes", R"([{"close": {}}])"));
    const auto broken = write("tmp/broken.json", R"({"id": "tmp.broken", "name": )");
    const auto junit = file("report.xml");
    const auto report = file("report.json");
    const auto result =
        run({"--junit", junit.string(), "--json", report.string(), scenarios().string()});
    EXPECT_EQ(result.status.code, 2) << describe(result);
    EXPECT_NE(result.err.find("bad-level.json: /level:"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("broken.json"), std::string::npos) << result.err;
    EXPECT_EQ(last_line(result.out), "1 passed, 0 failed") << describe(result);
    // Every report says the run is incomplete and names each broken file.
    const std::string verdict = "INCOMPLETE (2 scenario files could not be loaded)";
    EXPECT_NE(result.out.find("\n" + verdict + "\n"), std::string::npos) << result.out;
    const auto listed = result.out.find("\nScenario files that could not be loaded:\n");
    EXPECT_NE(listed, std::string::npos) << result.out;
    EXPECT_NE(result.out.find("\n  " + broken.string() + ": JSON syntax error", listed),
              std::string::npos)
        << result.out;
    const auto doc = read_json(report);
    EXPECT_EQ(member(doc, "summary").value("verdict", ""), verdict) << doc.dump(2);
    EXPECT_EQ(member(doc, "summary").value("broken_files", -1), 2) << doc.dump(2);
    std::set<std::string> files;
    for (const auto& error : member(doc, "load_errors")) {
        files.insert(error.value("file", ""));
    }
    EXPECT_EQ(files, (std::set<std::string>{broken.string(),
                                            (scenarios() / "tmp" / "bad-level.json").string()}))
        << doc.dump(2);
    const auto xml = read_file(junit);
    EXPECT_NE(xml.find(R"(<testsuite name="load-errors" tests="2" failures="0" errors="2")"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("<testcase classname=\"load-errors\" name=\"" + broken.string() + "\""),
              std::string::npos)
        << xml;
    const auto xmllint =
        run_process({"/usr/bin/xmllint", "--noout", "--schema",
                     (source_dir / "reports" / "junit.xsd").string(), junit.string()},
                    60s);
    EXPECT_EQ(xmllint.status.code, 0) << describe(xmllint) << xml;
}

// A clause catalogue that has TEST-1 only.
const std::string test_catalogue = R"({"clauses": [{"id": "TEST-1", "level": "must",
    "source": "spec", "area": "test", "text": "what the test requires"}]})";

// A passing scenario that cites `clause` after TEST-1.
std::string citing(const std::string& id, const std::string& clause) {
    auto text = passing(id);
    const std::string cited = R"("clauses": ["TEST-1")";
    return text.replace(text.find(cited), cited.size(), cited + R"(, ")" + clause + '"');
}

TEST_F(RunCommand, UnknownClauseIdIsAFileErrorAndTheOthersStillRun) {
    write("clauses.json", test_catalogue);
    write("tmp/passes.json", passing("tmp.passes"));
    const auto unknown = write("tmp/unknown.json", citing("tmp.unknown", "NO-SUCH-CLAUSE"));
    const auto result = run({scenarios().string()});
    EXPECT_EQ(result.status.code, 2) << describe(result);
    EXPECT_NE(result.err.find(unknown.string() +
                              R"(: /clauses/1: unknown clause id )"
                              R"("NO-SUCH-CLAUSE" (not in )" +
                              (scenarios() / "clauses.json").string() + ")\n"),
              std::string::npos)
        << result.err;
    EXPECT_EQ(result.err.find("are not checked"), std::string::npos) << result.err;
    EXPECT_EQ(last_line(result.out), "1 passed, 0 failed") << describe(result);
}

TEST_F(RunCommand, ClausesOptionNamesTheCatalogue) {
    write("tmp/passes.json", passing("tmp.passes"));
    write("tmp/unknown.json", citing("tmp.unknown", "NO-SUCH-CLAUSE"));
    const auto catalogue = file("catalogue.json");
    std::ofstream(catalogue, std::ios::binary) << test_catalogue;
    const auto result = run({"--clauses", catalogue.string(), scenarios().string()});
    EXPECT_EQ(result.status.code, 2) << describe(result);
    EXPECT_NE(
        result.err.find("unknown clause id \"NO-SUCH-CLAUSE\" (not in " + catalogue.string() + ")"),
        std::string::npos)
        << result.err;
    EXPECT_EQ(last_line(result.out), "1 passed, 0 failed") << describe(result);

    const auto missing = run({"--clauses", file("missing.json").string(), scenarios().string()});
    EXPECT_EQ(missing.status.code, 2) << describe(missing);
    EXPECT_NE(missing.err.find("cannot read the clause catalogue"), std::string::npos)
        << missing.err;
    EXPECT_EQ(missing.out, "") << describe(missing);
}

TEST_F(RunCommand, WithoutACatalogueClauseIdsAreNotCheckedAndTheRunGoesOn) {
    write("tmp/passes.json", passing("tmp.passes"));
    write("tmp/unknown.json", citing("tmp.unknown", "NO-SUCH-CLAUSE"));
    const auto result = run({scenarios().string()}); // the tests run outside the source tree
    EXPECT_EQ(result.status.code, 0) << describe(result);
    const std::string note = "clause ids are not checked";
    const auto first = result.err.find(note);
    EXPECT_NE(first, std::string::npos) << result.err;
    EXPECT_EQ(result.err.find(note, first + 1), std::string::npos) << "said once:\n" << result.err;
    EXPECT_EQ(last_line(result.out), "2 passed, 0 failed") << describe(result);
}

TEST_F(RunCommand, ConsoleListsSkippedCasesWithTheirReasonAndWhereFixturesWent) {
    write("tmp/must.json", passing("tmp.must"));
    write("tmp/should.json", passing("tmp.should", "should"));
    const auto result = run({"--level", "must", scenarios().string()});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_NE(result.out.find("\nSkipped cases:\n  SKIP  tmp.should [should]: level"),
              std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find("\n  fixtures            local  ("), std::string::npos) << result.out;
    EXPECT_EQ(last_line(result.out), "1 passed, 0 failed") << describe(result);
}

TEST_F(RunCommand, BadOptionsExitTwoBeforeRunningAnything) {
    write("tmp/passes.json", passing("tmp.passes"));
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--shard", "5/4"}, "--shard"},
        {{"--shard", "0/4"}, "--shard"},
        {{"--shard", "two"}, "--shard"},
        {{"--level", "bogus"}, "--level"},
        {{"--level", "must,sometimes"}, "--level"},
        {{"--jobs", "0"}, "--jobs"},
        {{"--target", "no-port"}, "--target"},
        {{"--root", "/tmp"}, "--root"}, // --root without --target
        {{"--transport", "tls"}, "--transport"},
        {{"--transport", "tf", "--target", "127.0.0.1:1", "--hash", "h"}, "--pubkey"},
        {{"--transport", "tf", "--target", "127.0.0.1:1", "--pubkey", "p.pem"}, "--hash"},
        {{"--pubkey", "p.pem"}, "--pubkey"},                      // plain transport
        {{"--transport", "tf", "--pubkey", "p.pem"}, "--pubkey"}, // embedded server
        {{"--transport", "tf", "--target", "127.0.0.1:1", "--hash", "h", "--pubkey",
          file("missing.pem").string()},
         "missing.pem"},
        {{"--target", "127.0.0.1:1", "--root", "/tmp", "--fixtures", "remote"}, "--fixtures"},
        {{"--target", "127.0.0.1:1", "--fixtures", "local"}, "--fixtures"},
        {{"--fixtures", "elsewhere"}, "--fixtures"},
        {{"--session-key-size", "32"}, "--session-key-size"}, // plain transport
        {{"--transport", "tf", "--session-key-size", "15"}, "--session-key-size"},
        {{"--transport", "tf", "--session-key-size", "215"}, "--session-key-size"},
        {{"--expect-failures", file("missing.txt").string()}, "missing.txt"},
        {{"--junit", file("same").string(), "--json", file("same").string()}, "same file"},
        {{"--no-such-option"}, "no-such-option"},
    };
    for (const auto& [options, mentioned] : cases) {
        auto args = options;
        args.push_back(scenarios().string());
        const auto result = run(args);
        EXPECT_EQ(result.status.code, 2) << describe(result);
        EXPECT_NE(result.err.find(mentioned), std::string::npos) << describe(result);
        EXPECT_EQ(result.out.find("passed,"), std::string::npos) << describe(result);
    }
}

TEST_F(RunCommand, EmptySelectionExitsTwo) {
    write("tmp/passes.json", passing("tmp.passes"));
    const std::vector<std::vector<std::string>> cases = {{"--filter", "nothing.*"},
                                                         {"--keyword", "no-such-keyword"}};
    for (const auto& options : cases) {
        auto args = options;
        args.push_back(scenarios().string());
        const auto result = run(args);
        EXPECT_EQ(result.status.code, 2) << describe(result);
        EXPECT_NE(result.err.find("no scenario selected"), std::string::npos) << result.err;
        EXPECT_NE(result.err.find(options[1]), std::string::npos) << result.err;
    }
}

TEST_F(RunCommand, FilterTakesOneValueSoPathsMayFollowIt) {
    write("tmp/passes.json", passing("tmp.passes"));
    write("tmp/must-fails.json", failing("tmp.must-fails"));
    const auto result = run({"--filter", "tmp.pass*", "--keyword", "test", scenarios().string()});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_EQ(last_line(result.out), "1 passed, 0 failed") << describe(result);
}

// A TCP socket bound to a port on 127.0.0.1 but not listening: connecting to it is refused,
// and no other process can take the port while it is held.
class ClosedPort {
public:
    ClosedPort() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        socklen_t length = sizeof address;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            throw std::runtime_error("cannot bind a socket on 127.0.0.1");
        }
        port_ = ntohs(address.sin_port);
    }
    ~ClosedPort() { ::close(fd_); }
    ClosedPort(const ClosedPort&) = delete;
    ClosedPort& operator=(const ClosedPort&) = delete;
    std::uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

// The reason is said once on stderr; no case is made up: every report counts 0 cases run and
// 2 planned cases not run, and gives the same verdict.
TEST_F(RunCommand, UnreachableTargetExitsThreeSayingSoOnceWithTheSameCountsEverywhere) {
    write("tmp/passes.json", passing("tmp.passes"));
    write("tmp/must-fails.json", failing("tmp.must-fails"));
    ClosedPort closed;
    const auto junit = file("report.xml");
    const auto result = run({"--target", "127.0.0.1:" + std::to_string(closed.port()), "--root",
                             temp_.root().string(), "--json", file("report.json").string(),
                             "--junit", junit.string(), scenarios().string()});
    EXPECT_EQ(result.status.code, 3) << describe(result);
    const std::string reason =
        "target unreachable: cannot connect to 127.0.0.1:" + std::to_string(closed.port()) +
        ": connection refused";
    const std::string verdict = "INCOMPLETE (no case ran: " + reason + ")";
    const auto said = result.err.find(reason);
    EXPECT_NE(said, std::string::npos) << result.err;
    EXPECT_EQ(result.err.find(reason, said + 1), std::string::npos) << "said once:\n" << result.err;
    // The console: no case block, no "Running", the counts and the verdict once.
    EXPECT_EQ(result.out.find("ERROR"), std::string::npos) << result.out;
    EXPECT_EQ(result.out.find("Running"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("\n  errors              0\n"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("\n  not run             2  (the target failed the check"),
              std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find("\n" + verdict + "\n"), std::string::npos) << result.out;
    EXPECT_EQ(last_line(result.out), "0 passed, 0 failed") << describe(result);

    const auto report = read_json(file("report.json"));
    EXPECT_EQ(report.value("target", ""), "127.0.0.1:" + std::to_string(closed.port()));
    EXPECT_EQ(report.value("target_error", ""), reason) << report.dump(2);
    const auto summary = member(report, "summary");
    EXPECT_EQ(summary.value("verdict", ""), verdict) << summary.dump(2);
    EXPECT_EQ(summary.value("total", -1), 0) << summary.dump(2);
    EXPECT_EQ(summary.value("errors", -1), 0) << summary.dump(2);
    EXPECT_EQ(summary.value("failed", -1), 0) << summary.dump(2);
    EXPECT_EQ(summary.value("not_run", -1), 2) << summary.dump(2);
    EXPECT_EQ(member(report, "cases").size(), 0u) << report.dump(2);

    // JUnit: one error test case says it (CI viewers show test cases, not properties).
    const auto xml = read_file(junit);
    EXPECT_NE(xml.find(R"(<testsuites name="xsime-conform" tests="1" failures="0" errors="1")"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find(R"(<testcase classname="run" name="target check before the run")"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("<error message=\"no case ran: " + reason + "\" type=\"target\">"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find(R"(<property name="not_run" value="2"/>)"), std::string::npos) << xml;
    const auto xmllint =
        run_process({"/usr/bin/xmllint", "--noout", "--schema",
                     (source_dir / "reports" / "junit.xsd").string(), junit.string()},
                    60s);
    EXPECT_EQ(xmllint.status.code, 0) << describe(xmllint) << xml;
}

// ---- listing and sharding ----

TEST_F(RunCommand, ListPrintsIdsAndRunsNothing) {
    write("tmp/passes.json", passing("tmp.passes"));
    write("tmp/must-fails.json", failing("tmp.must-fails"));
    write("tmp/sleeps.json", sleeping("tmp.sleeps", 5000));
    const auto result = run({"--list", "--junit", file("list.xml").string(), "--level",
                             "must,should", scenarios().string()});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_EQ(listed_ids(result.out),
              (std::vector<std::string>{"tmp.must-fails", "tmp.passes", "tmp.sleeps"}))
        << result.out;
    EXPECT_EQ(last_line(result.out), "3 scenarios");
    // Nothing ran: no summary, no 5 s sleep, no report.
    EXPECT_EQ(result.out.find("passed,"), std::string::npos) << result.out;
    EXPECT_LT(result.elapsed, 4s);
    EXPECT_FALSE(fs::exists(file("list.xml")));
}

TEST_F(RunCommand, TwoShardsListEveryCaseExactlyOnce) {
    copy_suite_scenario("delivery/one-recipient.json");
    copy_suite_scenario("entering/exit-echo-and-reenter.json");
    for (const std::string name : {"a", "b", "c", "d", "e"}) {
        write("tmp/" + name + ".json", passing("tmp." + name));
    }
    const auto all = run({"--list", scenarios().string()});
    ASSERT_EQ(all.status.code, 0) << describe(all);
    const auto everything = listed_ids(all.out);
    ASSERT_EQ(everything.size(), 7u) << all.out;

    std::multiset<std::string> seen;
    for (const std::string shard : {"1/2", "2/2"}) {
        const auto result = run({"--list", "--shard", shard, scenarios().string()});
        EXPECT_EQ(result.status.code, 0) << describe(result);
        const auto ids = listed_ids(result.out);
        EXPECT_GE(ids.size(), 3u) << shard << "\n" << result.out;
        seen.insert(ids.begin(), ids.end());
    }
    EXPECT_EQ(std::vector<std::string>(seen.begin(), seen.end()), everything);
}

TEST_F(RunCommand, EmptyShardExitsZeroAndStillWritesReports) {
    write("tmp/a.json", passing("tmp.a"));
    write("tmp/b.json", passing("tmp.b"));
    const auto junit = file("shard.xml");
    const auto report = file("shard.json");
    const auto result = run({"--shard", "3/4", "--junit", junit.string(), "--json", report.string(),
                             scenarios().string()});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_NE(result.err.find("shard 3/4 is empty"), std::string::npos) << result.err;
    EXPECT_EQ(last_line(result.out), "0 passed, 0 failed") << describe(result);
    // A CI step that publishes the reports finds them, and they are valid.
    const auto xmllint =
        run_process({"/usr/bin/xmllint", "--noout", "--schema",
                     (source_dir / "reports" / "junit.xsd").string(), junit.string()},
                    60s);
    EXPECT_EQ(xmllint.status.code, 0) << describe(xmllint);
    EXPECT_EQ(member(read_json(report), "summary").value("total", -1), 0);

    // But a filter that matches nothing at all is a mistake, shard or not.
    const auto typo = run({"--shard", "3/4", "--filter", "typo.*", scenarios().string()});
    EXPECT_EQ(typo.status.code, 2) << describe(typo);
    EXPECT_NE(typo.err.find("no scenario selected"), std::string::npos) << typo.err;
}

// ---- reports ----

TEST_F(RunCommand, WritesAValidJUnitFileAndAJsonReportWithTheRightCounts) {
    write("tmp/passes.json", passing("tmp.passes"));
    write("tmp/must-fails.json", failing("tmp.must-fails"));
    write("tmp/should-fails.json", failing("tmp.should-fails", "should"));
    write("tmp/interop-fails.json", failing("tmp.interop-fails", "interop"));
    const auto junit = file("report.xml");
    const auto report = file("report.json");
    const auto result = run(
        {"-j", "2", "--junit", junit.string(), "--json", report.string(), scenarios().string()});
    EXPECT_EQ(result.status.code, 1) << describe(result);
    EXPECT_EQ(last_line(result.out), "1 passed, 3 failed") << describe(result);

    ASSERT_TRUE(fs::exists("/usr/bin/xmllint")) << "xmllint is needed (ci/install-deps)";
    const auto xmllint =
        run_process({"/usr/bin/xmllint", "--noout", "--schema",
                     (source_dir / "reports" / "junit.xsd").string(), junit.string()},
                    60s);
    EXPECT_EQ(xmllint.status.code, 0) << describe(xmllint) << read_file(junit);
    const auto xml = read_file(junit);
    EXPECT_NE(xml.find(R"(<testsuites name="xsime-conform" tests="4" failures="3" errors="0")"),
              std::string::npos)
        << xml;

    const auto doc = read_json(report);
    EXPECT_EQ(doc.value("schema", ""), "xsime-conform/report");
    EXPECT_EQ(doc.value("version", 0), 2);
    EXPECT_EQ(doc.value("target", ""), "embedded");
    const auto& summary = member(doc, "summary");
    EXPECT_EQ(summary.value("total", -1), 4) << summary.dump(2);
    EXPECT_EQ(summary.value("passed", -1), 1);
    EXPECT_EQ(summary.value("failed", -1), 3);
    EXPECT_EQ(summary.value("errors", -1), 0);
    EXPECT_EQ(summary.value("warnings", -1), 1);
    EXPECT_EQ(summary.value("blocking_failures", -1), 1);
    EXPECT_EQ(summary.value("conformant", true), false);
    EXPECT_EQ(summary.value("verdict", ""), "NOT CONFORMANT");
    ASSERT_EQ(member(doc, "cases").size(), 4u);
    std::map<std::string, std::string> verdicts;
    for (const auto& one : member(doc, "cases")) {
        verdicts[one.value("id", "")] = one.value("verdict", "");
    }
    EXPECT_EQ(verdicts, (std::map<std::string, std::string>{{"tmp.interop-fails", "fail"},
                                                            {"tmp.must-fails", "fail"},
                                                            {"tmp.passes", "pass"},
                                                            {"tmp.should-fails", "fail"}}));
    EXPECT_EQ(member(doc, "settings").value("jobs", ""), "2");
}

// ---- baseline, reruns, repetitions, the run deadline ----

TEST_F(RunCommand, ExpectFailuresExcusesListedFailuresAndFailsOnListedPasses) {
    write("tmp/passes.json", passing("tmp.passes"));
    write("tmp/must-fails.json", failing("tmp.must-fails"));
    const auto baseline = file("known-failures.txt");

    std::ofstream(baseline) << "# known failures\ntmp.must-fails\n";
    const auto excused = run({"--expect-failures", baseline.string(), scenarios().string()});
    EXPECT_EQ(excused.status.code, 0) << describe(excused);
    EXPECT_NE(excused.out.find("XFAIL"), std::string::npos) << excused.out;

    std::ofstream(baseline) << "tmp.must-fails\ntmp.passes\n";
    const auto outdated = run({"--expect-failures", baseline.string(), scenarios().string()});
    EXPECT_EQ(outdated.status.code, 1) << describe(outdated);
    EXPECT_NE(outdated.out.find("BASELINE OUT OF DATE"), std::string::npos) << outdated.out;

    // An id that matches no scenario is a warning, not silently ignored.
    std::ofstream(baseline) << "tmp.must-fails\ntmp.typo\n";
    const auto typo = run({"--expect-failures", baseline.string(), scenarios().string()});
    EXPECT_EQ(typo.status.code, 0) << describe(typo);
    EXPECT_NE(typo.err.find("'tmp.typo' is not the id of any loaded scenario"), std::string::npos)
        << typo.err;
}

TEST_F(RunCommand, RerunFailuresKeepsADeterministicFailureAndCountsAttempts) {
    write("tmp/passes.json", passing("tmp.passes"));
    write("tmp/must-fails.json", failing("tmp.must-fails"));
    const auto report = file("report.json");
    const auto result =
        run({"--rerun-failures", "2", "--json", report.string(), scenarios().string()});
    EXPECT_EQ(result.status.code, 1) << describe(result);
    const auto doc = read_json(report);
    ASSERT_EQ(member(doc, "cases").size(), 2u) << doc.dump(2);
    for (const auto& one : member(doc, "cases")) {
        if (one.value("id", "") == "tmp.must-fails") {
            EXPECT_EQ(one.value("verdict", ""), "fail");
            EXPECT_EQ(one.value("attempts", 0), 3);
            EXPECT_EQ(one.value("flaky", true), false);
        } else {
            EXPECT_EQ(one.value("attempts", 0), 1);
        }
    }
    EXPECT_EQ(member(doc, "settings").value("rerun_failures", ""), "2");
}

TEST_F(RunCommand, RepeatReportsEveryRepetition) {
    write("tmp/passes.json", passing("tmp.passes"));
    copy_suite_scenario("delivery/one-recipient.json");
    const auto report = file("report.json");
    const auto result =
        run({"--repeat", "3", "-j", "3", "--json", report.string(), scenarios().string()});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_EQ(last_line(result.out), "6 passed, 0 failed") << describe(result);
    const auto doc = read_json(report);
    std::map<std::string, std::vector<int>> repetitions;
    for (const auto& one : member(doc, "cases")) {
        repetitions[one.value("id", "")].push_back(one.value("repetition", -1));
    }
    EXPECT_EQ(repetitions, (std::map<std::string, std::vector<int>>{
                               {"delivery.one-recipient", {0, 1, 2}}, {"tmp.passes", {0, 1, 2}}}));
}

TEST_F(RunCommand, RunDeadlineStopsASleepingScenarioAndExitsThree) {
    write("tmp/sleeps.json", sleeping("tmp.sleeps", 5000));
    const auto report = file("report.json");
    const auto result = run({"--timeout", "1", "--json", report.string(), scenarios().string()});
    EXPECT_EQ(result.status.code, 3) << describe(result);
    // The sleep alone is 5 s: finishing well before proves the deadline cut it short.
    EXPECT_LT(result.elapsed, 3500ms) << describe(result);
    EXPECT_NE(result.out.find("run deadline reached"), std::string::npos) << result.out;
    const auto doc = read_json(report);
    EXPECT_EQ(member(doc, "summary").value("timed_out", false), true) << doc.dump(2);
}

// ---- the tf transport and remote fixtures ----

// A mailbox content check after a login: passes with local fixtures, not observable
// remotely (a check of `count` alone would be: remote fixtures count files with LS).
std::string with_mailbox_check(const std::string& id) {
    return scenario_text(id, "must",
                         R"([{"login": {"user": "alice"}},
            {"mailbox": {"user": "alice", "no_content_regex": ".*never.*"}}, {"exit": {}}])",
                         R"(["alice"])");
}

// A fixture message: TF commands cannot place one.
std::string with_fixture_message(const std::string& id) {
    return R"({"id": ")" + id + R"(", "name": "fixture message", "clauses": ["TEST-1"],
        "requirement": "r", "level": "must", "keywords": ["test"],
        "fixture": {"users": ["alice"], "messages": [{"to": "alice", "from": "bob",
        "timestamp": 1700000000, "text": "hi"}]}, "sessions": ["s"],
        "steps": [{"login": {"user": "alice"}}]})";
}

TEST_F(RunCommand, EmbeddedServerOverTfPasses) {
    write("tmp/passes.json", passing("tmp.passes"));
    write("tmp/mailbox.json", with_mailbox_check("tmp.mailbox"));
    const auto report = file("report.json");
    const auto result = run({"--transport", "tf", "--json", report.string(), scenarios().string()});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_EQ(last_line(result.out), "2 passed, 0 failed") << describe(result);
    const auto settings = member(read_json(report), "settings");
    EXPECT_EQ(settings.value("transport", ""), "tf") << settings.dump();
    EXPECT_EQ(settings.value("fixtures", ""), "local") << settings.dump();
}

TEST_F(RunCommand, RemoteFixturesSkipWhatTheyCannotMakeOrSee) {
    write("tmp/passes.json", passing("tmp.passes"));
    write("tmp/mailbox.json", with_mailbox_check("tmp.mailbox"));
    write("tmp/fixture-message.json", with_fixture_message("tmp.fixture-message"));
    const auto report = file("report.json");
    const auto result = run({"--transport", "tf", "--fixtures", "remote", "--json", report.string(),
                             scenarios().string()});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    const auto doc = read_json(report);
    EXPECT_EQ(member(doc, "settings").value("fixtures", ""), "remote") << doc.dump(2);
    std::map<std::string, std::pair<std::string, std::string>> verdicts;
    for (const auto& one : member(doc, "cases")) {
        verdicts[one.value("id", "")] = {one.value("verdict", ""), one.value("skip_reason", "")};
    }
    EXPECT_EQ(verdicts["tmp.passes"].first, "pass");
    EXPECT_EQ(verdicts["tmp.mailbox"].first, "skipped");
    EXPECT_NE(verdicts["tmp.mailbox"].second.find("not observable"), std::string::npos);
    EXPECT_EQ(verdicts["tmp.fixture-message"].first, "skipped");
    EXPECT_NE(verdicts["tmp.fixture-message"].second.find("needs a local fixture"),
              std::string::npos);
}

// A separate `serve --transport tf` process, reached with --pubkey and --hash and no --root.
class RunOverTf : public RunCommand {
protected:
    void SetUp() override {
        const auto keys = temp_.base() / "keys";
        const auto made = run_process({XSIME_CONFORM_BIN, "keygen", keys.string()}, 30s);
        ASSERT_EQ(made.status.code, 0) << describe(made);
        public_key_ = (keys / "public.pem").string();
        server_.emplace(temp_, std::vector<std::string>{"--transport", "tf", "--key",
                                                        (keys / "private.pem").string(), "--hash",
                                                        "the-hash"});
    }
    std::string target() const { return "127.0.0.1:" + std::to_string(server_->port()); }

    std::string public_key_;
    std::optional<ServerProcess> server_;
};

TEST_F(RunOverTf, TargetWithoutRootUsesRemoteFixtures) {
    write("tmp/passes.json", passing("tmp.passes"));
    const auto report = file("report.json");
    const auto result =
        run({"--target", target(), "--transport", "tf", "--pubkey", public_key_, "--hash",
             "the-hash", "--json", report.string(), scenarios().string()});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_EQ(last_line(result.out), "1 passed, 0 failed") << describe(result);
    EXPECT_EQ(member(read_json(report), "settings").value("fixtures", ""), "remote");
    // The org unit was made with MKDIR and removed with RMDIR.
    EXPECT_EQ(server_->stderr_text().find("TF handshake refused"), std::string::npos)
        << server_->stderr_text();
    std::size_t org_units = 0;
    for (const auto& entry : fs::directory_iterator(temp_.root())) {
        org_units += entry.path().filename().string().rfind("xc-", 0) == 0 ? 1 : 0;
    }
    EXPECT_EQ(org_units, 0u);
}

TEST_F(RunOverTf, RefusedHandshakeExitsThreeNamingTheStepAndTheAnswer) {
    write("tmp/passes.json", passing("tmp.passes"));
    write("tmp/other.json", passing("tmp.other"));
    const auto report = file("report.json");
    const auto result =
        run({"--target", target(), "--transport", "tf", "--pubkey", public_key_, "--hash",
             "not-the-hash", "--json", report.string(), scenarios().string()});
    EXPECT_EQ(result.status.code, 3) << describe(result);
    EXPECT_NE(result.err.find("step 3"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("'FAILED wrong hash'"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("no scenario was run"), std::string::npos) << result.err;
    const auto doc = read_json(report);
    EXPECT_EQ(member(doc, "summary").value("not_run", -1), 2) << doc.dump(2);
    EXPECT_EQ(member(doc, "cases").size(), 0u) << doc.dump(2);
    EXPECT_NE(doc.value("target_error", "").find("FAILED wrong hash"), std::string::npos)
        << doc.dump(2);
    // One handshake was tried (the check before the run), not one per case.
    EXPECT_TRUE(server_->wait_for_log("refused: wrong hash", 2s)) << server_->stderr_text();
    const auto log = server_->stderr_text();
    std::size_t refusals = 0;
    for (auto at = log.find("closed: TF handshake refused"); at != std::string::npos;
         at = log.find("closed: TF handshake refused", at + 1)) {
        ++refusals;
    }
    EXPECT_EQ(refusals, 1u) << log;
}

// The protocol's bounds for the session key, both accepted by the server.
TEST_F(RunOverTf, SessionKeysOfSixteenAndTwoHundredFourteenBytes) {
    write("tmp/passes.json", passing("tmp.passes"));
    for (const std::string size : {"16", "214"}) {
        const auto result =
            run({"--target", target(), "--transport", "tf", "--pubkey", public_key_, "--hash",
                 "the-hash", "--session-key-size", size, scenarios().string()});
        EXPECT_EQ(result.status.code, 0) << describe(result);
        EXPECT_TRUE(server_->wait_for_log("session key of " + size + " bytes", 2s))
            << server_->stderr_text();
    }
}

TEST_F(RunOverTf, WrongProtocolVersionIsStepOne) {
    write("tmp/passes.json", passing("tmp.passes"));
    const auto result = run({"--target", target(), "--transport", "tf", "--pubkey", public_key_,
                             "--hash", "the-hash", "--proto-version", "9.9", scenarios().string()});
    EXPECT_EQ(result.status.code, 3) << describe(result);
    EXPECT_NE(result.err.find("step 1 (protocol version '9.9')"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("FAILED protocol version '9.9' is not supported"), std::string::npos)
        << result.err;
}

// Plain against a `serve --transport tf`: its refusal of the first TF message as a protocol
// version is recognised before the run, and no case runs.
TEST_F(RunOverTf, PlainAgainstATfServerSaysToUseTf) {
    write("tmp/passes.json", passing("tmp.passes"));
    write("tmp/other.json", passing("tmp.other"));
    const auto report = file("report.json");
    const auto result = run({"--target", target(), "--root", temp_.root().string(), "--json",
                             report.string(), scenarios().string()});
    EXPECT_EQ(result.status.code, 3) << describe(result);
    EXPECT_NE(result.err.find("the target seems to speak the TF handshake"), std::string::npos)
        << result.err;
    EXPECT_NE(result.err.find("FAILED protocol version"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("use --transport tf --pubkey FILE --hash STR; no scenario was run"),
              std::string::npos)
        << result.err;
    EXPECT_EQ(last_line(result.out), "0 passed, 0 failed") << describe(result);
    EXPECT_EQ(member(read_json(report), "summary").value("not_run", -1), 2);
}

// A separate plain `serve` process, reached with --target.
class RunOverPlain : public RunCommand {
protected:
    void SetUp() override { server_.emplace(temp_); }
    std::string target() const { return "127.0.0.1:" + std::to_string(server_->port()); }
    std::optional<ServerProcess> server_;
};

TEST_F(RunOverPlain, PlainTargetPassesThePreflight) {
    write("tmp/passes.json", passing("tmp.passes"));
    const auto result =
        run({"--target", target(), "--root", temp_.root().string(), scenarios().string()});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_EQ(result.err.find("TF handshake"), std::string::npos) << result.err;
    EXPECT_EQ(last_line(result.out), "1 passed, 0 failed") << describe(result);
}

TEST_F(RunOverPlain, TfAgainstAPlainServerSaysToUsePlain) {
    write("tmp/passes.json", passing("tmp.passes"));
    const auto keys = temp_.base() / "keys";
    const auto made = run_process({XSIME_CONFORM_BIN, "keygen", keys.string()}, 30s);
    ASSERT_EQ(made.status.code, 0) << describe(made);
    const auto result =
        run({"--target", target(), "--transport", "tf", "--pubkey", (keys / "public.pem").string(),
             "--hash", "h", "--root", temp_.root().string(), scenarios().string()});
    EXPECT_EQ(result.status.code, 3) << describe(result);
    EXPECT_NE(result.err.find("step 1"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("the target does not speak the TF handshake: use --transport plain"),
              std::string::npos)
        << result.err;
    EXPECT_NE(result.out.find("INCOMPLETE (no case ran: TF handshake, step 1"), std::string::npos)
        << result.out;
    EXPECT_EQ(last_line(result.out), "0 passed, 0 failed") << describe(result);
}

} // namespace
} // namespace xsime::test
