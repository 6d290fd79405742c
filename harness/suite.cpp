// Selection, sharding and the worker pool that runs scenarios in parallel.
#include "harness/suite.hpp"

#include "harness/scenario_case.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <fnmatch.h>
#include <fstream>
#include <mutex>
#include <thread>

namespace xsime::harness {

namespace {

bool matches_any_glob(const std::string& id, const std::vector<std::string>& globs) {
    return globs.empty() || std::any_of(globs.begin(), globs.end(), [&](const std::string& glob) {
               return ::fnmatch(glob.c_str(), id.c_str(), 0) == 0;
           });
}

bool has_any_keyword(const Scenario& scenario, const std::vector<std::string>& keywords) {
    return keywords.empty() ||
           std::any_of(keywords.begin(), keywords.end(), [&](const std::string& keyword) {
               return std::find(scenario.keywords.begin(), scenario.keywords.end(), keyword) !=
                      scenario.keywords.end();
           });
}

std::optional<unsigned> parse_unsigned(std::string_view text) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

CaseResult skipped_case(const Scenario& scenario, std::string reason) {
    CaseResult result = case_of(scenario);
    result.verdict = Verdict::skipped;
    result.skip_reason = std::move(reason);
    result.attempts = 0;
    return result;
}

bool failed(const CaseResult& result) {
    return result.verdict == Verdict::fail || result.verdict == Verdict::error;
}

} // namespace

std::variant<Shard, std::string> parse_shard(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        return "expected I/N (e.g. 2/4), got '" + std::string(text) + "'";
    }
    const auto index = parse_unsigned(text.substr(0, slash));
    const auto count = parse_unsigned(text.substr(slash + 1));
    if (!index || !count || *count == 0 || *index == 0 || *index > *count) {
        return "expected I/N with 1 <= I <= N, got '" + std::string(text) + "'";
    }
    return Shard{*index, *count};
}

std::vector<Planned> plan(const std::vector<Scenario>& scenarios, const Selection& selection) {
    std::vector<const Scenario*> sorted;
    for (const auto& scenario : scenarios) {
        if (matches_any_glob(scenario.id, selection.id_globs) &&
            has_any_keyword(scenario, selection.keywords)) {
            sorted.push_back(&scenario);
        }
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const Scenario* a, const Scenario* b) { return a->id < b->id; });
    std::string selected;
    for (const auto level : selection.levels) {
        selected += (selected.empty() ? "" : ",") + std::string(to_string(level));
    }
    std::vector<Planned> planned;
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        if (selection.shard && i % selection.shard->count != selection.shard->index - 1) {
            continue;
        }
        Planned item{sorted[i], std::nullopt};
        if (!selection.levels.empty() && !selection.levels.contains(sorted[i]->level)) {
            item.gated = "level " + std::string(to_string(sorted[i]->level)) +
                         " not selected (--level " + selected + ")";
        }
        planned.push_back(std::move(item));
    }
    return planned;
}

std::variant<std::set<std::string>, std::string> load_baseline(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) {
        return "cannot read the baseline " + file.string();
    }
    std::set<std::string> ids;
    std::string line;
    while (std::getline(in, line)) {
        line = line.substr(0, line.find('#'));
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos) {
            continue;
        }
        const auto last = line.find_last_not_of(" \t\r");
        ids.insert(line.substr(first, last - first + 1));
    }
    return ids;
}

RunResult run_suite(const std::vector<Planned>& planned, const CaseRunner& run_case,
                    const SuiteOptions& options,
                    const std::function<void(const CaseResult&)>& on_case) {
    RunResult run;
    run.started = std::chrono::system_clock::now();
    const auto started = std::chrono::steady_clock::now();

    struct Job {
        const Planned* planned;
        std::uint32_t repetition;
    };
    std::vector<Job> jobs;
    for (std::uint32_t repetition = 0; repetition < std::max(1u, options.repeat); ++repetition) {
        for (const auto& item : planned) {
            jobs.push_back(Job{&item, repetition});
        }
    }

    std::atomic<bool> cancel{false};
    std::atomic<std::size_t> next{0};
    std::mutex mutex; // guards run.cases and on_case

    auto finish = [&](CaseResult result) {
        std::lock_guard lock(mutex);
        if (on_case) {
            on_case(result);
        }
        run.cases.push_back(std::move(result));
    };

    auto work = [&] {
        while (true) {
            const auto index = next.fetch_add(1);
            if (index >= jobs.size()) {
                return;
            }
            const auto& job = jobs[index];
            const auto& scenario = *job.planned->scenario;
            if (job.planned->gated || cancel.load()) {
                auto result = skipped_case(
                    scenario, job.planned->gated
                                  ? *job.planned->gated
                                  : "not run: the run deadline (--timeout) was reached first");
                result.repetition = job.repetition;
                finish(std::move(result));
                continue;
            }
            auto result = run_case(scenario, cancel);
            std::uint32_t attempts = 1;
            while (failed(result) && attempts <= options.rerun_failures && !cancel.load()) {
                ++attempts;
                auto again = run_case(scenario, cancel);
                if (!failed(again)) {
                    // A pass on rerun is reported as flaky, with the first failure kept.
                    result.flaky = true;
                    result.verdict = again.verdict;
                    break;
                }
            }
            result.attempts = attempts;
            result.repetition = job.repetition;
            if (options.expected_failures.contains(scenario.id)) {
                if (result.verdict == Verdict::fail) {
                    result.baseline = Baseline::expected_fail;
                } else if (result.verdict == Verdict::pass) {
                    result.baseline = Baseline::unexpected_pass;
                }
            }
            finish(std::move(result));
        }
    };

    // The whole-run deadline: cancels running cases promptly and skips the rest.
    std::mutex deadline_mutex;
    std::condition_variable deadline_cv;
    bool all_done = false;
    std::thread deadline_thread;
    if (options.run_timeout.count() > 0) {
        deadline_thread = std::thread([&] {
            std::unique_lock lock(deadline_mutex);
            if (!deadline_cv.wait_for(lock, options.run_timeout, [&] { return all_done; })) {
                cancel.store(true);
            }
        });
    }

    std::vector<std::thread> workers;
    const auto worker_count =
        std::clamp<std::size_t>(options.jobs, 1, std::max<std::size_t>(1, jobs.size()));
    for (std::size_t i = 1; i < worker_count; ++i) {
        workers.emplace_back(work);
    }
    work();
    for (auto& worker : workers) {
        worker.join();
    }
    {
        std::lock_guard lock(deadline_mutex);
        all_done = true;
    }
    deadline_cv.notify_all();
    if (deadline_thread.joinable()) {
        deadline_thread.join();
    }

    run.timed_out = cancel.load();
    run.duration = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    std::sort(run.cases.begin(), run.cases.end(), [](const CaseResult& a, const CaseResult& b) {
        return a.id != b.id ? a.id < b.id : a.repetition < b.repetition;
    });
    return run;
}

} // namespace xsime::harness
