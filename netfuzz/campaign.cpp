// The fuzzing loop (campaign.hpp).
#include "netfuzz/campaign.hpp"

#include "netfuzz/mutators.hpp"

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
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

    bool died(std::string& how, std::chrono::milliseconds grace) override {
        return target_.died(how, grace);
    }

    bool alive(std::string& why, bool& refused) override {
        return liveness_probe(target_.transport(), probe_org_, std::string(probe_user),
                              options_.exec, why, refused);
    }

    CampaignResult run(const std::function<void(const CampaignStats&)>& on_status,
                       const std::atomic<bool>& stop);

private:
    // Runs `c` in a fresh org unit and judges it; restarts a server that died.
    std::optional<Verdict> run_once(const Case& c) {
        const auto org = "nf-" + std::to_string(options_.seed) + "-" + std::to_string(orgs_++);
        harness::Fixture fixture;
        for (const auto& s : c.sessions) {
            fixture.users.push_back(s.user);
        }
        if (auto error = target_.fixture().prepare(org, fixture)) {
            result_.fault = "cannot prepare the fixture: " + *error;
            return std::nullopt;
        }
        const auto seen = execute(c, target_.transport(), org, options_.exec);
        count(c, seen);
        auto verdict = judge(seen, *this);
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
        used_orgs_.push_back(org);
        while (used_orgs_.size() > 64) {
            target_.fixture().cleanup(used_orgs_.front());
            used_orgs_.pop_front();
        }
    }

    void count(const Case& c, const Observation& seen) {
        stats_.messages += seen.messages_sent;
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

    const CampaignOptions& options_;
    FuzzTarget& target_;
    std::string probe_org_;
    std::uint64_t orgs_ = 0;
    std::deque<std::string> used_orgs_;
    CampaignStats stats_;
    CampaignResult result_;
    std::set<std::string> signatures_;
    std::string stderr_;
    std::optional<std::pair<std::uint64_t, std::uint64_t>> baseline_;
    bool leak_reported_ = false;
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
    const Reproduces same = [&](const Case& candidate) {
        const auto again = run_once(candidate);
        // A crash is a crash however the process ended; a spec finding must be the same one.
        return again && again->kind == verdict.kind &&
               (verdict.kind != FindingKind::spec || again->signature == verdict.signature);
    };
    CampaignFinding found;
    found.messages_before = message_count(c);
    auto small = minimise(c, same, budget, found.minimise_runs);
    // The verdict of the minimised case itself: its session and message numbers.
    auto final_verdict = run_once(small);
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
    std::ofstream(found.written.path) << v.detail << '\n';
    result_.findings.push_back(std::move(found));
}

CampaignResult Campaign::run(const std::function<void(const CampaignStats&)>& on_status,
                             const std::atomic<bool>& stop) {
    harness::Fixture probe_fixture;
    probe_fixture.users.push_back(std::string(probe_user));
    if (auto error = target_.fixture().prepare(probe_org_, probe_fixture)) {
        result_.fault = "cannot prepare the probe's org unit: " + *error;
        return std::move(result_);
    }
    const auto started = std::chrono::steady_clock::now();
    auto next_status = started + options_.status_every;
    std::vector<std::string_view> mutations;
    for (std::uint64_t number = 0; !stop && !result_.fault; ++number) {
        const auto now = std::chrono::steady_clock::now();
        if ((options_.max_cases && number >= options_.max_cases) ||
            now - started >= options_.duration) {
            break;
        }
        const auto c = build_case(options_.seed, number, mutations);
        stderr_.clear();
        if (auto verdict = run_once(c)) {
            on_finding(c, *verdict, number, mutations);
        }
        ++stats_.cases;
        check_resources(number + 1);
        stats_.elapsed = std::chrono::steady_clock::now() - started;
        if (on_status && std::chrono::steady_clock::now() >= next_status) {
            on_status(stats_);
            next_status += options_.status_every;
        }
    }
    stats_.elapsed = std::chrono::steady_clock::now() - started;
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
