// The fuzzing loop (campaign.hpp).
#include "netfuzz/campaign.hpp"

#include "netfuzz/case_pool.hpp"
#include "netfuzz/jail_oracle.hpp"
#include "netfuzz/mutators.hpp"

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

namespace xsime::netfuzz {

double CampaignStats::cases_per_second() const {
    const auto seconds = std::chrono::duration<double>(elapsed).count();
    return seconds > 0 ? static_cast<double>(cases) / seconds : 0.0;
}

std::string CampaignStats::line() const {
    std::ostringstream out;
    out << cases << " cases, " << static_cast<std::uint64_t>(cases_per_second()) << "/s, opcodes "
        << opcodes.count() << ", transitions " << transitions.size() << ", findings " << findings;
    return out.str();
}

Case build_case(std::uint64_t seed, std::uint64_t number,
                std::vector<std::string_view>& mutations) {
    std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                      static_cast<std::uint32_t>(number), static_cast<std::uint32_t>(number >> 32)};
    Rng rng(seq);
    auto fuzz_case = valid_case(rng);
    mutations.clear();
    if (number % 8 != 0) { // every 8th case stays valid: the baseline the spec oracle checks
        mutations = mutate(fuzz_case, rng);
    }
    return fuzz_case;
}

namespace {

std::size_t message_count(const Case& c) {
    std::size_t n = 0;
    for (const auto& s : c.sessions) {
        n += s.messages.size();
    }
    return n;
}

class Campaign final : public TargetProbe {
public:
    Campaign(const CampaignOptions& options, FuzzTarget& target)
        : options_(options), target_(target),
          probe_org_("nf-probe-" + std::to_string(options.seed)) {}

    // Serialised: with --jobs, every worker's oracles ask.
    bool died(std::string& how, std::chrono::milliseconds grace) override {
        std::lock_guard lock(target_mutex_);
        return target_.died(how, grace);
    }

    bool alive(std::string& why, bool& refused) override {
        return liveness_probe(target_.transport(), probe_org_, std::string(probe_user),
                              options_.exec, why, refused);
    }

    CampaignResult run(const std::function<void(const CampaignStats&)>& on_status,
                       const std::atomic<bool>& stop);

private:
    // Makes a fresh org unit, named in `org`, with the case's users; or says why it could not.
    std::optional<std::string> make_org(const Case& c, std::string& org) {
        org = "nf-" + std::to_string(options_.seed) + "-" + std::to_string(orgs_++);
        harness::Fixture fixture;
        for (const auto& s : c.sessions) {
            fixture.users.push_back(s.user);
        }
        if (auto error = target_.fixture().prepare(org, fixture)) {
            return "cannot prepare the fixture: " + *error;
        }
        return std::nullopt;
    }

    // Runs `c` alone in a fresh org unit and judges it; restarts a server that died.
    std::optional<Verdict> run_once(const Case& c, bool always_probe = false) {
        std::string org;
        if (auto error = make_org(c, org)) {
            result_.fault = std::move(error);
            return std::nullopt;
        }
        const auto seen = execute(c, target_.transport(), org, options_.exec);
        count(c, seen.messages_sent);
        auto verdict = judge(seen, *this, always_probe);
        if (jail_) {
            jail_->after_case(c, org);
        }
        std::string how;
        if (target_.died(how, std::chrono::milliseconds(0))) {
            stderr_ = target_.stderr_tail();
            std::string why;
            if (!target_.restart(why)) {
                result_.fault = "cannot restart the server: " + why;
            }
        }
        retire(org);
        return verdict;
    }

    // Org units are removed some cases later: right after a case the server may still be
    // making a user's messages/ in one, and removing it would race with that.
    void retire(const std::string& org) {
        std::optional<std::string> old;
        {
            std::lock_guard lock(orgs_mutex_);
            used_orgs_.push_back(org);
            if (used_orgs_.size() > 64) {
                old = std::move(used_orgs_.front());
                used_orgs_.pop_front();
            }
        }
        if (old) {
            target_.fixture().cleanup(*old);
        }
    }

    void count(const Case& c, std::size_t messages_sent) {
        stats_.messages += messages_sent;
        for (const auto& s : c.sessions) {
            int previous = -1;
            for (const auto& m : s.messages) {
                if (!m.bytes.empty() && m.kind != MessageKind::start) {
                    stats_.opcodes.set(static_cast<unsigned char>(m.bytes.front()));
                }
                stats_.transitions.insert({previous, static_cast<int>(m.kind)});
                previous = static_cast<int>(m.kind);
            }
        }
    }

    void on_finding(const Case& c, const Verdict& verdict, std::uint64_t number,
                    const std::vector<std::string_view>& mutations);
    void check_resources(std::uint64_t number);
    std::optional<std::string> start_jail();
    void report_jail(std::uint64_t number, const std::vector<std::string_view>& mutations);
    void record_jail(JailFinding seen);

    bool may_start(std::uint64_t number) const {
        return !(options_.max_cases && number >= options_.max_cases) &&
               std::chrono::steady_clock::now() - started_ < options_.duration;
    }
    void serial_case(std::uint64_t number);
    PooledCase pooled_case(std::uint64_t number);
    void run_pooled(const std::function<void(const CampaignStats&)>& on_status,
                    const std::atomic<bool>& stop);
    std::uint64_t replay_alone(std::uint64_t from, CasePool::Paused& paused,
                               const std::atomic<bool>& stop);

    const CampaignOptions& options_;
    FuzzTarget& target_;
    std::string probe_org_;
    std::atomic<std::uint64_t> orgs_{0};
    std::mutex orgs_mutex_; // used_orgs_
    std::deque<std::string> used_orgs_;
    std::mutex target_mutex_;                // died() from several workers
    std::mutex jail_mutex_;                  // jail_ and pooled_jail_ from several workers
    std::optional<JailFinding> pooled_jail_; // the first change seen with --jobs, until replayed
    std::chrono::steady_clock::time_point started_;
    CampaignStats stats_;
    CampaignResult result_;
    std::set<std::string> signatures_;
    std::string stderr_;
    std::optional<std::pair<std::uint64_t, std::uint64_t>> baseline_;
    bool leak_reported_ = false;
    std::unique_ptr<JailOracle> jail_;
};

void Campaign::on_finding(const Case& c, const Verdict& verdict, std::uint64_t number,
                          const std::vector<std::string_view>& mutations) {
    ++stats_.findings;
    if (!signatures_.insert(verdict.signature).second) {
        ++stats_.duplicates;
        return;
    }
    const auto crash_stderr = stderr_;
    MinimiseBudget budget{options_.minimise_runs,
                          std::chrono::steady_clock::now() + options_.minimise_time};
    const bool crash = verdict.kind == FindingKind::crash;
    const Reproduces same = [&](const Case& candidate) {
        const auto again = run_once(candidate, crash);
        // A crash is a crash however the process ended; a spec finding must be the same one.
        return again && again->kind == verdict.kind &&
               (verdict.kind != FindingKind::spec || again->signature == verdict.signature);
    };
    CampaignFinding found;
    found.messages_before = message_count(c);
    auto small = minimise(c, same, budget, found.minimise_runs);
    // The verdict of the minimised case itself: its session and message numbers.
    auto final_verdict = run_once(small, crash);
    if (!final_verdict || final_verdict->kind != verdict.kind) {
        small = c; // not reproducible once more: keep the case as found
        final_verdict = verdict;
    }
    found.messages_after = message_count(small);
    found.verdict = *final_verdict;
    Finding finding{*final_verdict, small,     options_.seed,
                    number,         mutations, crash_stderr.empty() ? stderr_ : crash_stderr};
    auto written = write_finding(finding, options_.findings_dir);
    if (auto* error = std::get_if<std::string>(&written)) {
        result_.fault = "cannot write a finding: " + *error;
        return;
    }
    found.written = std::get<WrittenFinding>(written);
    result_.findings.push_back(std::move(found));
}

// Leaks: once the server has warmed up, open descriptors or resident memory that keep
// growing over thousands of finished sessions are a finding (reported, not replayable).
void Campaign::check_resources(std::uint64_t number) {
    if (leak_reported_ || number % 500 != 0) {
        return;
    }
    const auto now = target_.resources();
    if (!now) {
        return;
    }
    if (!baseline_ || number == 500) {
        baseline_ = now;
        return;
    }
    const bool fds = now->second > baseline_->second + 64;
    const bool rss = now->first > 2 * baseline_->first + 64 * 1024;
    if (!fds && !rss) {
        return;
    }
    leak_reported_ = true;
    Verdict v{FindingKind::leak, "leak:" + std::string(fds ? "fds" : "rss"),
              "after " + std::to_string(number) + " cases: " + std::to_string(now->second) +
                  " open descriptors and " + std::to_string(now->first) + " KiB resident, from " +
                  std::to_string(baseline_->second) + " and " + std::to_string(baseline_->first),
              0, 0};
    ++stats_.findings;
    CampaignFinding found;
    found.verdict = v;
    found.written.id = "fuzz.leak";
    found.written.path = options_.findings_dir / "fuzz" / "leak.txt";
    std::filesystem::create_directories(found.written.path.parent_path());
    std::ofstream(found.written.path) << v.signature << '\n' << v.detail << '\n';
    result_.findings.push_back(std::move(found));
}

// The outside-org-unit oracle, when the root is on this machine; the fixture's org units
// (nf-SEED-N and the probe's) are expected changes.
std::optional<std::string> Campaign::start_jail() {
    if (options_.local_root.empty()) {
        return std::nullopt;
    }
    auto expected = [prefix = "nf-" + std::to_string(options_.seed) + "-",
                     probe = probe_org_](std::string_view name) {
        return name.starts_with(prefix) || name == probe;
    };
    auto started = JailOracle::start(options_.local_root, options_.owns_root_parent,
                                     "nf-canary-" + std::to_string(options_.seed), expected);
    if (auto* error = std::get_if<std::string>(&started)) {
        return *error;
    }
    jail_ = std::move(std::get<std::unique_ptr<JailOracle>>(started));
    return std::nullopt;
}

// A text finding, not a scenario (jail_oracle.hpp), and not minimised: a change made once
// (a folder created) is often not made again, so a rerun would not show it.
void Campaign::report_jail(std::uint64_t number, const std::vector<std::string_view>& mutations) {
    auto seen = jail_ ? jail_->take() : std::nullopt;
    if (!seen) {
        return;
    }
    ++stats_.findings;
    if (!signatures_.insert(seen->verdict.signature).second) {
        ++stats_.duplicates;
        return;
    }
    seen->case_number = number;
    seen->mutations = mutations;
    record_jail(std::move(*seen));
}

void Campaign::record_jail(JailFinding seen) {
    seen.seed = options_.seed;
    auto written = write_jail_finding(seen, options_.findings_dir);
    if (auto* error = std::get_if<std::string>(&written)) {
        result_.fault = "cannot write a finding: " + *error;
        return;
    }
    CampaignFinding found;
    found.verdict = seen.verdict;
    found.written = std::get<WrittenFinding>(written);
    result_.findings.push_back(std::move(found));
}

// One case alone, judged at once: every case with one job, and the replays with several.
void Campaign::serial_case(std::uint64_t number) {
    std::vector<std::string_view> mutations;
    const auto c = build_case(options_.seed, number, mutations);
    stderr_.clear();
    if (auto verdict = run_once(c)) {
        on_finding(c, *verdict, number, mutations);
    }
    report_jail(number, mutations);
    ++stats_.cases;
    check_resources(number + 1);
}

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

CampaignResult Campaign::run(const std::function<void(const CampaignStats&)>& on_status,
                             const std::atomic<bool>& stop) {
    harness::Fixture probe_fixture;
    probe_fixture.users.push_back(std::string(probe_user));
    if (auto error = target_.fixture().prepare(probe_org_, probe_fixture)) {
        result_.fault = "cannot prepare the probe's org unit: " + *error;
        return std::move(result_);
    }
    // A target that cannot be reached before the first case is a harness fault, not a finding
    // (every case would look like a crash).
    std::string why;
    bool refused = false;
    if (!alive(why, refused)) {
        result_.fault = "the target does not answer a login before the first case: " + why;
        target_.fixture().cleanup(probe_org_);
        return std::move(result_);
    }
    if (auto error = start_jail()) {
        result_.fault = "cannot watch the root for changes outside the org units: " + *error;
        target_.fixture().cleanup(probe_org_);
        return std::move(result_);
    }
    started_ = std::chrono::steady_clock::now();
    if (options_.jobs > 1) {
        run_pooled(on_status, stop);
    } else {
        auto next_status = started_ + options_.status_every;
        for (std::uint64_t number = 0; !stop && !result_.fault && may_start(number); ++number) {
            serial_case(number);
            stats_.elapsed = std::chrono::steady_clock::now() - started_;
            if (on_status && std::chrono::steady_clock::now() >= next_status) {
                on_status(stats_);
                next_status += options_.status_every;
            }
        }
    }
    stats_.elapsed = std::chrono::steady_clock::now() - started_;
    for (const auto& org : used_orgs_) {
        target_.fixture().cleanup(org);
    }
    target_.fixture().cleanup(probe_org_);
    result_.stats = stats_;
    return std::move(result_);
}

} // namespace

CampaignResult run_campaign(const CampaignOptions& options, FuzzTarget& target,
                            const std::function<void(const CampaignStats&)>& on_status,
                            const std::atomic<bool>& stop) {
    Campaign campaign(options, target);
    return campaign.run(on_status, stop);
}

} // namespace xsime::netfuzz
