// End-to-end tests of `xsime-conform fuzz` as a user calls it: usage errors exit 2 naming the
// option, a target that cannot be reached is a harness fault (exit 3), and the fuzzer reaches
// servers over the tf transport, the embedded one and a separate `serve --transport tf`
// process (local fixtures with --root, remote ones through the TF commands without it). The
// planted bugs and the oracles have their own tests (tests/suite/netfuzz_*_test.sh).
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

class FuzzCommand : public ::testing::Test {
protected:
    fs::path findings() const { return temp_.base() / "findings"; }

    // `fuzz --findings DIR ARGS...`, with a bound every case here stays far below.
    ProcessResult fuzz(const std::vector<std::string>& args) {
        std::vector<std::string> argv{XSIME_CONFORM_BIN, "fuzz", "--findings", findings().string()};
        argv.insert(argv.end(), args.begin(), args.end());
        auto result = run_process(argv, 120s, temp_.base());
        EXPECT_FALSE(result.timed_out) << describe(result);
        return result;
    }

    // A clean campaign of `cases` cases: exit 0, every case run, nothing written.
    void expect_clean(const ProcessResult& result, int cases) {
        EXPECT_EQ(result.status.code, 0) << describe(result);
        EXPECT_NE(result.out.find("no finding"), std::string::npos) << describe(result);
        EXPECT_NE(result.out.find(std::to_string(cases) + " cases"), std::string::npos)
            << describe(result);
        EXPECT_FALSE(fs::exists(findings() / "fuzz")) << describe(result);
    }

    TempRoot temp_;
};

TEST_F(FuzzCommand, UsageErrorsExitTwoNamingTheOption) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--duration", "5x"}, "--duration"},
        {{"--target", "nohost"}, "--target"},
        {{"--transport", "tls"}, "--transport"},
        {{"--session-key-size", "5"}, "--session-key-size"},
        {{"--server-fault", "nosuch"}, "nosuch"},
        {{"--exec", "sleep 30"}, "{port}"},
        // In-process, it would take the fuzzer down with the server.
        {{"--server-fault", "planted_crash"}, "--exec"},
        {{"--transport", "tf", "--target", "127.0.0.1:1", "--pubkey",
          (temp_.base() / "missing.pem").string()},
         "missing.pem"},
    };
    for (const auto& [args, mentioned] : cases) {
        const auto result = fuzz(args);
        EXPECT_EQ(result.status.code, 2) << describe(result);
        EXPECT_NE(result.err.find(mentioned), std::string::npos) << describe(result);
        EXPECT_EQ(result.out.find("cases"), std::string::npos)
            << "no campaign starts: " << describe(result);
    }
}

TEST_F(FuzzCommand, AnUnreachableTargetIsAHarnessFaultNotAClean) {
    // Port 1 on loopback: nothing listens there (and an unprivileged server could not).
    const auto result =
        fuzz({"--target", "127.0.0.1:1", "--root", temp_.root().string(), "--max-cases", "5"});
    EXPECT_EQ(result.status.code, 3) << describe(result);
    EXPECT_NE(result.err.find("127.0.0.1:1"), std::string::npos) << describe(result);
    EXPECT_EQ(result.out.find("no finding"), std::string::npos)
        << "a run that could not start says so, not that the target is clean: " << describe(result);
}

TEST_F(FuzzCommand, EmbeddedServerOverTfRunsEveryCaseCleanly) {
    expect_clean(fuzz({"--transport", "tf", "--seed", "3", "--max-cases", "150"}), 150);
}

TEST_F(FuzzCommand, SeparateTfServerWithLocalAndRemoteFixtures) {
    auto pair = protocol::generate_tf_key_pair();
    ASSERT_TRUE(std::holds_alternative<protocol::TfKeyPair>(pair));
    const auto& keys = std::get<protocol::TfKeyPair>(pair);
    const auto private_key = temp_.base() / "private.pem";
    const auto public_key = temp_.base() / "public.pem";
    std::ofstream(private_key) << keys.private_pem;
    std::ofstream(public_key) << keys.public_pem;
    ServerProcess server(
        temp_, {"--transport", "tf", "--key", private_key.string(), "--hash", "fuzz-hash"});
    const std::vector<std::string> tf = {
        "--target",    "127.0.0.1:" + std::to_string(server.port()),
        "--transport", "tf",
        "--pubkey",    public_key.string(),
        "--hash",      "fuzz-hash",
        "--max-cases", "100"};
    auto local = tf;
    local.insert(local.end(), {"--root", temp_.root().string(), "--seed", "5"});
    expect_clean(fuzz(local), 100);
    // Without --root the fixtures go through MKDIR/RMDIR on the tf connection.
    auto remote = tf;
    remote.insert(remote.end(), {"--seed", "6"});
    expect_clean(fuzz(remote), 100);
    EXPECT_TRUE(server.running()) << server.stderr_text();
}

} // namespace
} // namespace xsime::test
