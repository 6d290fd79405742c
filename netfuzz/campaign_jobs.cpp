// Cases run beside each other with --jobs (campaign_runner.hpp): on the pool's workers, and the
// replays alone that make a suspicious case count only as it would with one job.
#include "netfuzz/campaign_runner.hpp"

namespace xsime::netfuzz::detail {

// One case on a worker, beside others: what it saw, judged by the campaign later.
PooledCase Campaign::pooled_case(std::uint64_t number) {
    PooledCase r;
    r.fuzz_case = build_case(options_.seed, number, r.mutations);
    std::string org;
    if ((r.fault = make_org(r.fuzz_case, org))) {
        return r;
    }
    const auto seen = execute(r.fuzz_case, target_.transport(), org, options_.exec);
    r.messages_sent = seen.messages_sent;
    r.verdict = judge(seen, *this);
    if (jail_) {
        std::lock_guard lock(jail_mutex_);
        jail_->after_case(r.fuzz_case, org);
        if (auto changed = jail_->take()) {
            r.changed = true;
            if (!pooled_jail_) {
                pooled_jail_ = std::move(*changed);
                pooled_jail_->case_number = number;
                pooled_jail_->mutations = r.mutations;
            }
        }
    }
    std::string how;
    if (died(how, std::chrono::milliseconds(0))) {
        r.died = true;
        if (!r.verdict) {
            r.verdict =
                Verdict{FindingKind::crash, "crash:" + how, "the server process " + how, 0, 0};
        }
    }
    retire(org);
    return r;
}

// After a suspicious case with --jobs: the server restarted if it died, then every case from
// the first that overlapped it run again alone, as with one job. Returns the case to go on
// from. When none of them shows anything alone, a crash or a change outside the org units
// (which a rerun may not make again) is kept from the case that saw it, as one job keeps a
// finding it cannot reproduce; any other verdict (a deadline missed while cases competed for
// the CPU) is counted as unconfirmed.
std::uint64_t Campaign::replay_alone(std::uint64_t from, CasePool::Paused& paused,
                                     const std::atomic<bool>& stop) {
    std::string how;
    std::string crash_stderr;
    bool dead = died(how, std::chrono::milliseconds(0));
    std::string why_not;
    bool refused = false;
    if (!dead && !alive(why_not, refused)) {
        // A process on its way out (an abort writing its core) still holds its connections:
        // replaying against it would blame the first case of the window for the crash.
        dead = died(how, std::chrono::milliseconds(2000));
    }
    if (dead) {
        crash_stderr = target_.stderr_tail();
        std::string why;
        if (!target_.restart(why)) {
            result_.fault = "cannot restart the server: " + why;
            return from;
        }
    }
    const auto findings_before = stats_.findings;
    auto number = from;
    for (; number < paused.end && !stop && !result_.fault && may_start(number); ++number) {
        serial_case(number);
    }
    std::optional<JailFinding> changed;
    {
        std::lock_guard lock(jail_mutex_);
        changed = std::exchange(pooled_jail_, std::nullopt);
    }
    if (stats_.findings != findings_before || result_.fault) {
        return number;
    }
    bool kept = false;
    for (auto& s : paused.suspicious) {
        if (s.number >= number) {
            continue; // not run again (the duration ran out): not counted, as never run
        }
        if (!kept && s.died && s.verdict) {
            stderr_ = crash_stderr;
            on_finding(s.fuzz_case, *s.verdict, s.number, s.mutations);
            kept = true;
        } else if (!kept && s.changed && changed) {
            ++stats_.findings;
            kept = true;
            if (signatures_.insert(changed->verdict.signature).second) {
                changed->verdict.detail +=
                    " (seen while other cases ran beside it; not seen again when they ran alone)";
                record_jail(std::move(*changed));
            } else {
                ++stats_.duplicates;
            }
        } else {
            ++stats_.unconfirmed;
        }
    }
    return number;
}

void Campaign::run_pooled(const std::function<void(const CampaignStats&)>& on_status,
                          const std::atomic<bool>& stop) {
    CasePool pool(
        options_.jobs, [this](std::uint64_t number) { return pooled_case(number); },
        [this, &stop](std::uint64_t number) { return !stop && may_start(number); });
    auto next_status = started_ + options_.status_every;
    while (!result_.fault) {
        auto got = pool.next(next_status);
        if (auto* r = std::get_if<PooledCase>(&got)) {
            count(r->fuzz_case, r->messages_sent);
            ++stats_.cases;
            check_resources(r->number + 1);
        } else if (const auto* replay = std::get_if<CasePool::Replay>(&got)) {
            auto paused = pool.pause();
            const auto next = replay_alone(replay->from, paused, stop);
            if (result_.fault) {
                break;
            }
            pool.resume(next);
        } else if (std::holds_alternative<CasePool::Done>(got)) {
            break;
        }
        stats_.elapsed = std::chrono::steady_clock::now() - started_;
        if (on_status && std::chrono::steady_clock::now() >= next_status) {
            on_status(stats_);
            next_status += options_.status_every;
        }
    }
    pool.finish();
}

} // namespace xsime::netfuzz::detail
