// `xsime-conform client-driver` end to end: the subcommand exists, lists its faults, refuses an
// unknown one, and with no input prints hello then done and exits 0.
#include "client/client_faults.hpp"
#include "tests/support/run_process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace xsime::test {
namespace {

using namespace std::chrono_literals;

TEST(ClientDriverCommandTest, WithNoInputItSaysHelloThenDone) {
    const auto result = run_process({XSIME_CONFORM_BIN, "client-driver", "127.0.0.1", "1"}, 10s);
    ASSERT_TRUE(result.status.success()) << describe(result);
    std::istringstream lines(result.out);
    std::string hello;
    std::string done;
    std::getline(lines, hello);
    std::getline(lines, done);
    const auto first = nlohmann::json::parse(hello);
    EXPECT_EQ(first.value("event", ""), "hello");
    EXPECT_EQ(first.value("protocol", 0), 1);
    EXPECT_EQ(first.value("client", "").rfind("xsime-conform reference client ", 0), 0u) << hello;
    EXPECT_EQ(nlohmann::json::parse(done), nlohmann::json({{"event", "done"}}));
    std::string rest;
    EXPECT_FALSE(std::getline(lines, rest)) << "stdout holds only events: " << rest;
}

TEST(ClientDriverCommandTest, ListsEveryClientFaultWithItsClauses) {
    const auto result =
        run_process({XSIME_CONFORM_BIN, "client-driver", "--list-client-faults"}, 10s);
    ASSERT_TRUE(result.status.success()) << describe(result);
    for (const auto& info : client::client_fault_table()) {
        const auto line = std::string(info.name) + ": " + std::string(info.breaks) +
                          " (clauses: " + std::string(info.clauses) + ")\n";
        EXPECT_NE(result.out.find(line), std::string::npos) << info.name << "\n" << result.out;
    }
}

TEST(ClientDriverCommandTest, AnUnknownFaultIsAUsageError) {
    const auto result = run_process(
        {XSIME_CONFORM_BIN, "client-driver", "127.0.0.1", "1", "--client-fault", "nope"}, 10s);
    EXPECT_EQ(result.status.code, 2) << describe(result);
    EXPECT_NE(result.err.find("nope"), std::string::npos) << describe(result);
}

} // namespace
} // namespace xsime::test
