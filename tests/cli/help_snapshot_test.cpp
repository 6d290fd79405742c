// `--help` of xsime-conform and of every command it lists, compared with the checked-in text in
// tests/cli/help/ (NAME.txt; the top level is xsime-conform.txt), and free of CLI11's type
// noise (`TEXT:DIR`, `UINT:UINT in [1 - 256]`, `:{a,b}`) and wider than 80 columns nowhere.
//
// After a deliberate change to an option or a description, regenerate the files and review the
// diff:  XSIME_UPDATE_HELP_SNAPSHOTS=1 ctest -R HelpSnapshot   (or run help_snapshot_test)
#include "tests/support/files.hpp"
#include "tests/support/run_process.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <vector>

#ifndef XSIME_CONFORM_BIN
#error "XSIME_CONFORM_BIN must name the xsime-conform executable (set by tests/CMakeLists.txt)"
#endif
#ifndef XSIME_SOURCE_DIR
#error "XSIME_SOURCE_DIR must name the source tree (set by tests/CMakeLists.txt)"
#endif

namespace xsime::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path snapshots = fs::path(XSIME_SOURCE_DIR) / "tests" / "cli" / "help";

bool updating() {
    const char* value = std::getenv("XSIME_UPDATE_HELP_SNAPSHOTS");
    return value != nullptr && std::string(value) == "1";
}

std::string help_of(const std::vector<std::string>& command) {
    std::vector<std::string> args = {XSIME_CONFORM_BIN};
    args.insert(args.end(), command.begin(), command.end());
    args.push_back("--help");
    const auto result = run_process(args, 30s);
    EXPECT_EQ(result.status.code, 0) << describe(result);
    EXPECT_EQ(result.err, "") << describe(result);
    return result.out;
}

// The command names of the top level's "Commands:" section.
std::vector<std::string> commands_in(const std::string& top_help) {
    std::vector<std::string> names;
    std::istringstream lines(top_help);
    std::string line;
    bool in_section = false;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] != ' ') {
            in_section = line == "Commands:";
        } else if (in_section && line.rfind("   ", 0) != 0) { // not a continuation line
            std::istringstream words(line);
            std::string name;
            words >> name;
            names.push_back(name);
        }
    }
    return names;
}

// Compares with (or, when updating, writes) tests/cli/help/NAME.txt.
void check_snapshot(const std::string& name, const std::string& help) {
    const fs::path file = snapshots / (name + ".txt");
    if (updating()) {
        fs::create_directories(snapshots);
        write_file(file, help);
        return;
    }
    ASSERT_TRUE(fs::exists(file)) << file << " is missing; run with XSIME_UPDATE_HELP_SNAPSHOTS=1 "
                                  << "to write it, and check it in. The help now:\n"
                                  << help;
    EXPECT_EQ(help, read_file(file))
        << file << " differs from `" << name << " --help`; if the change is meant, regenerate "
        << "with XSIME_UPDATE_HELP_SNAPSHOTS=1 and review the diff";
}

void check_readable(const std::string& name, const std::string& help) {
    for (const std::string noise : {"TEXT", "UINT", ":{", "in [", "REQUIRED", ":DIR", ":FILE",
                                    ":POSITIVE", "Positionals:", "SUBCOMMAND"}) {
        EXPECT_EQ(help.find(noise), std::string::npos)
            << "`" << name << " --help` shows CLI11's '" << noise << "':\n"
            << help;
    }
    std::istringstream lines(help);
    std::string line;
    while (std::getline(lines, line)) {
        EXPECT_LE(line.size(), 80u) << "`" << name << " --help` has a line wider than 80: " << line;
    }
}

TEST(HelpSnapshot, TopLevelListsTheRegisteredCommands) {
    const std::string help = help_of({});
    check_snapshot("xsime-conform", help);
    check_readable("xsime-conform", help);
    const auto names = commands_in(help);
    for (const std::string expected :
         {"run", "coverage", "serve", "keygen", "client-driver", "fmt", "verify-bundle"}) {
        EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end())
            << expected << " is not listed:\n"
            << help;
    }
}

TEST(HelpSnapshot, EveryCommandMatchesItsSnapshotAndReadsWell) {
    const auto names = commands_in(help_of({}));
    ASSERT_FALSE(names.empty());
    for (const std::string& name : names) {
        SCOPED_TRACE(name);
        const std::string help = help_of({name});
        check_snapshot(name, help);
        check_readable(name, help);
        EXPECT_EQ(help.rfind("Usage: xsime-conform " + name, std::string::npos),
                  help.find("Usage: xsime-conform " + name))
            << "one usage line:\n"
            << help;
    }
}

// Every option of `run` that has a default shows it, in the text.
TEST(HelpSnapshot, RunShowsItsDefaultsAndGroups) {
    const std::string help = help_of({"run"});
    for (const std::string expected :
         {"  -j, --jobs N                Scenarios run in parallel, 1 to 256 (default: 1)\n",
          "(default: 1800)", "(default: 5000)", "(default: 30000)", "(default: plain)",
          "(default: auto)", "\nSelection:\n",
          "\nTarget (default: the embedded reference "
          "server):\n",
          "\nTF transport:\n", "\nClient under test (instead of a server):\n",
          "\nDeadlines and retries:\n", "\nVerdict:\n", "\nReports:\n", "  -v, --verbose ",
          "      --root DIR "}) {
        EXPECT_NE(help.find(expected), std::string::npos) << "no '" << expected << "' in:\n"
                                                          << help;
    }
}

} // namespace
} // namespace xsime::test
