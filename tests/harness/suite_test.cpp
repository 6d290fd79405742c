// Tests of harness/suite.hpp: shard parsing, the plan (filters, keywords, levels, shards),
// the baseline file, and run_suite's worker pool driven by a fake CaseRunner (no network).
#include "harness/scenario_case.hpp"
#include "harness/suite.hpp"
#include "tests/support/files.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <unistd.h>
#include <vector>

namespace xsime::harness {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

Scenario make_scenario(std::string id, Level level = Level::must,
                       std::vector<std::string> keywords = {"k"}) {
    Scenario scenario;
    scenario.id = std::move(id);
    scenario.name = "name of " + scenario.id;
    scenario.level = level;
    scenario.keywords = std::move(keywords);
    scenario.clauses = {"C-1"};
    scenario.requirement = "a requirement";
    scenario.file = "scenarios/" + scenario.id + ".json";
    return scenario;
}

std::vector<std::string> ids_of(const std::vector<Planned>& planned) {
    std::vector<std::string> ids;
    for (const auto& item : planned) {
        ids.push_back(item.scenario->id);
    }
    return ids;
}

// What a real runner fills in from the scenario, with the given verdict.
CaseResult result_for(const Scenario& scenario, Verdict verdict, std::string message = {}) {
    CaseResult result = case_of(scenario);
    result.verdict = verdict;
    result.message = std::move(message);
    return result;
}

std::vector<Planned> plan_all(const std::vector<Scenario>& scenarios) {
    return plan(scenarios, Selection{});
}

// ---- parse_shard ----

TEST(ParseShard, AcceptsIndexWithinCount) {
    for (const auto& [text, index, count] :
         std::vector<std::tuple<std::string, unsigned, unsigned>>{
             {"1/1", 1, 1}, {"2/4", 2, 4}, {"4/4", 4, 4}, {"10/12", 10, 12}}) {
        const auto parsed = parse_shard(text);
        ASSERT_TRUE(std::holds_alternative<Shard>(parsed)) << text;
        EXPECT_EQ(std::get<Shard>(parsed).index, index) << text;
        EXPECT_EQ(std::get<Shard>(parsed).count, count) << text;
    }
}

TEST(ParseShard, RejectsZeroOutOfRangeAndGarbage) {
    for (const std::string text :
         {"0/4", "5/4", "1/0", "0/0", "", "/", "1/", "/4", "abc", "1-4", "1/4x", "x1/4", "-1/4",
          "1/-4", " 1/4", "1/4 ", "1/4/2", "99999999999/99999999999"}) {
        const auto parsed = parse_shard(text);
        ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << "'" << text << "'";
        // The message quotes what was given, so a CI log shows the bad value.
        EXPECT_NE(std::get<std::string>(parsed).find("'" + text + "'"), std::string::npos)
            << std::get<std::string>(parsed);
    }
}

// ---- plan: filters and keywords ----

TEST(Plan, WithoutSelectionTakesEverythingSortedById) {
    const std::vector<Scenario> scenarios = {make_scenario("b.two"), make_scenario("a.one"),
                                             make_scenario("c.three")};
    const auto planned = plan_all(scenarios);
    EXPECT_EQ(ids_of(planned), (std::vector<std::string>{"a.one", "b.two", "c.three"}));
    for (const auto& item : planned) {
        EXPECT_FALSE(item.gated);
    }
}

TEST(Plan, SeveralGlobsSelectTheUnion) {
    const std::vector<Scenario> scenarios = {
        make_scenario("delivery.one"), make_scenario("delivery.two"),
        make_scenario("framing.split"), make_scenario("order.first"), make_scenario("entering.x")};
    Selection selection;
    selection.id_globs = {"delivery.*", "*.split", "order.fir?t"};
    EXPECT_EQ(
        ids_of(plan(scenarios, selection)),
        (std::vector<std::string>{"delivery.one", "delivery.two", "framing.split", "order.first"}));
}

TEST(Plan, GlobMustMatchTheWholeId) {
    const std::vector<Scenario> scenarios = {make_scenario("delivery.one"),
                                             make_scenario("xdelivery.one")};
    Selection selection;
    selection.id_globs = {"delivery"};
    EXPECT_TRUE(plan(scenarios, selection).empty());
    selection.id_globs = {"delivery.[a-z]*"};
    EXPECT_EQ(ids_of(plan(scenarios, selection)), (std::vector<std::string>{"delivery.one"}));
}

TEST(Plan, NoGlobMatchingGivesAnEmptyPlan) {
    const std::vector<Scenario> scenarios = {make_scenario("a.one"), make_scenario("b.two")};
    Selection selection;
    selection.id_globs = {"zzz.*", "nothing"};
    EXPECT_TRUE(plan(scenarios, selection).empty());
}

TEST(Plan, KeywordsSelectCasesWithAnyOfThem) {
    const std::vector<Scenario> scenarios = {
        make_scenario("a.one", Level::must, {"push", "delivery"}),
        make_scenario("a.two", Level::must, {"framing"}),
        make_scenario("a.three", Level::must, {"blacklist", "push"}),
        make_scenario("a.four", Level::must, {"pushy"})};
    Selection selection;
    selection.keywords = {"push"};
    EXPECT_EQ(ids_of(plan(scenarios, selection)), (std::vector<std::string>{"a.one", "a.three"}));
    selection.keywords = {"framing", "blacklist"};
    EXPECT_EQ(ids_of(plan(scenarios, selection)), (std::vector<std::string>{"a.three", "a.two"}));
    selection.keywords = {"none-has-this"};
    EXPECT_TRUE(plan(scenarios, selection).empty());
}

TEST(Plan, GlobsAndKeywordsMustBothHold) {
    const std::vector<Scenario> scenarios = {make_scenario("a.one", Level::must, {"push"}),
                                             make_scenario("b.one", Level::must, {"push"}),
                                             make_scenario("a.two", Level::must, {"other"})};
    Selection selection;
    selection.id_globs = {"a.*"};
    selection.keywords = {"push"};
    EXPECT_EQ(ids_of(plan(scenarios, selection)), (std::vector<std::string>{"a.one"}));
}

// ---- plan: levels ----

TEST(Plan, UnselectedLevelsAreGatedWithAReasonNamingTheLevels) {
    const std::vector<Scenario> scenarios = {make_scenario("a.must", Level::must),
                                             make_scenario("a.should", Level::should),
                                             make_scenario("a.interop", Level::interop)};
    Selection selection;
    selection.levels = {Level::must};
    const auto planned = plan(scenarios, selection);
    // Gated cases stay in the plan: they are reported as skipped, not silently dropped.
    ASSERT_EQ(ids_of(planned), (std::vector<std::string>{"a.interop", "a.must", "a.should"}));
    ASSERT_TRUE(planned[0].gated);
    EXPECT_NE(planned[0].gated->find("interop"), std::string::npos) << *planned[0].gated;
    EXPECT_NE(planned[0].gated->find("--level must"), std::string::npos) << *planned[0].gated;
    EXPECT_FALSE(planned[1].gated);
    ASSERT_TRUE(planned[2].gated);
    EXPECT_NE(planned[2].gated->find("should"), std::string::npos) << *planned[2].gated;

    selection.levels = {Level::must, Level::interop};
    const auto two = plan(scenarios, selection);
    EXPECT_FALSE(two[0].gated);
    EXPECT_FALSE(two[1].gated);
    ASSERT_TRUE(two[2].gated);
    EXPECT_NE(two[2].gated->find("level should"), std::string::npos) << *two[2].gated;
    EXPECT_NE(two[2].gated->find("must,interop"), std::string::npos) << *two[2].gated;
}

TEST(Plan, AllLevelsOrNoneSelectedGatesNothing) {
    const std::vector<Scenario> scenarios = {make_scenario("a.must", Level::must),
                                             make_scenario("a.should", Level::should),
                                             make_scenario("a.interop", Level::interop)};
    Selection selection;
    for (const auto& levels :
         {std::set<Level>{}, std::set<Level>{Level::must, Level::should, Level::interop}}) {
        selection.levels = levels;
        for (const auto& item : plan(scenarios, selection)) {
            EXPECT_FALSE(item.gated) << item.scenario->id;
        }
    }
}

// ---- plan: shards ----

std::vector<Scenario> many_scenarios(std::size_t count) {
    std::vector<Scenario> scenarios;
    for (std::size_t i = 0; i < count; ++i) {
        // Mixed areas and levels; every third one is filtered out by the glob below.
        const std::string area = i % 3 == 2 ? "other" : (i % 2 == 0 ? "alpha" : "beta");
        scenarios.push_back(make_scenario(area + ".case-" + std::to_string(i * 7919 % 1000),
                                          static_cast<Level>(i % 3)));
    }
    return scenarios;
}

TEST(Plan, ShardsPartitionTheFilteredSetEvenlyWhateverTheInputOrder) {
    for (const std::size_t total : {0u, 1u, 4u, 13u, 30u}) {
        auto scenarios = many_scenarios(total);
        Selection selection;
        selection.id_globs = {"alpha.*", "beta.*"};
        selection.levels = {Level::must}; // gating must not change which shard a case is in
        const auto whole = ids_of(plan(scenarios, selection));
        std::vector<std::string> expected_whole;
        for (const auto& scenario : scenarios) {
            if (scenario.area() != "other") {
                expected_whole.push_back(scenario.id);
            }
        }
        std::sort(expected_whole.begin(), expected_whole.end());
        ASSERT_EQ(whole, expected_whole);

        auto shuffled = scenarios;
        std::mt19937 random(static_cast<unsigned>(total) + 1);
        std::shuffle(shuffled.begin(), shuffled.end(), random);

        for (unsigned count = 1; count <= 5; ++count) {
            std::multiset<std::string> seen;
            std::size_t smallest = SIZE_MAX;
            std::size_t largest = 0;
            for (unsigned index = 1; index <= count; ++index) {
                selection.shard = Shard{index, count};
                const auto shard = ids_of(plan(scenarios, selection));
                EXPECT_EQ(ids_of(plan(shuffled, selection)), shard)
                    << "shard " << index << "/" << count << " of " << total
                    << " depends on the input order";
                seen.insert(shard.begin(), shard.end());
                smallest = std::min(smallest, shard.size());
                largest = std::max(largest, shard.size());
            }
            selection.shard.reset();
            // Union is the whole filtered set, and every id appears once: disjoint.
            EXPECT_EQ(std::vector<std::string>(seen.begin(), seen.end()), whole)
                << count << " shards of " << total;
            EXPECT_LE(largest - smallest, 1u) << count << " shards of " << total;
        }
    }
}

// ---- load_baseline ----

TEST(LoadBaseline, IgnoresCommentsBlanksAndSurroundingWhitespace) {
    test::TempDir dir;
    const auto file = dir.path() / "known-failures.txt";
    std::ofstream(file, std::ios::binary) << "# known failures of our server\n"
                                             "\n"
                                             "delivery.one\n"
                                             "   framing.split\t\n"
                                             "order.first   # ticket 42\n"
                                             "\t\n"
                                             "   # indented comment\n"
                                             "crlf.line\r\n"
                                             "delivery.one\n"
                                             "last.without-newline";
    const auto loaded = load_baseline(file);
    ASSERT_TRUE((std::holds_alternative<std::set<std::string>>(loaded)))
        << std::get<std::string>(loaded);
    EXPECT_EQ(std::get<std::set<std::string>>(loaded),
              (std::set<std::string>{"crlf.line", "delivery.one", "framing.split",
                                     "last.without-newline", "order.first"}));
}

TEST(LoadBaseline, EmptyFileIsAnEmptyBaseline) {
    test::TempDir dir;
    const auto file = dir.path() / "empty.txt";
    std::ofstream(file) << "";
    const auto loaded = load_baseline(file);
    ASSERT_TRUE((std::holds_alternative<std::set<std::string>>(loaded)));
    EXPECT_TRUE(std::get<std::set<std::string>>(loaded).empty());
}

TEST(LoadBaseline, MissingFileIsAnErrorNamingIt) {
    test::TempDir dir;
    const auto file = dir.path() / "does-not-exist.txt";
    const auto loaded = load_baseline(file);
    ASSERT_TRUE(std::holds_alternative<std::string>(loaded));
    EXPECT_NE(std::get<std::string>(loaded).find(file.string()), std::string::npos)
        << std::get<std::string>(loaded);
}

// ---- run_suite with a fake runner ----

struct Key {
    std::string id;
    std::uint32_t repetition;
    Verdict verdict;
    std::uint32_t attempts;
    bool flaky;
    Baseline baseline;
    friend bool operator==(const Key&, const Key&) = default;
};

std::vector<Key> keys_of(const RunResult& run) {
    std::vector<Key> keys;
    for (const auto& result : run.cases) {
        keys.push_back(Key{result.id, result.repetition, result.verdict, result.attempts,
                           result.flaky, result.baseline});
    }
    return keys;
}

// A runner whose verdict is a function of the scenario id, which counts its calls and the
// largest number of calls that overlapped.
class CountingRunner {
public:
    explicit CountingRunner(std::map<std::string, Verdict> verdicts,
                            std::chrono::milliseconds work = 0ms)
        : verdicts_(std::move(verdicts)), work_(work) {}

    CaseResult operator()(const Scenario& scenario, const std::atomic<bool>&) {
        const int now = ++running_;
        int seen = max_running_.load();
        while (now > seen && !max_running_.compare_exchange_weak(seen, now)) {
        }
        {
            std::lock_guard lock(mutex_);
            ++calls_[scenario.id];
        }
        std::this_thread::sleep_for(work_);
        --running_;
        const auto it = verdicts_.find(scenario.id);
        return result_for(scenario, it == verdicts_.end() ? Verdict::pass : it->second,
                          it == verdicts_.end() ? "" : "scripted");
    }

    int calls(const std::string& id) const {
        std::lock_guard lock(mutex_);
        const auto it = calls_.find(id);
        return it == calls_.end() ? 0 : it->second;
    }
    int total_calls() const {
        std::lock_guard lock(mutex_);
        int sum = 0;
        for (const auto& [id, n] : calls_) {
            sum += n;
        }
        return sum;
    }
    int max_running() const { return max_running_.load(); }

private:
    std::map<std::string, Verdict> verdicts_;
    std::chrono::milliseconds work_;
    mutable std::mutex mutex_;
    std::map<std::string, int> calls_;
    std::atomic<int> running_{0};
    std::atomic<int> max_running_{0};
};

std::vector<Scenario> suite_of(std::size_t count) {
    std::vector<Scenario> scenarios;
    for (std::size_t i = 0; i < count; ++i) {
        // Ids deliberately not in creation order: results are sorted, whatever finished first.
        scenarios.push_back(make_scenario("area.case-" + std::to_string((i * 37) % 101)));
    }
    return scenarios;
}

TEST(RunSuite, OneJobAndFourJobsGiveTheSameSortedResults) {
    const auto scenarios = suite_of(12);
    const std::map<std::string, Verdict> verdicts = {{scenarios[1].id, Verdict::fail},
                                                     {scenarios[4].id, Verdict::error},
                                                     {scenarios[7].id, Verdict::fail}};
    const auto planned = plan_all(scenarios);
    SuiteOptions options;
    options.repeat = 2;

    CountingRunner serial_runner(verdicts, 5ms);
    options.jobs = 1;
    const auto serial = run_suite(
        planned, [&](const Scenario& s, const std::atomic<bool>& c) { return serial_runner(s, c); },
        options, {});

    CountingRunner parallel_runner(verdicts, 20ms);
    options.jobs = 4;
    const auto parallel = run_suite(
        planned,
        [&](const Scenario& s, const std::atomic<bool>& c) { return parallel_runner(s, c); },
        options, {});

    EXPECT_EQ(serial_runner.max_running(), 1);
    // 24 calls of 20 ms each on 4 workers: they overlap (the pool really is parallel).
    EXPECT_GE(parallel_runner.max_running(), 2);
    EXPECT_LE(parallel_runner.max_running(), 4);
    ASSERT_EQ(serial.cases.size(), 24u);
    EXPECT_EQ(keys_of(serial), keys_of(parallel));
    EXPECT_TRUE(std::is_sorted(
        serial.cases.begin(), serial.cases.end(), [](const CaseResult& a, const CaseResult& b) {
            return std::tie(a.id, a.repetition) < std::tie(b.id, b.repetition);
        }));
    EXPECT_FALSE(serial.timed_out);
    EXPECT_FALSE(parallel.timed_out);
}

TEST(RunSuite, RepeatRunsEachScenarioNTimesWithRepetitionsFromZero) {
    const auto scenarios = suite_of(3);
    CountingRunner runner({});
    SuiteOptions options;
    options.repeat = 4;
    options.jobs = 2;
    const auto run = run_suite(
        plan_all(scenarios),
        [&](const Scenario& s, const std::atomic<bool>& c) { return runner(s, c); }, options, {});
    ASSERT_EQ(run.cases.size(), 12u);
    std::map<std::string, std::vector<std::uint32_t>> repetitions;
    for (const auto& result : run.cases) {
        repetitions[result.id].push_back(result.repetition);
    }
    for (const auto& scenario : scenarios) {
        EXPECT_EQ(runner.calls(scenario.id), 4) << scenario.id;
        EXPECT_EQ(repetitions[scenario.id], (std::vector<std::uint32_t>{0, 1, 2, 3}))
            << scenario.id;
    }
}

// Fails (or errs) the first `failures` attempts of each scenario, then passes.
class FailsFirst {
public:
    FailsFirst(unsigned failures, Verdict failing) : failures_(failures), failing_(failing) {}
    CaseResult operator()(const Scenario& scenario, const std::atomic<bool>&) {
        unsigned attempt = 0;
        {
            std::lock_guard lock(mutex_);
            attempt = ++attempts_[scenario.id];
        }
        if (attempt <= failures_) {
            return result_for(scenario, failing_, "attempt " + std::to_string(attempt) + " failed");
        }
        return result_for(scenario, Verdict::pass);
    }
    unsigned attempts(const std::string& id) {
        std::lock_guard lock(mutex_);
        return attempts_[id];
    }

private:
    unsigned failures_;
    Verdict failing_;
    std::mutex mutex_;
    std::map<std::string, unsigned> attempts_;
};

TEST(RunSuite, RerunFailuresMarksLaterPassesFlakyAndKeepsDeterministicFailures) {
    for (unsigned reruns = 0; reruns <= 3; ++reruns) {
        for (unsigned failures = 0; failures <= 5; ++failures) {
            const std::vector<Scenario> scenarios = {make_scenario("rerun.case")};
            FailsFirst runner(failures, Verdict::fail);
            SuiteOptions options;
            options.rerun_failures = reruns;
            const auto run = run_suite(
                plan_all(scenarios),
                [&](const Scenario& s, const std::atomic<bool>& c) { return runner(s, c); },
                options, {});
            ASSERT_EQ(run.cases.size(), 1u);
            const auto& result = run.cases[0];
            SCOPED_TRACE("--rerun-failures " + std::to_string(reruns) + ", fails " +
                         std::to_string(failures) + " times");
            if (failures == 0) {
                EXPECT_EQ(result.verdict, Verdict::pass);
                EXPECT_FALSE(result.flaky);
                EXPECT_EQ(result.attempts, 1u);
            } else if (failures <= reruns) {
                EXPECT_EQ(result.verdict, Verdict::pass);
                EXPECT_TRUE(result.flaky);
                EXPECT_EQ(result.attempts, failures + 1);
                // The report says what the first failure was.
                EXPECT_EQ(result.message, "attempt 1 failed");
            } else {
                EXPECT_EQ(result.verdict, Verdict::fail);
                EXPECT_FALSE(result.flaky);
                EXPECT_EQ(result.attempts, reruns + 1);
            }
            EXPECT_EQ(runner.attempts("rerun.case"), result.attempts);
        }
    }
}

TEST(RunSuite, RerunFailuresAlsoRerunsErrors) {
    const std::vector<Scenario> scenarios = {make_scenario("rerun.error")};
    FailsFirst runner(1, Verdict::error);
    SuiteOptions options;
    options.rerun_failures = 1;
    const auto run = run_suite(
        plan_all(scenarios),
        [&](const Scenario& s, const std::atomic<bool>& c) { return runner(s, c); }, options, {});
    ASSERT_EQ(run.cases.size(), 1u);
    EXPECT_EQ(run.cases[0].verdict, Verdict::pass);
    EXPECT_TRUE(run.cases[0].flaky);
    EXPECT_EQ(run.cases[0].attempts, 2u);
}

TEST(RunSuite, BaselineMarksExpectedFailuresAndUnexpectedPassesButNotErrors) {
    const std::vector<Scenario> scenarios = {
        make_scenario("b.listed-fail"),   make_scenario("b.listed-pass"),
        make_scenario("b.listed-error"),  make_scenario("b.unlisted-fail"),
        make_scenario("b.unlisted-pass"), make_scenario("b.listed-gated", Level::should)};
    CountingRunner runner({{"b.listed-fail", Verdict::fail},
                           {"b.listed-error", Verdict::error},
                           {"b.unlisted-fail", Verdict::fail}});
    Selection selection;
    selection.levels = {Level::must};
    SuiteOptions options;
    options.jobs = 3;
    options.expected_failures = {"b.listed-fail", "b.listed-pass", "b.listed-error",
                                 "b.listed-gated", "b.not-in-the-suite"};
    std::map<std::string, Baseline> seen_by_callback;
    const auto run = run_suite(
        plan(scenarios, selection),
        [&](const Scenario& s, const std::atomic<bool>& c) { return runner(s, c); }, options,
        [&](const CaseResult& result) { seen_by_callback[result.id] = result.baseline; });
    std::map<std::string, std::pair<Verdict, Baseline>> by_id;
    for (const auto& result : run.cases) {
        by_id[result.id] = {result.verdict, result.baseline};
    }
    using P = std::pair<Verdict, Baseline>;
    EXPECT_EQ(by_id["b.listed-fail"], P(Verdict::fail, Baseline::expected_fail));
    EXPECT_EQ(by_id["b.listed-pass"], P(Verdict::pass, Baseline::unexpected_pass));
    // The harness could not judge it: the baseline does not turn an error into anything.
    EXPECT_EQ(by_id["b.listed-error"], P(Verdict::error, Baseline::none));
    EXPECT_EQ(by_id["b.unlisted-fail"], P(Verdict::fail, Baseline::none));
    EXPECT_EQ(by_id["b.unlisted-pass"], P(Verdict::pass, Baseline::none));
    EXPECT_EQ(by_id["b.listed-gated"], P(Verdict::skipped, Baseline::none));
    EXPECT_EQ(by_id.size(), 6u);
    // on_case sees the final result, baseline included (the console prints XFAIL/XPASS).
    EXPECT_EQ(seen_by_callback["b.listed-fail"], Baseline::expected_fail);
    EXPECT_EQ(seen_by_callback["b.listed-pass"], Baseline::unexpected_pass);
}

TEST(RunSuite, GatedCasesAreSkippedWithoutRunning) {
    const std::vector<Scenario> scenarios = {make_scenario("g.must", Level::must),
                                             make_scenario("g.should", Level::should)};
    CountingRunner runner({});
    Selection selection;
    selection.levels = {Level::must};
    SuiteOptions options;
    options.repeat = 2;
    const auto run = run_suite(
        plan(scenarios, selection),
        [&](const Scenario& s, const std::atomic<bool>& c) { return runner(s, c); }, options, {});
    EXPECT_EQ(runner.calls("g.should"), 0);
    EXPECT_EQ(runner.calls("g.must"), 2);
    ASSERT_EQ(run.cases.size(), 4u);
    for (const auto& result : run.cases) {
        if (result.id == "g.should") {
            EXPECT_EQ(result.verdict, Verdict::skipped);
            EXPECT_EQ(result.attempts, 0u);
            EXPECT_NE(result.skip_reason.find("should"), std::string::npos) << result.skip_reason;
            EXPECT_EQ(result.file, "scenarios/g.should.json");
            EXPECT_EQ(result.level, Level::should);
        } else {
            EXPECT_EQ(result.verdict, Verdict::pass);
        }
    }
}

TEST(RunSuite, EmptyPlanGivesAnEmptyRun) {
    CountingRunner runner({});
    SuiteOptions options;
    options.jobs = 4;
    options.run_timeout = 10s;
    int callbacks = 0;
    const auto before = steady::now();
    const auto run = run_suite(
        {}, [&](const Scenario& s, const std::atomic<bool>& c) { return runner(s, c); }, options,
        [&](const CaseResult&) { ++callbacks; });
    EXPECT_LT(steady::now() - before, 2s);
    EXPECT_TRUE(run.cases.empty());
    EXPECT_EQ(callbacks, 0);
    EXPECT_FALSE(run.timed_out);
}

TEST(RunSuite, FinishingBeforeTheDeadlineDoesNotWaitForIt) {
    const auto scenarios = suite_of(4);
    CountingRunner runner({});
    SuiteOptions options;
    options.jobs = 2;
    options.run_timeout = 60s;
    const auto before = steady::now();
    const auto run = run_suite(
        plan_all(scenarios),
        [&](const Scenario& s, const std::atomic<bool>& c) { return runner(s, c); }, options, {});
    EXPECT_LT(steady::now() - before, 5s);
    EXPECT_FALSE(run.timed_out);
    EXPECT_EQ(run.cases.size(), 4u);
}

TEST(RunSuite, RunDeadlineCancelsRunningCasesAndSkipsTheRest) {
    const auto scenarios = suite_of(8);
    std::atomic<int> started{0};
    std::atomic<int> saw_cancel{0};
    // Blocks until cancelled; the 10 s safety bound keeps a broken deadline from hanging
    // the test (and shows up as a run far longer than the assertion below allows).
    const CaseRunner blocking = [&](const Scenario& scenario, const std::atomic<bool>& cancel) {
        ++started;
        const auto safety = steady::now() + 10s;
        while (!cancel.load() && steady::now() < safety) {
            std::this_thread::sleep_for(5ms);
        }
        if (cancel.load()) {
            ++saw_cancel;
            return result_for(scenario, Verdict::error, "run deadline reached");
        }
        return result_for(scenario, Verdict::pass);
    };
    SuiteOptions options;
    options.jobs = 3;
    options.rerun_failures = 2; // a cancelled case must not be rerun
    options.run_timeout = 200ms;
    std::atomic<int> callbacks{0};
    const auto before = steady::now();
    const auto run =
        run_suite(plan_all(scenarios), blocking, options, [&](const CaseResult&) { ++callbacks; });
    const auto elapsed = steady::now() - before;

    EXPECT_LT(elapsed, 3s);
    EXPECT_GE(elapsed, 150ms);
    EXPECT_TRUE(run.timed_out);
    // Normally all 3 workers are blocked when the deadline passes; a worker thread that
    // had not started within 200 ms on a loaded machine would find the deadline passed.
    EXPECT_GE(started.load(), 1);
    EXPECT_LE(started.load(), 3);
    EXPECT_EQ(saw_cancel.load(), started.load());
    ASSERT_EQ(run.cases.size(), 8u);
    EXPECT_EQ(callbacks.load(), 8);
    int errors = 0;
    int skipped = 0;
    for (const auto& result : run.cases) {
        if (result.verdict == Verdict::error) {
            ++errors;
            EXPECT_EQ(result.attempts, 1u) << result.id;
        } else {
            ASSERT_EQ(result.verdict, Verdict::skipped) << result.id;
            ++skipped;
            EXPECT_NE(result.skip_reason.find("deadline"), std::string::npos) << result.skip_reason;
            EXPECT_EQ(result.attempts, 0u);
        }
    }
    EXPECT_EQ(errors, started.load());
    EXPECT_EQ(skipped, 8 - started.load());
}

// The interrupt flag, set from another thread as a signal handler would: the running cases
// are cancelled (their message says interrupted), no case starts after it, and the cases that
// did not start have no result at all.
TEST(RunSuite, InterruptStopsRunningCasesPromptlyAndReportsNothingForTheRest) {
    const auto scenarios = suite_of(8);
    std::atomic<int> started{0};
    const CaseRunner blocking = [&](const Scenario& scenario, const std::atomic<bool>& cancel) {
        ++started;
        const auto safety = steady::now() + 10s;
        while (!cancel.load() && steady::now() < safety) {
            std::this_thread::sleep_for(5ms);
        }
        // What the runner says when the cancel flag stops a wait.
        auto result = result_for(scenario, Verdict::error, "session s: run deadline reached");
        result.transcript.push_back({});
        result.transcript.back().decoded = "stopped: session s: run deadline reached";
        return result;
    };
    std::atomic<bool> interrupt{false};
    SuiteOptions options;
    options.jobs = 3;
    options.rerun_failures = 2; // a stopped case is not rerun
    options.run_timeout = 60s;
    options.interrupt = &interrupt;
    std::atomic<int> callbacks{0};
    std::thread signaller([&] {
        // Observable: all three workers are inside a case.
        const auto safety = steady::now() + 10s;
        while (started.load() < 3 && steady::now() < safety) {
            std::this_thread::sleep_for(1ms);
        }
        interrupt.store(true);
    });
    const auto before = steady::now();
    const auto run =
        run_suite(plan_all(scenarios), blocking, options, [&](const CaseResult&) { ++callbacks; });
    const auto elapsed = steady::now() - before;
    signaller.join();

    EXPECT_LT(elapsed, 3s);
    EXPECT_TRUE(run.interrupted);
    EXPECT_FALSE(run.timed_out);
    EXPECT_EQ(run.planned, 8u);
    EXPECT_EQ(started.load(), 3);
    ASSERT_EQ(run.cases.size(), 3u);
    EXPECT_EQ(callbacks.load(), 3);
    for (const auto& result : run.cases) {
        EXPECT_EQ(result.verdict, Verdict::error) << result.id;
        EXPECT_EQ(result.message, "session s: interrupted before the case finished");
        EXPECT_EQ(result.transcript.back().decoded,
                  "stopped: session s: interrupted before the case finished");
        EXPECT_EQ(result.attempts, 1u);
    }
}

TEST(RunSuite, AnInterruptBeforeTheRunRunsNothing) {
    const auto scenarios = suite_of(4);
    CountingRunner runner({});
    std::atomic<bool> interrupt{true};
    SuiteOptions options;
    options.jobs = 2;
    options.repeat = 2;
    options.interrupt = &interrupt;
    const auto run = run_suite(
        plan_all(scenarios),
        [&](const Scenario& s, const std::atomic<bool>& c) { return runner(s, c); }, options, {});
    EXPECT_TRUE(run.interrupted);
    EXPECT_EQ(run.planned, 8u);
    EXPECT_TRUE(run.cases.empty());
    EXPECT_EQ(runner.total_calls(), 0);
}

TEST(RunSuite, AnUnsetInterruptFlagChangesNothing) {
    const auto scenarios = suite_of(4);
    CountingRunner runner({});
    std::atomic<bool> interrupt{false};
    SuiteOptions options;
    options.jobs = 2;
    options.interrupt = &interrupt;
    const auto run = run_suite(
        plan_all(scenarios),
        [&](const Scenario& s, const std::atomic<bool>& c) { return runner(s, c); }, options, {});
    EXPECT_FALSE(run.interrupted);
    EXPECT_EQ(run.planned, 4u);
    EXPECT_EQ(run.cases.size(), 4u);
}

TEST(RunSuite, OnCaseIsCalledOncePerCaseAndNeverConcurrently) {
    const auto scenarios = suite_of(10);
    std::map<std::string, Verdict> verdicts;
    for (std::size_t i = 0; i < scenarios.size(); i += 3) {
        verdicts[scenarios[i].id] = Verdict::fail;
    }
    CountingRunner runner(verdicts, 2ms);
    SuiteOptions options;
    options.jobs = 4;
    options.repeat = 3;
    options.rerun_failures = 1;
    std::atomic<bool> inside{false};
    std::atomic<int> overlaps{0};
    std::map<std::pair<std::string, std::uint32_t>, int> calls; // guarded by `inside`
    const auto run = run_suite(
        plan_all(scenarios),
        [&](const Scenario& s, const std::atomic<bool>& c) { return runner(s, c); }, options,
        [&](const CaseResult& result) {
            if (inside.exchange(true)) {
                ++overlaps;
                return;
            }
            ++calls[{result.id, result.repetition}];
            // Long enough that an unsynchronised second caller would land inside.
            std::this_thread::sleep_for(3ms);
            inside.store(false);
        });
    EXPECT_EQ(overlaps.load(), 0);
    ASSERT_EQ(run.cases.size(), 30u);
    EXPECT_EQ(calls.size(), 30u);
    for (const auto& [key, n] : calls) {
        EXPECT_EQ(n, 1) << key.first << " repetition " << key.second;
    }
    // Failing cases were rerun once each: 4 ids x 3 repetitions x 2 attempts.
    EXPECT_EQ(runner.total_calls(), 6 * 3 + 4 * 3 * 2);
}

} // namespace
} // namespace xsime::harness
