// End-to-end tests of `xsime-conform coverage`: the matrix has column headers, an empty list
// reads "none", and the exit code says whether every must and should clause is covered.
#include "tests/support/files.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/server_process.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#ifndef XSIME_CONFORM_BIN
#error "XSIME_CONFORM_BIN must name the xsime-conform executable (set by tests/CMakeLists.txt)"
#endif

namespace xsime::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// TEST-1 has a scenario below; TEST-2 (must) and TEST-3 (interop) have none.
const std::string catalogue = R"({"clauses": [
  {"id": "TEST-1", "level": "must", "source": "spec", "area": "test", "text": "one"},
  {"id": "TEST-2", "level": "must", "source": "spec", "area": "test", "text": "two"},
  {"id": "TEST-3", "level": "interop", "source": "design", "area": "test", "text": "three"}]})";
const std::string scenario = R"({"id": "tmp.one", "name": "one", "clauses": ["TEST-1"],
    "requirement": "one", "level": "must", "keywords": ["test"], "fixture": {"users": []},
    "sessions": ["s"], "steps": [{"sleep": {"ms": 1}}]})";

class CoverageCommand : public ::testing::Test {
protected:
    CoverageCommand() {
        fs::create_directories(temp_.base() / "scenarios" / "tmp");
        write_file(temp_.base() / "scenarios" / "tmp" / "one.json", scenario);
    }

    ProcessResult coverage(const std::string& clauses) {
        write_file(temp_.base() / "scenarios" / "clauses.json", clauses);
        auto result = run_process({XSIME_CONFORM_BIN, "coverage"}, 60s, temp_.base());
        EXPECT_FALSE(result.timed_out) << describe(result);
        return result;
    }

    TempRoot temp_;
};

TEST_F(CoverageCommand, HeadersAndNoneForWhatNoScenarioChecks) {
    const auto result = coverage(catalogue);
    EXPECT_EQ(result.status.code, 1) << describe(result);
    // Column headers first, then one row per clause; a side with no scenario reads "none".
    EXPECT_EQ(result.out.rfind("CLAUSE                        LEVEL    BINDS   SCENARIOS\n", 0), 0u)
        << result.out;
    EXPECT_NE(result.out.find("TEST-1                        must     server  server: tmp.one\n"),
              std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find("TEST-2                        must     server  server: none\n"),
              std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find("uncovered must/should clauses (on a side they bind):\n  TEST-2 "),
              std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find("1/3 clauses covered"), std::string::npos) << result.out;
}

TEST_F(CoverageCommand, AnEmptyUncoveredListSaysNone) {
    const auto result = coverage(R"({"clauses": [
      {"id": "TEST-1", "level": "must", "source": "spec", "area": "test", "text": "one"}]})");
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_NE(result.out.find("uncovered must/should clauses (on a side they bind):\n  none\n"),
              std::string::npos)
        << result.out;
}

} // namespace
} // namespace xsime::test
