// End-to-end tests of `xsime-conform run` cut short: SIGINT in the middle of a run against the
// embedded server and against a `serve` process (remote fixtures), a second signal, SIGKILL,
// and a stop after the report files were opened. The reports must stay whole and say what
// happened, and no org unit may be left behind.
#include "tests/support/child_process.hpp"
#include "tests/support/files.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/wait_until.hpp"

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
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
using steady = std::chrono::steady_clock;

const fs::path source_dir = XSIME_SOURCE_DIR;

// Long enough that a run that ignores the signal is obvious, short enough for the safety bound.
constexpr int sleep_ms = 20000;
// The brief's bound is a second for the running cases; writing the reports and stopping the
// embedded server come on top, and the test machine is shared.
constexpr auto stop_bound = 3s;

std::string scenario(const std::string& id, const std::string& steps) {
    return R"({"id": ")" + id + R"(", "name": "test scenario )" + id +
           R"(", "clauses": ["TEST-1"], "requirement": "r", "level": "must", "keywords": ["t"],
        "fixture": {"users": ["alice"]}, "sessions": ["s"], "steps": )" +
           steps + "}";
}

// Fails at once: the server answers an unknown TF command with something else.
std::string failing(const std::string& id) {
    return scenario(id, R"([{"tf": {"command": "NOT_A_COMMAND", "expect_reply": "not this"}}])");
}

// Logs in (so the org unit has a user folder with messages/), then sleeps.
std::string sleeping(const std::string& id) {
    return scenario(id, R"([{"login": {"user": "alice"}}, {"sleep": {"ms": )" +
                            std::to_string(sleep_ms) + "}}]");
}

// The org units (xc-*) directly in `root`.
std::size_t org_units(const fs::path& root) {
    std::size_t count = 0;
    std::error_code ec;
    for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        count += it->path().filename().string().rfind("xc-", 0) == 0 ? 1 : 0;
    }
    return count;
}

// The embedded server's roots (xsime-conform-*) made in `tmp`, the child's TMPDIR.
std::vector<fs::path> embedded_roots(const fs::path& tmp) {
    std::vector<fs::path> roots;
    std::error_code ec;
    for (fs::directory_iterator it(tmp, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().filename().string().rfind("xsime-conform-", 0) == 0) {
            roots.push_back(it->path());
        }
    }
    return roots;
}

// Files in `dir` whose names contain ".tmp-" (report temporaries), sorted.
std::vector<std::string> temporaries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().filename().string().find(".tmp-") != std::string::npos) {
            names.push_back(entry.path().filename().string());
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

json parse_or_fail(const fs::path& path) {
    const auto text = read_file(path);
    try {
        return json::parse(text);
    } catch (const json::exception& e) {
        ADD_FAILURE() << path << " is not JSON: " << e.what() << "\n" << text;
        return json::object();
    }
}

class RunInterrupted : public ::testing::Test {
protected:
    void SetUp() override {
        fs::create_directories(scenarios() / "tmp");
        fs::create_directories(tmp());
        write_file(scenarios() / "tmp" / "a-fails.json", failing("tmp.a-fails"));
        for (const std::string name : {"b", "c", "d", "e"}) {
            write_file(scenarios() / "tmp" / (name + "-sleeps.json"),
                       sleeping("tmp." + name + "-sleeps"));
        }
    }

    fs::path scenarios() const { return temp_.base() / "scenarios"; }
    fs::path tmp() const { return temp_.base() / "tmp"; } // the child's TMPDIR
    fs::path file(const std::string& name) const { return temp_.base() / name; }

    // `xsime-conform run -j 2 --json report.json --junit report.xml EXTRA... scenarios/`, with
    // TMPDIR set so that the embedded server's root is found.
    std::unique_ptr<ChildProcess> start(const std::vector<std::string>& extra) {
        std::vector<std::string> args = {"/usr/bin/env",
                                         "TMPDIR=" + tmp().string(),
                                         XSIME_CONFORM_BIN,
                                         "run",
                                         "-j",
                                         "2",
                                         "--json",
                                         file("report.json").string(),
                                         "--junit",
                                         file("report.xml").string()};
        args.insert(args.end(), extra.begin(), extra.end());
        args.push_back(scenarios().string());
        // In the test's folder: no scenarios/clauses.json there, so TEST-1 is not checked.
        return std::make_unique<ChildProcess>(args, file("run.out"), file("run.err"), temp_.base());
    }

    // The middle of the run: tmp.a-fails has finished (the console printed it) and the two
    // workers are in the sleeping cases (their org units exist in `root`).
    static bool in_the_middle(const ChildProcess& run, const std::function<fs::path()>& root) {
        return run.out().find("FAIL  tmp.a-fails") != std::string::npos && org_units(root()) == 2;
    }

    // Sends `signal` once the run is in the middle, then waits for the exit; how long it took.
    std::chrono::milliseconds interrupt(ChildProcess& run, const std::function<fs::path()>& root,
                                        int signal = SIGINT) {
        EXPECT_TRUE(wait_until([&] { return in_the_middle(run, root); }, 30s, 10ms))
            << run.out() << run.err();
        const auto sent = steady::now();
        run.signal(signal);
        status_ = run.wait_exit(30s);
        return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - sent);
    }

    // What every report of the interrupted run must say: 3 of 5 planned cases have results
    // (a failure and 2 cases stopped by the interruption), 2 did not run; exit code 3.
    void expect_reports_say_interrupted(const ChildProcess& run) {
        ASSERT_TRUE(status_.has_value()) << "still running\n" << run.out() << run.err();
        EXPECT_EQ(status_->code, 3) << describe(*status_) << "\n" << run.out() << run.err();
        EXPECT_NE(run.err().find("interrupted: stopping the running cases"), std::string::npos)
            << run.err();
        const auto out = run.out();
        EXPECT_NE(out.find("\n  not run             2  (interrupted before they started)\n"),
                  std::string::npos)
            << out;
        EXPECT_NE(out.find("\nINCOMPLETE (interrupted)\n0 passed, 3 failed\n"), std::string::npos)
            << out;

        const auto doc = parse_or_fail(file("report.json"));
        const auto summary = doc.value("summary", json::object());
        EXPECT_EQ(summary.value("verdict", ""), "INCOMPLETE (interrupted)") << summary.dump(2);
        EXPECT_EQ(summary.value("interrupted", false), true);
        EXPECT_EQ(summary.value("incomplete", false), true);
        EXPECT_EQ(summary.value("total", -1), 3);
        EXPECT_EQ(summary.value("failed", -1), 1);
        EXPECT_EQ(summary.value("errors", -1), 2);
        EXPECT_EQ(summary.value("not_run", -1), 2);
        std::vector<std::string> stopped;
        for (const auto& one : doc.value("cases", json::array())) {
            if (one.value("verdict", "") == "error") {
                stopped.push_back(one.value("id", ""));
                EXPECT_NE(one.value("message", "").find("interrupted before the case finished"),
                          std::string::npos)
                    << one.dump(2);
            }
        }
        EXPECT_EQ(stopped, (std::vector<std::string>{"tmp.b-sleeps", "tmp.c-sleeps"}));

        const auto xml = read_file(file("report.xml"));
        EXPECT_NE(xml.find(R"(<testsuites name="xsime-conform" tests="4" failures="1" errors="3")"),
                  std::string::npos)
            << xml;
        EXPECT_NE(xml.find(R"(<property name="interrupted" value="true"/>)"), std::string::npos);
        EXPECT_NE(xml.find(R"(<testcase classname="run" name="interrupted")"), std::string::npos);
        const auto xmllint = run_process({"/usr/bin/xmllint", "--noout", "--schema",
                                          (source_dir / "reports" / "junit.xsd").string(),
                                          file("report.xml").string()},
                                         60s);
        EXPECT_EQ(xmllint.status.code, 0) << describe(xmllint) << xml;
        EXPECT_EQ(temporaries(temp_.base()), std::vector<std::string>{});
    }

    TempRoot temp_;
    std::optional<ExitStatus> status_;
};

TEST_F(RunInterrupted, SigintAgainstTheEmbeddedServerStopsAndWritesMarkedReports) {
    auto run = start({});
    fs::path root;
    const auto took = interrupt(*run, [&] {
        const auto roots = embedded_roots(tmp());
        root = roots.size() == 1 ? roots.front() : fs::path();
        return root;
    });
    EXPECT_LT(took, stop_bound) << run->out();
    expect_reports_say_interrupted(*run);
    // The org units went with the fixture teardown, the embedded root with the server.
    EXPECT_FALSE(fs::exists(root)) << root;
    EXPECT_EQ(embedded_roots(tmp()), std::vector<fs::path>{});
}

TEST_F(RunInterrupted, SigintAgainstAServeProcessRemovesTheOrgUnitsThroughTfCommands) {
    ServerProcess server(temp_);
    // No --root: remote fixtures, so the org units are removed by the run's own RMDIR.
    auto run = start({"--target", "127.0.0.1:" + std::to_string(server.port())});
    const auto took = interrupt(*run, [&] { return temp_.root(); });
    EXPECT_LT(took, stop_bound) << run->out();
    expect_reports_say_interrupted(*run);
    const auto settings = parse_or_fail(file("report.json")).value("settings", json::object());
    EXPECT_EQ(settings.value("fixtures", ""), "remote") << settings.dump();
    EXPECT_TRUE(server.running());
    EXPECT_EQ(org_units(temp_.root()), 0u) << "left in " << temp_.root();
}

// A second signal ends the process by that signal without writing reports: the previous
// reports stay, and their temporaries are removed. SIGSTOP holds both signals pending, so
// that neither can be handled before the other was sent (two SIGINTs would merge into one).
TEST_F(RunInterrupted, ASecondSignalExitsAtOnceLeavingThePreviousReports) {
    write_file(file("report.json"), "previous json\n");
    write_file(file("report.xml"), "previous xml\n");
    auto run = start({});
    ASSERT_TRUE(wait_until(
        [&] {
            const auto roots = embedded_roots(tmp());
            return roots.size() == 1 && org_units(roots.front()) > 0;
        },
        30s, 10ms))
        << run->out() << run->err();
    EXPECT_EQ(temporaries(temp_.base()).size(), 2u);
    run->signal(SIGSTOP);
    run->signal(SIGTERM);
    run->signal(SIGINT);
    const auto sent = steady::now();
    run->signal(SIGCONT);
    const auto status = run->wait_exit(30s);
    ASSERT_TRUE(status.has_value()) << run->out() << run->err();
    EXPECT_LT(steady::now() - sent, stop_bound);
    EXPECT_TRUE(status->signal == SIGINT || status->signal == SIGTERM) << describe(*status);
    EXPECT_EQ(read_file(file("report.json")), "previous json\n");
    EXPECT_EQ(read_file(file("report.xml")), "previous xml\n");
    EXPECT_EQ(temporaries(temp_.base()), std::vector<std::string>{});
}

// A run killed before its end (SIGKILL: nothing can be done) leaves the previous report in
// place, never an empty or half-written one.
TEST_F(RunInterrupted, ARunKilledBeforeItsEndLeavesThePreviousReportsInPlace) {
    write_file(file("report.json"), "previous json\n");
    write_file(file("report.xml"), "previous xml\n");
    auto run = start({});
    // Under way, with its reports opened: the temporaries exist, the files are untouched.
    ASSERT_TRUE(wait_until(
        [&] {
            return in_the_middle(*run, [&] {
                const auto roots = embedded_roots(tmp());
                return roots.empty() ? fs::path() : roots.front();
            });
        },
        30s, 10ms))
        << run->out() << run->err();
    const auto pid = std::to_string(run->pid());
    EXPECT_EQ(temporaries(temp_.base()),
              (std::vector<std::string>{"report.json.tmp-" + pid, "report.xml.tmp-" + pid}))
        << temp_.base();
    run->signal(SIGKILL);
    const auto status = run->wait_exit(30s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status->signal, SIGKILL);
    EXPECT_EQ(read_file(file("report.json")), "previous json\n");
    EXPECT_EQ(read_file(file("report.xml")), "previous xml\n");
}

// A stop after the report files were opened (here a --pubkey file that does not exist, read
// with the target) writes no report: the previous ones stay and the temporaries go.
TEST_F(RunInterrupted, AStopAfterTheReportsWereOpenedKeepsThePreviousReports) {
    write_file(file("report.json"), "previous json\n");
    const auto result =
        run_process({XSIME_CONFORM_BIN, "run", "--json", file("report.json").string(),
                     "--transport", "tf", "--target", "127.0.0.1:1", "--hash", "h", "--pubkey",
                     file("missing.pem").string(), scenarios().string()},
                    60s, temp_.base());
    EXPECT_EQ(result.status.code, 2) << describe(result);
    EXPECT_NE(result.err.find("missing.pem"), std::string::npos) << result.err;
    EXPECT_EQ(read_file(file("report.json")), "previous json\n");
    EXPECT_EQ(temporaries(temp_.base()), std::vector<std::string>{});
}

} // namespace
} // namespace xsime::test
