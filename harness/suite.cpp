// Selection, sharding and the worker pool that runs scenarios in parallel.
#include "harness/suite.hpp"

#include "harness/scenario_case.hpp"
#include "harness/step_result.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <fnmatch.h>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace xsime::harness {

namespace {

using steady = std::chrono::steady_clock;

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

struct Job {
    const Planned* planned;
    std::uint32_t repetition;
};

// What stops a run early: the whole-run deadline, or the interrupt flag (set by a signal
// handler, so it is polled: a handler cannot notify a condition variable). Either sets the
// cancel flag every running case watches. Without either, no thread is started.
class RunStopWatch {
public:
    RunStopWatch(std::chrono::milliseconds timeout, const std::atomic<bool>* interrupt)
        : interrupt_(interrupt) {
        if (timeout.count() <= 0 && interrupt == nullptr) {
            return;
        }
        const auto deadline =
            timeout.count() > 0 ? steady::now() + timeout : steady::time_point::max();
        thread_ = std::thread([this, deadline] { watch(deadline); });
    }
    ~RunStopWatch() { finish(); }
    RunStopWatch(const RunStopWatch&) = delete;
    RunStopWatch& operator=(const RunStopWatch&) = delete;

    // Sees an interrupt at once (the watch thread sees it within its poll), so that no case
    // starts after it. Any thread may call it.
    bool poll_interrupt() {
        if (interrupt_ != nullptr && interrupt_->load()) {
            interrupted_.store(true); // before cancel_: see run_job
            cancel_.store(true);
        }
        return interrupted_.load();
    }

    const std::atomic<bool>& cancel() const { return cancel_; }
    bool interrupted() const { return interrupted_.load(); }
    bool timed_out() const { return timed_out_.load(); }

    // Every case has ended: stop watching.
    void finish() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        cv_.notify_all();
        if (thread_.joinable()) {
            thread_.join();
        }
    }

private:
    // How long an interrupt may wait to be seen, on top of the runner's own wait slices.
    static constexpr std::chrono::milliseconds poll{20};

    void watch(steady::time_point deadline) {
        std::unique_lock lock(mutex_);
        while (!done_) {
            if (poll_interrupt()) {
                return;
            }
            if (steady::now() >= deadline) {
                timed_out_.store(true);
                cancel_.store(true);
                return;
            }
            const auto until =
                interrupt_ != nullptr ? std::min(deadline, steady::now() + poll) : deadline;
            cv_.wait_until(lock, until, [&] { return done_; });
        }
    }

    const std::atomic<bool>* interrupt_;
    std::atomic<bool> cancel_{false};
    std::atomic<bool> interrupted_{false};
    std::atomic<bool> timed_out_{false};
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};

// A case the interruption cut short says so, not "run deadline reached" (what every wait of
// the runner says when the cancel flag stops it): in its message and its transcript notes.
void restate_as_interrupted(CaseResult& result) {
    constexpr std::string_view interrupted = "interrupted before the case finished";
    const auto restate = [&](std::string& text) {
        const auto at = text.find(cancelled_message);
        if (at != std::string::npos) {
            text.replace(at, cancelled_message.size(), interrupted);
        }
    };
    restate(result.message);
    for (auto& entry : result.transcript) {
        if (entry.kind == TranscriptEntry::Kind::note) {
            restate(entry.decoded);
        }
    }
}

// One job: skipped when gated or after the deadline, else run (and rerun while it fails),
// then related to the baseline. Nothing when the run was interrupted before it started.
std::optional<CaseResult> run_job(const Job& job, const CaseRunner& run_case,
                                  const SuiteOptions& options, RunStopWatch& watch) {
    const auto& scenario = *job.planned->scenario;
    const auto& cancel = watch.cancel();
    if (watch.poll_interrupt()) {
        return std::nullopt;
    }
    // Read cancel before interrupted(): the watch marks an interruption before it cancels.
    const bool cancelled = cancel.load();
    if (cancelled && watch.interrupted()) {
        return std::nullopt;
    }
    if (job.planned->gated || cancelled) {
        const std::string reason = job.planned->gated
                                       ? *job.planned->gated
                                       : "not run: the run deadline (--timeout) was reached first";
        auto result = skipped_case(scenario, reason);
        result.repetition = job.repetition;
        return result;
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
    if (watch.interrupted() && result.verdict == Verdict::error) {
        restate_as_interrupted(result);
    }
    if (options.expected_failures.contains(scenario.id)) {
        if (result.verdict == Verdict::fail) {
            result.baseline = Baseline::expected_fail;
        } else if (result.verdict == Verdict::pass) {
            result.baseline = Baseline::unexpected_pass;
        }
    }
    return result;
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
        if (scenario.subject == selection.subject &&
            matches_any_glob(scenario.id, selection.id_globs) &&
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
    std::vector<Job> jobs;
    for (std::uint32_t repetition = 0; repetition < std::max(1u, options.repeat); ++repetition) {
        for (const auto& item : planned) {
            jobs.push_back(Job{&item, repetition});
        }
    }
    run.planned = jobs.size();

    RunStopWatch watch(options.run_timeout, options.interrupt);
    std::atomic<std::size_t> next{0};
    std::mutex mutex; // guards run.cases and on_case
    auto work = [&] {
        for (auto index = next.fetch_add(1); index < jobs.size(); index = next.fetch_add(1)) {
            // After an interruption nothing more is reported: no result is made up for a
            // case that did not run (the reports count them from RunResult::planned).
            auto result = run_job(jobs[index], run_case, options, watch);
            if (!result) {
                return;
            }
            std::lock_guard lock(mutex);
            if (on_case) {
                on_case(*result);
            }
            run.cases.push_back(std::move(*result));
        }
    };
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
    watch.finish();

    run.timed_out = watch.timed_out();
    run.interrupted = watch.interrupted();
    run.duration = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    std::sort(run.cases.begin(), run.cases.end(), [](const CaseResult& a, const CaseResult& b) {
        return a.id != b.id ? a.id < b.id : a.repetition < b.repetition;
    });
    return run;
}

} // namespace xsime::harness
