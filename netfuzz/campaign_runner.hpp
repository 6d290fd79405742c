// The campaign behind run_campaign (campaign.hpp), shared by the files that implement it:
// campaign.cpp (the loop, findings, leaks, the outside-org-unit oracle) and campaign_jobs.cpp
// (cases run beside each other with --jobs). Not part of the netfuzz interface.
#pragma once

#include "netfuzz/campaign.hpp"
#include "netfuzz/case_pool.hpp"
#include "netfuzz/executor.hpp"
#include "netfuzz/jail_oracle.hpp"

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <set>

namespace xsime::netfuzz::detail {

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

} // namespace xsime::netfuzz::detail
