// End-to-end tests of `xsime-conform run --bundle [--sign]` and `xsime-conform verify-bundle`:
// the real binary on scenario files the test writes, against the embedded server; then each
// kind of tampering with the bundle, named by verify-bundle.
#include "cli/bundle_archive.hpp"
#include "cli/bundle_manifest.hpp"
#include "tests/support/files.hpp"
#include "tests/support/pem_keys.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/server_process.hpp"

#include <boost/regex.hpp>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <string>
#include <vector>

#ifndef XSIME_CONFORM_BIN
#error "XSIME_CONFORM_BIN must name the xsime-conform executable (set by tests/CMakeLists.txt)"
#endif

namespace xsime::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using cli::ArchiveMember;
using Members = std::vector<ArchiveMember>;

std::string scenario(const std::string& id, const std::string& steps) {
    return R"({"id": ")" + id + R"(", "name": "scenario )" + id +
           R"(", "clauses": ["TEST-1"], "requirement": "what it requires", "level": "must", )"
           R"("keywords": ["test"], "fixture": {"users": ["alice"]}, "sessions": ["s"], )"
           R"("steps": )" +
           steps + "}";
}

const std::string passing_steps = R"([{"login": {"user": "alice"}}, {"exit": {}}])";
// The server answers an unknown TF command otherwise: a deterministic failure.
const std::string failing_steps =
    R"([{"tf": {"command": "NOT_A_COMMAND", "expect_reply": "surely not this reply"}}])";

ProcessResult xsime(std::vector<std::string> args) {
    args.insert(args.begin(), XSIME_CONFORM_BIN);
    auto result = run_process(args, 60s);
    EXPECT_FALSE(result.timed_out) << describe(result);
    return result;
}

// One run of two scenario files, bundled plain and signed, shared by every test (a run
// takes a second; the tests only read the bundles or tamper with copies).
class VerifyBundle : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        temp_ = std::make_unique<TempRoot>();
        fs::create_directories(dir() / "scenarios" / "login");
        fs::create_directories(dir() / "scenarios" / "odd");
        write_file(dir() / "scenarios/login/ok.json", scenario("login.ok", passing_steps));
        write_file(dir() / "scenarios/odd/fails.json", scenario("odd.fails", failing_steps));
        const auto rsa = make_pem_key_pair("RSA");
        write_file(dir() / "rsa.pem", rsa.private_pem);
        write_file(dir() / "rsa.pub.pem", rsa.public_pem);
        write_file(dir() / "ec.pub.pem", make_pem_key_pair("EC").public_pem);
        const auto scenarios = (dir() / "scenarios").string();
        plain_run_ =
            xsime({"run", scenarios, "--json", path("r.json"), "--bundle", path("plain.tar.gz")});
        signed_run_ =
            xsime({"run", scenarios, "--bundle", path("signed.tar.gz"), "--sign", path("rsa.pem")});
    }
    static void TearDownTestSuite() { temp_.reset(); }

    static fs::path dir() { return temp_->base(); }
    static std::string path(const std::string& name) { return (dir() / name).string(); }

    static Members members(const std::string& bundle) {
        auto read = cli::read_tar_gz(path(bundle));
        if (auto* error = std::get_if<cli::ArchiveError>(&read)) {
            ADD_FAILURE() << bundle << ": " << error->message;
            return {};
        }
        return std::get<Members>(read);
    }
    static std::string member(const Members& all, const std::string& name) {
        for (const auto& one : all) {
            if (one.path == name) {
                return one.bytes;
            }
        }
        ADD_FAILURE() << "no member " << name;
        return "";
    }
    // `members` written as a bundle named `name`.
    static std::string write_bundle(const std::string& name, const Members& all) {
        write_file(dir() / name, std::get<std::string>(cli::make_tar_gz(all, 0)));
        return path(name);
    }

    static std::unique_ptr<TempRoot> temp_;
    static ProcessResult plain_run_;
    static ProcessResult signed_run_;
};

std::unique_ptr<TempRoot> VerifyBundle::temp_;
ProcessResult VerifyBundle::plain_run_;
ProcessResult VerifyBundle::signed_run_;

TEST_F(VerifyBundle, ARunWritesABundleThatVerifies) {
    EXPECT_EQ(plain_run_.status.code, 1) << "one scenario fails: " << describe(plain_run_);
    EXPECT_EQ(signed_run_.status.code, 1) << describe(signed_run_);
    const auto plain = xsime({"verify-bundle", path("plain.tar.gz")});
    EXPECT_EQ(plain.status.code, 0) << describe(plain);
    EXPECT_EQ(plain.out, "OK: 7 files match MANIFEST\n");
    const auto with_key =
        xsime({"verify-bundle", path("signed.tar.gz"), "--pubkey", path("rsa.pub.pem")});
    EXPECT_EQ(with_key.status.code, 0) << describe(with_key);
    EXPECT_NE(with_key.out.find("MANIFEST.sig is its signature by"), std::string::npos);
    const auto unchecked = xsime({"verify-bundle", path("signed.tar.gz")});
    EXPECT_EQ(unchecked.status.code, 0) << describe(unchecked);
    EXPECT_NE(unchecked.out.find("MANIFEST.sig is present but not checked"), std::string::npos);
}

TEST_F(VerifyBundle, HoldsTheReportsTheScenariosTheCommandAndTheVersion) {
    const Members all = members("plain.tar.gz");
    std::vector<std::string> names;
    for (const auto& one : all) {
        names.push_back(one.path);
    }
    EXPECT_EQ(names, (std::vector<std::string>{
                         "MANIFEST", "COMMAND", "VERSION", "junit.xml", "report.html",
                         "report.json", "scenarios/login/ok.json", "scenarios/odd/fails.json"}));
    EXPECT_EQ(member(all, "scenarios/odd/fails.json"),
              read_file(dir() / "scenarios/odd/fails.json"));
    EXPECT_EQ(member(all, "report.json"), read_file(dir() / "r.json"))
        << "the bundle's report is the one --json wrote";
    EXPECT_NE(member(all, "report.html").find("NOT CONFORMANT"), std::string::npos);
    EXPECT_NE(member(all, "junit.xml").find("<testsuites"), std::string::npos);
    EXPECT_NE(member(all, "COMMAND").find(" run " + (dir() / "scenarios").string() + " --json "),
              std::string::npos)
        << member(all, "COMMAND");
    EXPECT_EQ(member(all, "VERSION").rfind("xsime-conform ", 0), 0u);
    std::map<std::string, std::string> rest;
    for (const auto& one : all) {
        if (one.path != "MANIFEST") {
            rest[one.path] = one.bytes;
        }
    }
    EXPECT_EQ(member(all, "MANIFEST"), cli::make_manifest(rest));
}

TEST_F(VerifyBundle, TheReportNamesTheScenarioSetByTheManifestsScenarioLines) {
    const Members all = members("plain.tar.gz");
    std::string scenario_lines;
    const std::string manifest = member(all, "MANIFEST");
    const boost::regex line(R"([0-9a-f]{64}  scenarios/[^\n]*\n)");
    for (boost::sregex_iterator it(manifest.begin(), manifest.end(), line), end; it != end; ++it) {
        scenario_lines += it->str();
    }
    const std::string sha256 = cli::sha256_hex(scenario_lines);
    EXPECT_NE(member(all, "report.html").find("<td class=\"mono\">" + sha256 + "</td>"),
              std::string::npos)
        << sha256;
}

TEST_F(VerifyBundle, AFlippedByteInAnyMemberIsNamed) {
    const Members original = members("signed.tar.gz");
    ASSERT_EQ(original.size(), 9u);
    for (std::size_t i = 0; i < original.size(); ++i) {
        Members changed = original;
        auto& bytes = changed[i].bytes;
        bytes[bytes.size() / 2] ^= 0x20;
        const auto bundle = write_bundle("flipped.tar.gz", changed);
        const auto result = xsime({"verify-bundle", bundle, "--pubkey", path("rsa.pub.pem")});
        EXPECT_EQ(result.status.code, 1) << changed[i].path << ": " << describe(result);
        const std::string named = changed[i].path.rfind("MANIFEST", 0) == 0
                                      ? "MANIFEST.sig: bad signature"
                                      : changed[i].path + ": changed";
        EXPECT_NE(result.out.find(named), std::string::npos) << named << "\n" << describe(result);
        EXPECT_NE(result.out.find("FAILED: "), std::string::npos) << describe(result);
    }
}

TEST_F(VerifyBundle, AMissingOrExtraFileIsNamed) {
    Members fewer = members("plain.tar.gz");
    std::erase_if(fewer, [](const ArchiveMember& one) { return one.path == "report.json"; });
    const auto missing = xsime({"verify-bundle", write_bundle("fewer.tar.gz", fewer)});
    EXPECT_EQ(missing.status.code, 1) << describe(missing);
    EXPECT_NE(missing.out.find("report.json: missing"), std::string::npos) << missing.out;

    Members more = members("plain.tar.gz");
    more.push_back({"scenarios/odd/added.json", "{}"});
    const auto extra = xsime({"verify-bundle", write_bundle("more.tar.gz", more)});
    EXPECT_EQ(extra.status.code, 1) << describe(extra);
    EXPECT_NE(extra.out.find("scenarios/odd/added.json: extra"), std::string::npos) << extra.out;

    Members twice = members("plain.tar.gz");
    twice.push_back(twice.back());
    const auto duplicate = xsime({"verify-bundle", write_bundle("twice.tar.gz", twice)});
    EXPECT_EQ(duplicate.status.code, 1) << describe(duplicate);
    EXPECT_NE(duplicate.out.find("scenarios/odd/fails.json: held twice"), std::string::npos);

    Members no_manifest = members("plain.tar.gz");
    no_manifest.erase(no_manifest.begin());
    const auto bare = xsime({"verify-bundle", write_bundle("bare.tar.gz", no_manifest)});
    EXPECT_EQ(bare.status.code, 1) << describe(bare);
    EXPECT_NE(bare.out.find("MANIFEST: missing"), std::string::npos) << bare.out;
}

TEST_F(VerifyBundle, TheSignatureMustBeTheKeysOwn) {
    const auto wrong_key =
        xsime({"verify-bundle", path("signed.tar.gz"), "--pubkey", path("ec.pub.pem")});
    EXPECT_EQ(wrong_key.status.code, 1) << describe(wrong_key);
    EXPECT_NE(wrong_key.out.find("MANIFEST.sig: bad signature"), std::string::npos);
    const auto unsigned_bundle =
        xsime({"verify-bundle", path("plain.tar.gz"), "--pubkey", path("rsa.pub.pem")});
    EXPECT_EQ(unsigned_bundle.status.code, 1) << describe(unsigned_bundle);
    EXPECT_NE(unsigned_bundle.out.find("MANIFEST.sig: missing: the bundle is not signed"),
              std::string::npos);
    // A forger who rewrites a report and MANIFEST to match still cannot sign it.
    Members forged = members("signed.tar.gz");
    std::map<std::string, std::string> rest;
    for (auto& one : forged) {
        if (one.path == "report.html") {
            one.bytes = "<h1>CONFORMANT</h1>";
        }
        if (one.path.rfind("MANIFEST", 0) != 0) {
            rest[one.path] = one.bytes;
        }
    }
    forged.front().bytes = cli::make_manifest(rest);
    const auto bundle = write_bundle("forged.tar.gz", forged);
    EXPECT_EQ(xsime({"verify-bundle", bundle}).status.code, 0) << "hashes alone match";
    const auto checked = xsime({"verify-bundle", bundle, "--pubkey", path("rsa.pub.pem")});
    EXPECT_EQ(checked.status.code, 1) << describe(checked);
    EXPECT_NE(checked.out.find("MANIFEST.sig: bad signature"), std::string::npos);
}

TEST_F(VerifyBundle, WhatIsNotABundleExitsTwoWithAClearMessage) {
    write_file(dir() / "notes.txt", "not an archive\n");
    const auto text = xsime({"verify-bundle", path("notes.txt")});
    EXPECT_EQ(text.status.code, 2) << describe(text);
    EXPECT_NE(text.err.find("xsime-conform verify-bundle: '" + path("notes.txt") +
                            "' cannot be read as a bundle (.tar.gz): "),
              std::string::npos)
        << text.err;
    EXPECT_EQ(text.out, "");
    EXPECT_EQ(xsime({"verify-bundle", path("absent.tar.gz")}).status.code, 2);
    EXPECT_EQ(xsime({"verify-bundle"}).status.code, 2) << "no file given";
    const auto bad_key =
        xsime({"verify-bundle", path("signed.tar.gz"), "--pubkey", path("notes.txt")});
    EXPECT_EQ(bad_key.status.code, 2) << describe(bad_key);
    EXPECT_NE(bad_key.err.find("--pubkey: "), std::string::npos) << bad_key.err;
}

TEST_F(VerifyBundle, RunRefusesABadBundleRequestBeforeRunning) {
    const auto scenarios = (dir() / "scenarios").string();
    const auto sign_alone = xsime({"run", scenarios, "--sign", path("rsa.pem")});
    EXPECT_EQ(sign_alone.status.code, 2) << describe(sign_alone);
    EXPECT_NE(sign_alone.err.find("--sign signs the bundle's MANIFEST: give --bundle too"),
              std::string::npos);
    const auto public_key =
        xsime({"run", scenarios, "--bundle", path("x.tar.gz"), "--sign", path("rsa.pub.pem")});
    EXPECT_EQ(public_key.status.code, 2) << describe(public_key);
    EXPECT_NE(public_key.err.find("--sign: "), std::string::npos) << public_key.err;
    const auto no_folder = xsime({"run", scenarios, "--bundle", path("absent/x.tar.gz")});
    EXPECT_EQ(no_folder.status.code, 2) << describe(no_folder);
    EXPECT_NE(no_folder.err.find("cannot write the bundle"), std::string::npos);
    const auto same = xsime({"run", scenarios, "--json", path("s"), "--bundle", path("s")});
    EXPECT_EQ(same.status.code, 2) << describe(same);
    EXPECT_NE(same.err.find("--json and --bundle name the same file"), std::string::npos);
    for (const auto& result : {sign_alone, public_key, no_folder, same}) {
        EXPECT_EQ(result.out.find("Running"), std::string::npos) << "nothing ran";
    }
    EXPECT_FALSE(fs::exists(dir() / "x.tar.gz"));
}

} // namespace
} // namespace xsime::test
