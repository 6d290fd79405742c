// Tests of the case pool on synthetic work: every case is handed back once and in order
// whatever the number of workers, cases really overlap, and a suspicious case asks for a
// replay from the first case that ran beside it, dropping the results not handed back yet.
#include "netfuzz/case_pool.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <gtest/gtest.h>
#include <mutex>
#include <variant>

namespace xsime::netfuzz {
namespace {

using Clock = std::chrono::steady_clock;

// Every case the pool hands back, in the order it comes, until Done (replays answered by
// running the dropped cases here, as the campaign runs them alone).
struct Drained {
    std::vector<std::uint64_t> handed;
    std::vector<std::uint64_t> replayed;
    std::vector<std::uint64_t> suspicious;
};

Drained drain(CasePool& pool, std::uint64_t total) {
    Drained out;
    const auto give_up = Clock::now() + std::chrono::seconds(60); // a hang fails, not blocks
    while (Clock::now() < give_up) {
        auto got = pool.next(Clock::now() + std::chrono::milliseconds(100));
        if (auto* r = std::get_if<PooledCase>(&got)) {
            out.handed.push_back(r->number);
        } else if (const auto* replay = std::get_if<CasePool::Replay>(&got)) {
            auto paused = pool.pause();
            for (const auto& s : paused.suspicious) {
                out.suspicious.push_back(s.number);
            }
            auto n = replay->from;
            for (; n < paused.end && n < total; ++n) {
                out.replayed.push_back(n);
            }
            pool.resume(n);
        } else if (std::holds_alternative<CasePool::Done>(got)) {
            return out;
        }
    }
    ADD_FAILURE() << "the pool never said Done";
    return out;
}

PooledCase plain(std::uint64_t) {
    return {};
}

TEST(CasePool, HandsEveryCaseBackOnceInOrder) {
    for (unsigned workers : {1u, 2u, 4u}) {
        CasePool pool(workers, plain, [](std::uint64_t n) { return n < 500; });
        const auto seen = drain(pool, 500);
        ASSERT_EQ(seen.handed.size(), 500u) << workers << " workers";
        for (std::uint64_t i = 0; i < seen.handed.size(); ++i) {
            EXPECT_EQ(seen.handed[i], i);
        }
        EXPECT_TRUE(seen.replayed.empty());
    }
}

TEST(CasePool, RunsCasesAtTheSameTime) {
    // Case 0 waits until case 1 has started: only a second worker can start it.
    std::mutex mutex;
    std::condition_variable cv;
    bool second_started = false;
    std::atomic<bool> overlapped{false};
    CasePool pool(
        2,
        [&](std::uint64_t n) {
            std::unique_lock lock(mutex);
            if (n == 1) {
                second_started = true;
                cv.notify_all();
            } else if (n == 0) {
                overlapped =
                    cv.wait_for(lock, std::chrono::seconds(30), [&] { return second_started; });
            }
            return PooledCase{};
        },
        [](std::uint64_t n) { return n < 2; });
    const auto seen = drain(pool, 2);
    EXPECT_TRUE(overlapped);
    EXPECT_EQ(seen.handed, (std::vector<std::uint64_t>{0, 1}));
}

TEST(CasePool, SuspiciousCaseIsReplayedFromTheFirstOverlappingOne) {
    // Case 40 is suspicious: no case from the first that overlapped it on comes back as
    // clean, and every case is either handed back or replayed, exactly once.
    const std::uint64_t total = 100;
    CasePool pool(
        3,
        [](std::uint64_t n) {
            PooledCase r;
            if (n == 40) {
                r.verdict = Verdict{FindingKind::spec, "spec:x", "x", 0, 0};
            }
            return r;
        },
        [total](std::uint64_t n) { return n < total; });
    const auto seen = drain(pool, total);
    ASSERT_FALSE(seen.replayed.empty());
    EXPECT_LE(seen.replayed.front(), 40u);
    EXPECT_GE(seen.replayed.back(), 40u);
    EXPECT_EQ(seen.suspicious, (std::vector<std::uint64_t>{40}));
    std::vector<std::uint64_t> all = seen.handed;
    all.insert(all.end(), seen.replayed.begin(), seen.replayed.end());
    std::sort(all.begin(), all.end());
    ASSERT_EQ(all.size(), total);
    for (std::uint64_t i = 0; i < total; ++i) {
        EXPECT_EQ(all[i], i);
    }
    for (const auto n : seen.handed) {
        EXPECT_NE(n, 40u);
    }
}

TEST(CasePool, FinishLetsRunningCasesEnd) {
    CasePool pool(2, plain, [](std::uint64_t) { return true; });
    auto first = pool.next(Clock::now() + std::chrono::seconds(30));
    ASSERT_TRUE(std::holds_alternative<PooledCase>(first));
    pool.finish();
    const auto rest = drain(pool, UINT64_MAX);
    for (std::uint64_t i = 0; i < rest.handed.size(); ++i) {
        EXPECT_EQ(rest.handed[i], i + 1);
    }
}

} // namespace
} // namespace xsime::netfuzz
