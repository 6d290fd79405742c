// End-to-end tests of `xsime-conform serve --transport tf`'s options: key files are checked
// before the server listens, and wrong combinations are usage errors (exit 2) that say why.
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

} // namespace
} // namespace xsime::test
