// Where run, coverage and fmt find the scenario set (cli/scenario_home.hpp): the lookup order
// with every source given to it, the error that names every place, and the real binary run
// from a folder without scenarios/ (with $XSIME_SCENARIOS, and from a fake installed tree).
#include "cli/scenario_home.hpp"
#include "tests/support/files.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/server_process.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <unistd.h>
#include <variant>
#include <vector>

#ifndef XSIME_CONFORM_BIN
#error "XSIME_CONFORM_BIN must name the xsime-conform executable (set by tests/CMakeLists.txt)"
#endif

namespace xsime::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using cli::find_scenario_home;
using cli::ScenarioHome;
using cli::ScenarioHomeSources;

// Runs the test in `dir` (./scenarios is looked for there), and back where it was after.
class InFolder {
public:
    explicit InFolder(const fs::path& dir) : before_(fs::current_path()) { fs::current_path(dir); }
    ~InFolder() {
        std::error_code ignored;
        fs::current_path(before_, ignored);
    }
    InFolder(const InFolder&) = delete;
    InFolder& operator=(const InFolder&) = delete;

private:
    fs::path before_;
};

// The folder found, or the error text as the failure message.
fs::path found(const ScenarioHomeSources& sources) {
    const auto home = find_scenario_home(sources);
    if (const auto* error = std::get_if<std::string>(&home)) {
        ADD_FAILURE() << *error;
        return {};
    }
    return std::get<ScenarioHome>(home).dir;
}

std::string error_of(const ScenarioHomeSources& sources) {
    const auto home = find_scenario_home(sources);
    if (const auto* error = std::get_if<std::string>(&home)) {
        return *error;
    }
    ADD_FAILURE() << "found " << std::get<ScenarioHome>(home).dir;
    return "";
}

class ScenarioHomeLookup : public ::testing::Test {
protected:
    ScenarioHomeLookup() : here_(temp_.base() / "here") {
        for (const auto& dir : {option(), environment(), here_ / "scenarios", beside(), prefix()}) {
            fs::create_directories(dir);
        }
        fs::create_directories(temp_.base() / "tree" / "bin");
    }

    fs::path option() const { return temp_.base() / "option"; }
    fs::path environment() const { return temp_.base() / "environment"; }
    // Where <exe dir>/../share/xsime-conform/scenarios points for an exe in tree/bin.
    fs::path beside() const { return temp_.base() / "tree/share/xsime-conform/scenarios"; }
    fs::path prefix() const { return temp_.base() / "prefix/share/xsime-conform/scenarios"; }

    ScenarioHomeSources all() const {
        return {option().string(), environment().string(), temp_.base() / "tree" / "bin", prefix()};
    }

    TempRoot temp_;
    fs::path here_;
};

TEST_F(ScenarioHomeLookup, EachSourceWinsOverTheOnesAfterIt) {
    const InFolder in(here_);
    auto sources = all();
    EXPECT_EQ(found(sources), option());
    sources.option.reset();
    EXPECT_EQ(found(sources), environment());
    sources.environment.reset();
    EXPECT_EQ(found(sources), fs::path("scenarios")) << "relative, so reports name it as before";
    fs::remove(here_ / "scenarios");
    EXPECT_EQ(found(sources), beside());
    fs::remove(beside());
    EXPECT_EQ(found(sources), prefix());
    sources.exe_dir.clear(); // /proc/self/exe unreadable: the prefix still counts
    EXPECT_EQ(found(sources), prefix());
}

TEST_F(ScenarioHomeLookup, WithNoneTheErrorNamesEveryPlaceLookedIn) {
    const InFolder in(temp_.base() / "tree");
    fs::remove(beside());
    fs::remove(prefix());
    ScenarioHomeSources sources = all();
    sources.option.reset();
    sources.environment.reset();
    const std::string error = error_of(sources);
    EXPECT_EQ(error, "no scenario set: looked in --scenarios (not given), $XSIME_SCENARIOS "
                     "(unset), ./scenarios (missing), " +
                         beside().string() + " (missing), " + prefix().string() +
                         " (missing); give --scenarios DIR or set XSIME_SCENARIOS");
    sources.environment = "";
    EXPECT_NE(error_of(sources).find("$XSIME_SCENARIOS (empty)"), std::string::npos);
}

TEST_F(ScenarioHomeLookup, AnExplicitPlaceThatIsNoFolderIsAnErrorNotAFallback) {
    const InFolder in(here_);
    auto sources = all();
    sources.option = (temp_.base() / "typo").string();
    EXPECT_EQ(error_of(sources), "--scenarios " + sources.option.value() + ": missing");
    sources.option.reset();
    const auto file = temp_.base() / "file.json";
    write_file(file, "{}");
    sources.environment = file.string();
    EXPECT_EQ(error_of(sources), "$XSIME_SCENARIOS (" + file.string() + "): not a folder");
}

// ---- the real binary, from a folder without scenarios/ ----

const std::string catalogue = R"({"clauses": [{"id": "TEST-1", "level": "must",
    "source": "spec", "area": "test", "text": "what the test requires"}]})";
const std::string scenario = R"({"id": "tmp.passes", "name": "logs in", "clauses": ["TEST-1"],
    "requirement": "what the test requires", "level": "must", "keywords": ["test"],
    "fixture": {"users": ["alice"]}, "sessions": ["s"],
    "steps": [{"login": {"user": "alice"}}, {"exit": {}}]})";

// `env -u XSIME_SCENARIOS [NAME=VALUE] BIN ARGS...` in `cwd`: the test's own environment
// cannot change what is found.
ProcessResult run_in(const fs::path& cwd, const std::string& binary, std::vector<std::string> args,
                     const std::string& environment = "") {
    std::vector<std::string> command = {"/usr/bin/env", "-u", "XSIME_SCENARIOS"};
    if (!environment.empty()) {
        command.push_back(environment);
    }
    command.push_back(binary);
    command.insert(command.end(), args.begin(), args.end());
    auto result = run_process(command, 60s, cwd);
    EXPECT_FALSE(result.timed_out) << describe(result);
    return result;
}

std::string scenario_set_sha256(const fs::path& report) {
    try {
        const auto doc = nlohmann::json::parse(read_file(report));
        return doc.contains("scenario_set") ? doc["scenario_set"].value("sha256", "") : "";
    } catch (const nlohmann::json::exception& e) {
        ADD_FAILURE() << report << ": " << e.what();
        return "";
    }
}

class FromAnotherFolder : public ::testing::Test {
protected:
    FromAnotherFolder() {
        fs::create_directories(elsewhere());
        make_set(temp_.base() / "set");
    }

    fs::path elsewhere() const { return temp_.base() / "elsewhere"; }

    static void make_set(const fs::path& dir) {
        fs::create_directories(dir / "tmp");
        write_file(dir / "clauses.json", catalogue);
        write_file(dir / "tmp" / "passes.json", scenario);
    }

    TempRoot temp_;
};

TEST_F(FromAnotherFolder, RunAndCoverageUseXsimeScenarios) {
    const std::string set = "XSIME_SCENARIOS=" + (temp_.base() / "set").string();
    const auto report = temp_.base() / "report.json";
    const auto run =
        run_in(elsewhere(), XSIME_CONFORM_BIN, {"run", "--json", report.string()}, set);
    EXPECT_EQ(run.status.code, 0) << describe(run);
    EXPECT_NE(run.out.find("1 passed, 0 failed"), std::string::npos) << describe(run);
    EXPECT_EQ(run.err.find("not checked"), std::string::npos) << "clauses.json of the set is read";

    // The same files from ./scenarios: the report names the set the same way.
    make_set(temp_.base() / "project" / "scenarios");
    const auto local = temp_.base() / "local.json";
    const auto here =
        run_in(temp_.base() / "project", XSIME_CONFORM_BIN, {"run", "--json", local.string()});
    EXPECT_EQ(here.status.code, 0) << describe(here);
    EXPECT_FALSE(scenario_set_sha256(report).empty());
    EXPECT_EQ(scenario_set_sha256(report), scenario_set_sha256(local));

    const auto coverage = run_in(elsewhere(), XSIME_CONFORM_BIN, {"coverage"}, set);
    EXPECT_EQ(coverage.status.code, 0) << describe(coverage);
    EXPECT_NE(coverage.out.find("TEST-1"), std::string::npos) << describe(coverage);
    EXPECT_NE(coverage.out.find("1/1 clauses covered"), std::string::npos) << describe(coverage);
}

TEST_F(FromAnotherFolder, ScenariosOptionWinsOverTheEnvironment) {
    const std::string wrong = "XSIME_SCENARIOS=" + (temp_.base() / "nothing-here").string();
    const std::string set = (temp_.base() / "set").string();
    const auto run = run_in(elsewhere(), XSIME_CONFORM_BIN, {"run", "--scenarios", set}, wrong);
    EXPECT_EQ(run.status.code, 0) << describe(run);
    const auto coverage =
        run_in(elsewhere(), XSIME_CONFORM_BIN, {"coverage", "--scenarios", set}, wrong);
    EXPECT_EQ(coverage.status.code, 0) << describe(coverage);
    const auto fmt =
        run_in(elsewhere(), XSIME_CONFORM_BIN, {"fmt", "--check", "--scenarios", set}, wrong);
    EXPECT_EQ(fmt.status.code, 1) << describe(fmt) << "the set is found, and is not canonical";
}

// A copy of the tree a package installs: PREFIX/bin/xsime-conform beside
// PREFIX/share/xsime-conform/scenarios, as `dpkg -x` unpacks it anywhere.
TEST_F(FromAnotherFolder, RunAndCoverageUseTheSetInstalledBesideTheBinary) {
    const auto prefix = temp_.base() / "unpacked" / "usr";
    fs::create_directories(prefix / "bin");
    const auto binary = prefix / "bin" / "xsime-conform";
    std::error_code linked;
    fs::create_hard_link(XSIME_CONFORM_BIN, binary, linked); // the binary is large
    if (linked) {
        fs::copy_file(XSIME_CONFORM_BIN, binary);
    }
    make_set(prefix / "share" / "xsime-conform" / "scenarios");

    const auto run = run_in(elsewhere(), binary.string(), {"run"});
    EXPECT_EQ(run.status.code, 0) << describe(run);
    EXPECT_NE(run.out.find("1 passed, 0 failed"), std::string::npos) << describe(run);
    const auto coverage = run_in(elsewhere(), binary.string(), {"coverage"});
    EXPECT_EQ(coverage.status.code, 0) << describe(coverage);
    EXPECT_NE(coverage.out.find("1/1 clauses covered"), std::string::npos) << describe(coverage);
}

TEST_F(FromAnotherFolder, WithNoSetRunCoverageAndFmtNameThePlacesTried) {
    const auto binary = fs::path(XSIME_CONFORM_BIN);
    const auto beside =
        (binary.parent_path() / "../share/xsime-conform/scenarios").lexically_normal();
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"run"}, {"coverage"}, {"fmt"}}) {
        const auto result = run_in(elsewhere(), binary.string(), args);
        if (result.status.code == 0 || result.status.code == 1) {
            GTEST_SKIP() << "a scenario set is installed on this machine: " << describe(result);
        }
        EXPECT_EQ(result.status.code, 2) << describe(result);
        EXPECT_NE(result.err.find("no scenario set: looked in --scenarios (not given), "
                                  "$XSIME_SCENARIOS (unset), ./scenarios (missing), " +
                                  beside.string() + " (missing), "),
                  std::string::npos)
            << describe(result);
        EXPECT_NE(result.err.find("share/xsime-conform/scenarios (missing); give --scenarios DIR"),
                  std::string::npos)
            << describe(result);
    }
}

} // namespace
} // namespace xsime::test
