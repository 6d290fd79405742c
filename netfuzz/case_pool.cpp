// Concurrent cases handed back in order (case_pool.hpp).
#include "netfuzz/case_pool.hpp"

#include <algorithm>

namespace xsime::netfuzz {

CasePool::CasePool(unsigned workers, Work work, More more)
    : work_(std::move(work)), more_(std::move(more)) {
    for (unsigned i = 0; i < std::max(workers, 1u); ++i) {
        threads_.emplace_back([this] { work_loop(); });
    }
}

CasePool::~CasePool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_workers_.notify_all();
    for (auto& thread : threads_) {
        thread.join();
    }
}

void CasePool::work_loop() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_workers_.wait(lock, [this] { return stopping_ || (!paused_ && !exhausted_); });
        if (stopping_) {
            return;
        }
        const auto number = next_claim_;
        if (!more_(number)) {
            exhausted_ = true;
            wake_campaign_.notify_all();
            continue;
        }
        ++next_claim_;
        running_.insert(number);
        const auto overlap_from = *running_.begin();
        lock.unlock();
        auto result = work_(number);
        lock.lock();
        running_.erase(number);
        result.number = number;
        // A suspicious case may owe its verdict to any case that ran beside it, and those
        // that started before it are still running or not handed back (see next()): the
        // replay starts at the first of them.
        if (result.suspicious() || result.fault) {
            replay_from_ = std::min(replay_from_.value_or(overlap_from), overlap_from);
        }
        results_[number] = Entry{std::move(result), overlap_from, next_claim_};
        wake_campaign_.notify_all();
    }
}

std::variant<PooledCase, CasePool::Replay, CasePool::Idle, CasePool::Done>
CasePool::next(std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mutex_);
    while (true) {
        if (replay_from_ && *replay_from_ <= next_out_) {
            return Replay{next_out_};
        }
        const auto it = results_.find(next_out_);
        // Handed back only once every case that overlapped it has finished clean: a later
        // suspicious one may still ask to replay it.
        if (it != results_.end() &&
            (running_.empty() || *running_.begin() >= it->second.started_before)) {
            auto result = std::move(it->second.result);
            results_.erase(it);
            ++next_out_;
            return result;
        }
        if (exhausted_ && running_.empty() && it == results_.end()) {
            return Done{};
        }
        if (wake_campaign_.wait_until(lock, until) == std::cv_status::timeout) {
            return Idle{};
        }
    }
}

CasePool::Paused CasePool::pause() {
    std::unique_lock lock(mutex_);
    paused_ = true;
    wake_campaign_.wait(lock, [this] { return running_.empty(); });
    Paused paused;
    paused.end = next_claim_;
    for (auto& [number, entry] : results_) {
        if (entry.result.suspicious()) {
            paused.suspicious.push_back(std::move(entry.result));
        }
    }
    results_.clear();
    replay_from_.reset();
    return paused;
}

void CasePool::resume(std::uint64_t from) {
    {
        std::lock_guard lock(mutex_);
        next_claim_ = from;
        next_out_ = from;
        paused_ = false;
        exhausted_ = false;
    }
    wake_workers_.notify_all();
}

void CasePool::finish() {
    std::lock_guard lock(mutex_);
    exhausted_ = true;
}

} // namespace xsime::netfuzz
