// Runs fuzz cases on several threads (`fuzz --jobs`) and hands their results back in case
// order, each only once every case that ran at the same time as it has finished. A suspicious
// result (a verdict, a dead server, a change outside the org units) is never judged here: it
// asks for a replay, from the first case that overlapped it, one case at a time. So findings
// come only from cases that ran alone, as with one job, and case N is always the same case.
#pragma once

#include "netfuzz/case_model.hpp"
#include "netfuzz/oracles.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

namespace xsime::netfuzz {

// What one case left for the campaign: enough to count it, and to tell why it is suspicious.
struct PooledCase {
    std::uint64_t number = 0;
    Case fuzz_case;
    std::vector<std::string_view> mutations;
    std::size_t messages_sent = 0;
    std::optional<Verdict> verdict;
    bool died = false;                // the server process was found dead after the case
    bool changed = false;             // the outside-org-unit watch saw a change after the case
    std::optional<std::string> fault; // a harness fault (the fixture could not be made)
    bool suspicious() const { return verdict || died || changed; }
};

class CasePool {
public:
    // Runs case `number` (on a worker thread, concurrently with others).
    using Work = std::function<PooledCase(std::uint64_t number)>;
    // Whether case `number` may start (the duration, --max-cases, Ctrl-C); under the pool's lock.
    using More = std::function<bool(std::uint64_t number)>;

    // Starts `workers` threads handing out cases from 0.
    CasePool(unsigned workers, Work work, More more);
    // Lets the running cases end, then joins the threads.
    ~CasePool();
    CasePool(const CasePool&) = delete;
    CasePool& operator=(const CasePool&) = delete;

    struct Replay {
        std::uint64_t from; // the first case to run again alone
    };
    struct Idle {}; // nothing yet by `until`
    struct Done {}; // every case that was started has been handed back
    // The next case in order, a replay request, or neither by `until`.
    std::variant<PooledCase, Replay, Idle, Done> next(std::chrono::steady_clock::time_point until);

    struct Paused {
        std::uint64_t end = 0; // cases from the replay's start to end - 1 must run again
        std::vector<PooledCase> suspicious; // the dropped suspicious results, in case order
    };
    // Stops handing out cases, waits for the running ones and drops every result not handed
    // back yet (they will run again).
    Paused pause();
    // Hands out cases again from `from` (the case after those run alone meanwhile).
    void resume(std::uint64_t from);
    // No more cases start (a harness fault); next() drains the running ones.
    void finish();

private:
    struct Entry {
        PooledCase result;
        std::uint64_t overlap_from = 0;   // the smallest case running when this one started
        std::uint64_t started_before = 0; // every case that overlapped it is below this
    };
    void work_loop();

    Work work_;
    More more_;
    std::mutex mutex_;
    std::condition_variable wake_workers_;
    std::condition_variable wake_campaign_;
    std::uint64_t next_claim_ = 0;
    std::uint64_t next_out_ = 0;
    std::set<std::uint64_t> running_;
    std::map<std::uint64_t, Entry> results_;
    std::optional<std::uint64_t> replay_from_;
    bool paused_ = false;
    bool exhausted_ = false; // more() said no
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

} // namespace xsime::netfuzz
