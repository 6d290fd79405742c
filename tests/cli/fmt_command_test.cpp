// End-to-end tests of `xsime-conform fmt`: the real binary on files the test writes; rewriting,
// --check, refused files, and the default path.
#include "tests/support/files.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/server_process.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#ifndef XSIME_CONFORM_BIN
#error "XSIME_CONFORM_BIN must name the xsime-conform executable (set by tests/CMakeLists.txt)"
#endif

namespace xsime::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A scenario in the canonical layout, and the same value written differently.
const std::string canonical = R"({
  "id": "t.one",
  "clauses": ["X"],
  "steps": [
    {"session": "s", "login": {"user": "alice"}},
    {
      "session": "s",
      "expect": {"opcode": "message", "payload_regex": "(?<ts>[0-9]+):alice:hello, how are you"},
      "note": "the push"
    }
  ]
}
)";
const std::string messy = R"({"id":"t.one",
    "clauses": [
        "X"
    ],
  "steps": [{"session": "s", "login": {"user": "alice"}}, {"session": "s",
     "expect": {"opcode": "message", "payload_regex": "(?<ts>[0-9]+):alice:hello, how are you"},
     "note": "the push"}]}

)";

using test::read_file;

class FmtCommand : public ::testing::Test {
protected:
    fs::path dir() const { return temp_.base() / "scenarios"; }

    fs::path write(const std::string& name, const std::string& text) const {
        const auto path = dir() / name;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << text;
        return path;
    }

    // `xsime-conform fmt ARGS...` in `cwd` (default: the test's temporary folder).
    ProcessResult fmt(std::vector<std::string> args, const fs::path& cwd = {}) {
        args.insert(args.begin(), {XSIME_CONFORM_BIN, "fmt"});
        auto result = run_process(args, 60s, cwd.empty() ? temp_.base() : cwd);
        EXPECT_FALSE(result.timed_out) << describe(result);
        return result;
    }

    // Every entry under dir(), to see that nothing (a temporary file) was left behind.
    std::vector<std::string> listing() const {
        std::vector<std::string> names;
        for (const auto& entry : fs::recursive_directory_iterator(dir())) {
            names.push_back(fs::relative(entry.path(), dir()).generic_string());
        }
        std::sort(names.begin(), names.end());
        return names;
    }

    TempRoot temp_;
};

TEST_F(FmtCommand, CheckExitsZeroOneOrTwo) {
    write("a/good.json", canonical);
    auto result = fmt({"--check", dir().string()});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err, "");

    const auto bad = write("b/messy.json", messy);
    result = fmt({"--check", dir().string()});
    EXPECT_EQ(result.status.code, 1) << describe(result);
    EXPECT_EQ(result.out, bad.generic_string() + ": not in canonical form (run xsime-conform fmt " +
                              bad.generic_string() + ")\n");
    EXPECT_EQ(read_file(bad), messy) << "--check writes nothing";

    const auto broken = write("c/broken.json", R"({"id": "t.broken",)");
    result = fmt({"--check", dir().string()});
    EXPECT_EQ(result.status.code, 2) << describe(result);
    EXPECT_NE(result.out.find("messy.json: not in canonical form"), std::string::npos)
        << describe(result);
    EXPECT_NE(result.err.find(broken.generic_string() + ": JSON syntax error at line 1"),
              std::string::npos)
        << describe(result);
    EXPECT_EQ(read_file(bad), messy);
    EXPECT_EQ(read_file(broken), R"({"id": "t.broken",)");
}

TEST_F(FmtCommand, RewritesOnlyChangedFilesThenCheckPasses) {
    const auto good = write("good.json", canonical);
    const auto bad = write("deep/er/messy.json", messy);
    write("schema.json", messy); // the editors' schema beside the scenarios is not touched
    write("notes.txt", "not json");
    fs::permissions(bad, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    const auto before = fs::last_write_time(good);

    auto result = fmt({dir().string()});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_EQ(result.out, "formatted " + bad.generic_string() + "\n");
    EXPECT_EQ(result.err, "");
    EXPECT_EQ(read_file(bad), canonical);
    EXPECT_EQ(read_file(good), canonical);
    EXPECT_EQ(fs::last_write_time(good), before) << "a canonical file is not rewritten";
    EXPECT_EQ(read_file(dir() / "schema.json"), messy);
    EXPECT_EQ(fs::status(bad).permissions(),
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    EXPECT_EQ(listing(), (std::vector<std::string>{"deep", "deep/er", "deep/er/messy.json",
                                                   "good.json", "notes.txt", "schema.json"}));

    result = fmt({"--check", dir().string()});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    result = fmt({dir().string()});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_EQ(result.out, "") << "idempotent: nothing to rewrite the second time";

    // A file named explicitly is formatted even when a folder walk would skip it.
    result = fmt({(dir() / "schema.json").string()});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_EQ(read_file(dir() / "schema.json"), canonical);
}

TEST_F(FmtCommand, BrokenFilesAreRefusedAndLeftAsTheyAreOthersAreFormatted) {
    const std::string syntax_text = "{\"id\": \"t.x\",\n  \"steps\": [}\n";
    const std::string duplicate_text =
        R"({"id": "t.dup", "steps": [{"session": "s", "login": {"user": "a"}, "login": {}}]})";
    const auto syntax = write("a-syntax.json", syntax_text);
    const auto duplicate = write("b-duplicate.json", duplicate_text);
    const auto bad = write("c-messy.json", messy);

    const auto result = fmt({dir().string()});
    EXPECT_EQ(result.status.code, 2) << describe(result);
    EXPECT_EQ(read_file(syntax), syntax_text);
    EXPECT_EQ(read_file(duplicate), duplicate_text);
    EXPECT_EQ(read_file(bad), canonical);
    EXPECT_EQ(result.out, "formatted " + bad.generic_string() + "\n");
    EXPECT_NE(result.err.find(syntax.generic_string() + ": JSON syntax error at line 2"),
              std::string::npos)
        << describe(result);
    EXPECT_NE(result.err.find(duplicate.generic_string() +
                              ": /steps/0/login: key \"login\" appears twice"),
              std::string::npos)
        << describe(result);
    EXPECT_EQ(listing(),
              (std::vector<std::string>{"a-syntax.json", "b-duplicate.json", "c-messy.json"}));
}

TEST_F(FmtCommand, MissingPathIsAnError) {
    const auto bad = write("messy.json", messy);
    const auto result = fmt({(dir() / "nope").string(), bad.string()});
    EXPECT_EQ(result.status.code, 2) << describe(result);
    EXPECT_NE(result.err.find("nope: no such file or folder"), std::string::npos)
        << describe(result);
    EXPECT_EQ(read_file(bad), canonical) << "the other paths are still formatted";
}

TEST_F(FmtCommand, WithoutPathsFormatsScenariosInTheCurrentFolder) {
    const auto bad = write("x/messy.json", messy);
    auto result = fmt({"--check"});
    EXPECT_EQ(result.status.code, 1) << describe(result);
    EXPECT_EQ(result.out, "scenarios/x/messy.json: not in canonical form (run xsime-conform fmt "
                          "scenarios/x/messy.json)\n");
    result = fmt({});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_EQ(result.out, "formatted scenarios/x/messy.json\n");
    EXPECT_EQ(read_file(bad), canonical);

    // Elsewhere there is no scenarios/ folder: a usage error naming what was looked for.
    const auto empty = temp_.base() / "root";
    result = fmt({}, empty);
    EXPECT_EQ(result.status.code, 2) << describe(result);
    EXPECT_NE(result.err.find("no PATH given, and no scenario set: looked in"), std::string::npos)
        << describe(result);
    EXPECT_NE(result.err.find("(current folder: " + fs::canonical(empty).generic_string() + ")"),
              std::string::npos)
        << describe(result);
}

TEST_F(FmtCommand, UnwritableFileIsNamed) {
    if (::geteuid() == 0) {
        GTEST_SKIP() << "root writes anywhere";
    }
    const auto bad = write("ro/messy.json", messy);
    fs::permissions(dir() / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    const auto result = fmt({dir().string()});
    fs::permissions(dir() / "ro", fs::perms::owner_all);
    EXPECT_EQ(result.status.code, 2) << describe(result);
    EXPECT_NE(result.err.find(bad.generic_string() + ": cannot write the file"), std::string::npos)
        << describe(result);
    EXPECT_EQ(read_file(bad), messy);
}

TEST_F(FmtCommand, HelpExplainsTheCommand) {
    const auto result = fmt({"--help"});
    EXPECT_EQ(result.status.code, 0) << describe(result);
    for (const char* needle : {"--check", "100", "canonical", "PATH", "Exit codes"}) {
        EXPECT_NE(result.out.find(needle), std::string::npos) << needle << "\n" << result.out;
    }
}

} // namespace
} // namespace xsime::test
