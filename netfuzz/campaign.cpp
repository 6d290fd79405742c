// The fuzzing loop (campaign.hpp, campaign_runner.hpp): one case at a time, findings, leaks and
// the outside-org-unit oracle; cases beside each other are in campaign_jobs.cpp.
#include "netfuzz/campaign_runner.hpp"
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

namespace detail {

namespace {

std::size_t message_count(const Case& c) {
    std::size_t n = 0;
    for (const auto& s : c.sessions) {
        n += s.messages.size();
    }
    return n;
}

} // namespace

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

} // namespace detail

CampaignResult run_campaign(const CampaignOptions& options, FuzzTarget& target,
                            const std::function<void(const CampaignStats&)>& on_status,
                            const std::atomic<bool>& stop) {
    detail::Campaign campaign(options, target);
    return campaign.run(on_status, stop);
}

} // namespace xsime::netfuzz
