// The parts of a `run --bundle` archive: the MANIFEST (hashes, escaping, comparison), the
// .tar.gz made and read in memory, and MANIFEST.sig with RSA, EC and Ed25519 keys.
#include "cli/bundle_archive.hpp"
#include "cli/bundle_manifest.hpp"
#include "cli/bundle_signature.hpp"
#include "cli/command_line.hpp"
#include "tests/support/files.hpp"
#include "tests/support/pem_keys.hpp"
#include "tests/support/server_process.hpp"

#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

namespace xsime::cli {
namespace {

using namespace std::string_literals;
using Files = std::map<std::string, std::string>;

TEST(BundleManifest, HashesWithSha256) {
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"); // FIPS 180-2
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(BundleManifest, ListsEveryFileSortedInSha256sumsFormat) {
    const Files files = {{"scenarios/b/x.json", "{}"}, {"COMMAND", "run\n"}, {"a b.txt", ""}};
    EXPECT_EQ(make_manifest(files), sha256_hex("run\n") + "  COMMAND\n" + sha256_hex("") +
                                        "  a b.txt\n" + sha256_hex("{}") +
                                        "  scenarios/b/x.json\n");
}

TEST(BundleManifest, EscapesNewlinesAndBackslashesAsSha256sumDoes) {
    const std::string hash(64, 'a');
    EXPECT_EQ(manifest_line(hash, "a\nb\\c"), "\\" + hash + "  a\\nb\\\\c\n");
    const Files files = {{"odd\nname\\.json", "x"}, {"plain", "y"}};
    const auto parsed = parse_manifest(make_manifest(files));
    ASSERT_TRUE(std::holds_alternative<Files>(parsed));
    EXPECT_EQ(std::get<Files>(parsed),
              (Files{{"odd\nname\\.json", sha256_hex("x")}, {"plain", sha256_hex("y")}}));
}

TEST(BundleManifest, RefusesAMalformedManifestNamingTheLine) {
    const std::string hash(64, 'b');
    const auto error = [](const std::string& text) {
        const auto parsed = parse_manifest(text);
        return std::holds_alternative<ManifestError>(parsed)
                   ? std::get<ManifestError>(parsed).message
                   : "(parsed)";
    };
    EXPECT_EQ(error(hash + "  a\n" + hash + "  b"), "line 2 has no final newline");
    EXPECT_EQ(error(hash + "  a\n" + std::string(64, 'B') + "  b\n"),
              "line 2 is not \"<sha256>  <path>\"");
    EXPECT_EQ(error(hash + " a\n"), "line 1 is not \"<sha256>  <path>\"");
    EXPECT_EQ(error(hash + "  \n"), "line 1 is not \"<sha256>  <path>\"");
    EXPECT_EQ(error("\\" + hash + "  a\\qb\n"), "line 1 is not \"<sha256>  <path>\"");
    EXPECT_EQ(error(hash + "  a\n" + hash + "  a\n"), "line 2 lists 'a' a second time");
    EXPECT_TRUE(std::holds_alternative<Files>(parse_manifest("")));
}

TEST(BundleManifest, NamesEachChangedMissingAndExtraFile) {
    const Files signed_off = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
    const auto listed = std::get<Files>(parse_manifest(make_manifest(signed_off)));
    EXPECT_TRUE(compare_to_manifest(signed_off, listed).empty());
    const Files now = {{"a", "1"}, {"b", "2!"}, {"d", "4"}};
    const auto problems = compare_to_manifest(now, listed);
    ASSERT_EQ(problems.size(), 3u);
    EXPECT_EQ(problems[0].path, "b");
    EXPECT_EQ(problems[0].kind, FileProblem::Kind::changed);
    EXPECT_EQ(problems[1].path, "c");
    EXPECT_EQ(problems[1].kind, FileProblem::Kind::missing);
    EXPECT_EQ(problems[2].path, "d");
    EXPECT_EQ(problems[2].kind, FileProblem::Kind::extra);
}

class BundleArchive : public ::testing::Test {
protected:
    std::string write(const std::string& name, const std::string& bytes) const {
        const auto path = (temp_.base() / name).string();
        test::write_file(path, bytes);
        return path;
    }
    test::TempRoot temp_;
};

TEST_F(BundleArchive, ReadsBackWhatItWroteByteForByte) {
    const std::vector<ArchiveMember> members = {
        {"MANIFEST", "m\n"},
        {"scenarios/area/" + std::string(120, 'n') + ".json", "long path"},
        {"bytes", std::string("\0\xff\r\n", 4)},
        {"empty", ""}};
    const auto made = make_tar_gz(members, 1700000000);
    ASSERT_TRUE(std::holds_alternative<std::string>(made));
    EXPECT_EQ(std::get<std::string>(made).substr(0, 2), "\x1f\x8b") << "gzip";
    const auto read = read_tar_gz(write("b.tar.gz", std::get<std::string>(made)));
    ASSERT_TRUE(std::holds_alternative<std::vector<ArchiveMember>>(read))
        << std::get<ArchiveError>(read).message;
    const auto& back = std::get<std::vector<ArchiveMember>>(read);
    ASSERT_EQ(back.size(), members.size());
    for (std::size_t i = 0; i < back.size(); ++i) {
        EXPECT_EQ(back[i].path, members[i].path);
        EXPECT_EQ(back[i].bytes, members[i].bytes);
        EXPECT_TRUE(back[i].regular);
    }
    EXPECT_EQ(std::get<std::string>(made), std::get<std::string>(make_tar_gz(members, 1700000000)))
        << "the same content makes the same archive";
}

TEST_F(BundleArchive, DropsALeadingDotSlash) {
    const auto made = std::get<std::string>(make_tar_gz({{"./MANIFEST", "m"}}, 0));
    const auto read = read_tar_gz(write("b.tar.gz", made));
    ASSERT_TRUE(std::holds_alternative<std::vector<ArchiveMember>>(read));
    EXPECT_EQ(std::get<std::vector<ArchiveMember>>(read).at(0).path, "MANIFEST");
}

TEST_F(BundleArchive, RefusesWhatIsNotATarOrUnpacksTooLarge) {
    EXPECT_TRUE(std::holds_alternative<ArchiveError>(read_tar_gz(write("t.txt", "not a tar\n"))));
    EXPECT_TRUE(std::holds_alternative<ArchiveError>(read_tar_gz(write("empty", ""))));
    EXPECT_TRUE(
        std::holds_alternative<ArchiveError>(read_tar_gz((temp_.base() / "absent").string())));
    std::string noise; // does not compress, so half the archive is half the member
    for (unsigned i = 0, x = 12345; i < 5000; ++i) {
        x = x * 1103515245u + 12345u;
        noise += static_cast<char>(x >> 24);
    }
    const auto big = std::get<std::string>(make_tar_gz({{"big", noise}}, 0));
    const auto read = read_tar_gz(write("big.tar.gz", big), 4096);
    ASSERT_TRUE(std::holds_alternative<ArchiveError>(read));
    EXPECT_NE(std::get<ArchiveError>(read).message.find("more than 4096 bytes"), std::string::npos);
    const auto cut = read_tar_gz(write("cut.tar.gz", big.substr(0, big.size() / 2)));
    EXPECT_TRUE(std::holds_alternative<ArchiveError>(cut)) << "a bundle cut short";
}

class BundleSignature : public BundleArchive, public ::testing::WithParamInterface<std::string> {
protected:
    Pkey load(const std::string& pem, bool private_key) {
        const auto path = write(private_key ? "key.pem" : "pub.pem", pem);
        auto key = private_key ? load_signing_key(path) : load_verifying_key(path);
        if (auto* error = std::get_if<SignatureError>(&key)) {
            ADD_FAILURE() << error->message;
            return nullptr;
        }
        return std::move(std::get<Pkey>(key));
    }
};

TEST_P(BundleSignature, VerifiesItsOwnSignatureAndNothingElse) {
    const auto pair = test::make_pem_key_pair(GetParam());
    const auto other = test::make_pem_key_pair(GetParam());
    const Pkey signing = load(pair.private_pem, true);
    const Pkey verifying = load(pair.public_pem, false);
    const Pkey stranger = load(other.public_pem, false);
    ASSERT_TRUE(signing && verifying && stranger);
    const std::string manifest = std::string(64, 'c') + "  COMMAND\n";
    const auto signature = sign(signing.get(), manifest);
    ASSERT_TRUE(std::holds_alternative<std::string>(signature));
    const std::string& bytes = std::get<std::string>(signature);
    EXPECT_TRUE(verify(verifying.get(), manifest, bytes));
    EXPECT_TRUE(verify(signing.get(), manifest, bytes)) << "a private key holds its public half";
    EXPECT_FALSE(verify(stranger.get(), manifest, bytes)) << "another key";
    EXPECT_FALSE(verify(verifying.get(), manifest + "x", bytes)) << "another manifest";
    std::string flipped = bytes;
    flipped[flipped.size() / 2] ^= 0x01;
    EXPECT_FALSE(verify(verifying.get(), manifest, flipped)) << "a changed signature";
    EXPECT_FALSE(verify(verifying.get(), manifest, "")) << "no signature";
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, BundleSignature, ::testing::Values("RSA", "EC", "ED25519"));

TEST_F(BundleArchive, RefusesKeysItCannotUseWithoutHanging) {
    const auto pair = test::make_pem_key_pair("EC", "a passphrase");
    const auto encrypted = load_signing_key(write("enc.pem", pair.private_pem));
    ASSERT_TRUE(std::holds_alternative<SignatureError>(encrypted));
    EXPECT_NE(
        std::get<SignatureError>(encrypted).message.find("not an unencrypted PEM private key"),
        std::string::npos)
        << std::get<SignatureError>(encrypted).message;
    const auto public_only = load_signing_key(write("pub.pem", pair.public_pem));
    EXPECT_TRUE(std::holds_alternative<SignatureError>(public_only));
    const auto absent = load_verifying_key((temp_.base() / "absent.pem").string());
    ASSERT_TRUE(std::holds_alternative<SignatureError>(absent));
    EXPECT_NE(std::get<SignatureError>(absent).message.find("cannot read the key file"),
              std::string::npos);
    EXPECT_TRUE(std::holds_alternative<SignatureError>(load_verifying_key(write("x", "junk"))));
}

TEST(CommandLine, QuotesForAShellAndHidesTheHash) {
    const char* argv[] = {"xsime-conform", "run", "--hash",   "s3cret", "--hash=s3cret",
                          "it's",          "a b", "--filter", "x.*",    "plain/path-1.json"};
    remember_command_line(static_cast<int>(std::size(argv)), argv);
    EXPECT_EQ(command_line_text(), "xsime-conform run --hash '<redacted>' '--hash=<redacted>' "
                                   "'it'\\''s' 'a b' --filter 'x.*' plain/path-1.json");
}

} // namespace
} // namespace xsime::cli
