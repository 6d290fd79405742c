// End-to-end tests of `xsime-conform keygen`: the real binary writes a key pair that tf_rsa
// loads and that round-trips a session key; modes, refusal to overwrite, --force, errors.
#include "protocol/tf_rsa.hpp"
#include "tests/support/files.hpp"
#include "tests/support/run_process.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#ifndef XSIME_CONFORM_BIN
#error "XSIME_CONFORM_BIN must name the xsime-conform executable (set by tests/CMakeLists.txt)"
#endif

namespace xsime::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

ProcessResult keygen(const std::vector<std::string>& args) {
    std::vector<std::string> argv{XSIME_CONFORM_BIN, "keygen"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, 60s);
}

class KeygenCommand : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "xsime-keygen-test.XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    fs::path dir_;
};

void expect_working_pair(const fs::path& dir) {
    const auto private_pem = read_file(dir / "private.pem");
    const auto public_pem = read_file(dir / "public.pem");
    const std::string session_key(214, '\x42');
    auto encrypted = protocol::encrypt_session_key(public_pem, session_key);
    ASSERT_TRUE(std::holds_alternative<std::string>(encrypted))
        << std::get<protocol::TfRsaError>(encrypted).reason;
    EXPECT_EQ(std::get<std::string>(encrypted).size(), protocol::tf_rsa_ciphertext_size);
    auto decrypted = protocol::decrypt_session_key(private_pem, std::get<std::string>(encrypted));
    ASSERT_TRUE(std::holds_alternative<std::string>(decrypted))
        << std::get<protocol::TfRsaError>(decrypted).reason;
    EXPECT_EQ(std::get<std::string>(decrypted), session_key);
}

mode_t mode_of(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
}

TEST_F(KeygenCommand, WritesALoadablePairWithAPrivateMode) {
    const auto result = keygen({dir_.string()});
    ASSERT_TRUE(result.status.success()) << describe(result);
    EXPECT_EQ(mode_of(dir_ / "private.pem"), 0600u);
    EXPECT_EQ(mode_of(dir_ / "public.pem"), 0644u);
    EXPECT_NE(result.out.find((dir_ / "private.pem").string()), std::string::npos) << result.out;
    expect_working_pair(dir_);
}

TEST_F(KeygenCommand, CreatesAMissingDirectory) {
    const auto nested = dir_ / "a" / "b";
    const auto result = keygen({nested.string()});
    ASSERT_TRUE(result.status.success()) << describe(result);
    expect_working_pair(nested);
}

TEST_F(KeygenCommand, RefusesToOverwriteWithoutForce) {
    ASSERT_TRUE(keygen({dir_.string()}).status.success());
    const auto before = read_file(dir_ / "private.pem");
    const auto result = keygen({dir_.string()});
    EXPECT_EQ(result.status.code, 2) << describe(result);
    EXPECT_NE(result.err.find((dir_ / "private.pem").string()), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("--force"), std::string::npos) << result.err;
    EXPECT_EQ(read_file(dir_ / "private.pem"), before);
}

// Only one half present still blocks: the pair would not match.
TEST_F(KeygenCommand, RefusesWhenOnlyThePublicKeyExists) {
    std::ofstream(dir_ / "public.pem") << "old";
    const auto result = keygen({dir_.string()});
    EXPECT_EQ(result.status.code, 2) << describe(result);
    EXPECT_NE(result.err.find((dir_ / "public.pem").string()), std::string::npos) << result.err;
    EXPECT_FALSE(fs::exists(dir_ / "private.pem"));
    EXPECT_EQ(read_file(dir_ / "public.pem"), "old");
}

TEST_F(KeygenCommand, ForceReplacesThePairAndTightensTheMode) {
    ASSERT_TRUE(keygen({dir_.string()}).status.success());
    const auto before = read_file(dir_ / "private.pem");
    ASSERT_EQ(::chmod((dir_ / "private.pem").c_str(), 0644), 0);
    const auto result = keygen({dir_.string(), "--force"});
    ASSERT_TRUE(result.status.success()) << describe(result);
    EXPECT_NE(read_file(dir_ / "private.pem"), before);
    EXPECT_EQ(mode_of(dir_ / "private.pem"), 0600u);
    expect_working_pair(dir_);
}

TEST_F(KeygenCommand, ARegularFileAsDirIsAUsageError) {
    const auto file = dir_ / "not-a-dir";
    std::ofstream(file) << "x";
    const auto result = keygen({file.string()});
    EXPECT_EQ(result.status.code, 2) << describe(result);
    EXPECT_NE(result.err.find(file.string()), std::string::npos) << result.err;
}

TEST_F(KeygenCommand, MissingDirArgumentIsAUsageError) {
    const auto result = keygen({});
    EXPECT_EQ(result.status.code, 2) << describe(result);
}

} // namespace
} // namespace xsime::test
