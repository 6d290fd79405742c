// End-to-end tests of `xsime-conform serve --transport tf`'s options: key files are checked
// before the server listens, and wrong combinations are usage errors (exit 2) that say why.
// Also `serve --list-faults`, the fault table scripts read.
#include "protocol/tf_rsa.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/server_process.hpp"

#include <filesystem>
#include <fstream>
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

class ServeCommand : public ::testing::Test {
protected:
    void SetUp() override {
        auto pair = protocol::generate_tf_key_pair();
        ASSERT_TRUE(std::holds_alternative<protocol::TfKeyPair>(pair));
        const auto& keys = std::get<protocol::TfKeyPair>(pair);
        std::ofstream(private_key()) << keys.private_pem;
        std::ofstream(public_key()) << keys.public_pem;
    }
    fs::path private_key() const { return temp_.base() / "private.pem"; }
    fs::path public_key() const { return temp_.base() / "public.pem"; }

    // `serve --root ROOT --port 0 ARGS...`: each case here must end on its own, at once.
    ProcessResult serve(const std::vector<std::string>& args) {
        std::vector<std::string> argv{XSIME_CONFORM_BIN,     "serve",  "--root",
                                      temp_.root().string(), "--port", "0"};
        argv.insert(argv.end(), args.begin(), args.end());
        auto result = run_process(argv, 30s);
        EXPECT_FALSE(result.timed_out) << describe(result);
        return result;
    }

    TempRoot temp_;
};

TEST_F(ServeCommand, TfOptionsThatCannotWorkExitTwoNamingTheProblem) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--transport", "tf", "--hash", "h"}, "--key"},
        {{"--transport", "tf", "--key", private_key().string()}, "--hash"},
        {{"--transport", "tf", "--key", (temp_.base() / "missing.pem").string(), "--hash", "h"},
         "missing.pem"},
        // The public key where the private one belongs.
        {{"--transport", "tf", "--key", public_key().string(), "--hash", "h"}, "public.pem"},
        {{"--key", private_key().string()}, "--transport tf"},
        {{"--hash", "h"}, "--transport tf"},
        {{"--transport", "tls"}, "--transport"},
    };
    for (const auto& [args, mentioned] : cases) {
        const auto result = serve(args);
        EXPECT_EQ(result.status.code, 2) << describe(result);
        EXPECT_NE(result.err.find(mentioned), std::string::npos) << describe(result);
        EXPECT_EQ(result.out.find("listening on"), std::string::npos) << describe(result);
    }
}

TEST_F(ServeCommand, GoodKeyListensAndSaysTheTransport) {
    ServerProcess server(temp_, {"--transport", "tf", "--key", private_key().string(), "--hash",
                                 "h", "--proto-version", "1.5"});
    EXPECT_TRUE(server.wait_for_log("transport tf: protocol version '1.5'", 5s))
        << server.stderr_text();
    const auto status = server.terminate(10s);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(status->success()) << describe(*status);
}

TEST_F(ServeCommand, ListFaultsPrintsNameClausesAndDescriptionWithoutARoot) {
    const auto result = run_process({XSIME_CONFORM_BIN, "serve", "--list-faults"}, 30s);
    ASSERT_EQ(result.status.code, 0) << describe(result);
    std::size_t lines = 0;
    std::size_t at = 0;
    for (std::size_t end; (end = result.out.find('\n', at)) != std::string::npos; at = end + 1) {
        const std::string line = result.out.substr(at, end - at);
        ++lines;
        const auto first = line.find('\t');
        const auto second = line.find('\t', first + 1);
        ASSERT_NE(second, std::string::npos) << line;
        EXPECT_GT(first, 0u) << line;
        EXPECT_GT(second, first + 1) << "a fault with no clause: " << line;
        EXPECT_LT(second + 1, line.size()) << "a fault with no description: " << line;
    }
    EXPECT_EQ(at, result.out.size()) << "every line ends with a newline";
    EXPECT_GE(lines, 20u) << result.out;
    EXPECT_NE(result.out.find("same_second_loss\tDELIVERY-EXACTLY-ONCE\t"), std::string::npos);
    EXPECT_NE(result.out.find("wrong_status\tUSER-REPLY,USER-MUST-EXIST\t"), std::string::npos);

    const auto no_root = run_process({XSIME_CONFORM_BIN, "serve", "--port", "0"}, 30s);
    EXPECT_EQ(no_root.status.code, 2) << describe(no_root);
    EXPECT_NE(no_root.err.find("--root"), std::string::npos) << describe(no_root);
}

} // namespace
} // namespace xsime::test
