// `xsime-conform run --verbose`: every case gets a line with its verdict and time, passes and
// skipped cases included; without it the console names only what did not simply pass.
#include "tests/support/files.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/server_process.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <regex>
#include <string>
#include <vector>

#ifndef XSIME_CONFORM_BIN
#error "XSIME_CONFORM_BIN must name the xsime-conform executable (set by tests/CMakeLists.txt)"
#endif

namespace xsime::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string scenario_text(const std::string& id, const std::string& level, const std::string& steps,
                          const std::string& users = "[]") {
    return R"({"id": ")" + id + R"(", "name": "test scenario )" + id +
           R"(", "clauses": ["TEST-1"], "requirement": "what the test requires", "level": ")" +
           level + R"(", "keywords": ["test"], "fixture": {"users": )" + users +
           R"(}, "sessions": ["s"], "steps": )" + steps + "}";
}

const std::string logs_in = R"([{"login": {"user": "alice"}}, {"exit": {}}])";
// The server never answers an unknown TF command with this: a deterministic failure.
const std::string mismatches =
    R"([{"tf": {"command": "NOT_A_COMMAND", "expect_reply": "surely not this reply"}}])";

bool has_line(const std::string& out, const std::string& pattern) {
    return std::regex_search(out, std::regex("(^|\n)" + pattern + "\n"));
}

class RunVerbose : public ::testing::Test {
protected:
    RunVerbose() {
        const auto dir = temp_.base() / "scenarios" / "tmp";
        fs::create_directories(dir);
        write_file(dir / "passes.json",
                   scenario_text("tmp.passes", "must", logs_in, R"(["alice"])"));
        write_file(dir / "also.json", scenario_text("tmp.also", "must", logs_in, R"(["alice"])"));
        write_file(dir / "fails.json", scenario_text("tmp.fails", "must", mismatches));
        write_file(dir / "should.json",
                   scenario_text("tmp.should", "should", logs_in, R"(["alice"])"));
    }

    ProcessResult run(std::vector<std::string> args) {
        args.insert(args.begin(), {XSIME_CONFORM_BIN, "run", "--level", "must"});
        args.push_back((temp_.base() / "scenarios").string());
        auto result = run_process(args, 60s, temp_.base());
        EXPECT_FALSE(result.timed_out) << describe(result);
        return result;
    }

    TempRoot temp_;
};

TEST_F(RunVerbose, EveryCaseHasALineWithItsVerdictAndTime) {
    for (const std::string flag : {"--verbose", "-v"}) {
        const auto result = run({flag});
        EXPECT_EQ(result.status.code, 1) << describe(result);
        const std::string time = R"( \([0-9]+\.[0-9]{2} s\))";
        EXPECT_TRUE(has_line(result.out, "PASS  tmp\\.passes" + time)) << result.out;
        EXPECT_TRUE(has_line(result.out, "PASS  tmp\\.also" + time)) << result.out;
        EXPECT_TRUE(
            has_line(result.out, "FAIL  tmp\\.fails \u2014 test scenario tmp\\.fails" + time))
            << result.out;
        EXPECT_TRUE(has_line(result.out, "SKIP  tmp\\.should: level should not selected.*"))
            << result.out;
        EXPECT_NE(result.out.find("      requirement: \"what the test requires\""),
                  std::string::npos)
            << "a failure keeps its details:\n"
            << result.out;
    }
}

TEST_F(RunVerbose, APassingRunNamesEveryCase) {
    fs::remove(temp_.base() / "scenarios" / "tmp" / "fails.json");
    const auto result = run({"--verbose"});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_TRUE(has_line(result.out, "PASS  tmp\\.passes \\([0-9.]+ s\\)")) << result.out;
    EXPECT_TRUE(has_line(result.out, "PASS  tmp\\.also \\([0-9.]+ s\\)")) << result.out;
}

TEST_F(RunVerbose, WithoutItPassesAreOnlyCounted) {
    const auto result = run({});
    EXPECT_EQ(result.status.code, 1) << describe(result);
    EXPECT_EQ(result.out.find("PASS  "), std::string::npos) << result.out;
    EXPECT_TRUE(has_line(result.out, "FAIL  tmp\\.fails \u2014 test scenario tmp\\.fails"))
        << "no time without --verbose:\n"
        << result.out;
    EXPECT_NE(result.out.find("2 passed, 1 failed"), std::string::npos) << result.out;
}

} // namespace
} // namespace xsime::test
