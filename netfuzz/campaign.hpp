// The fuzzing loop: generate a valid case, mutate it, run it, judge it; minimise and write
// each new finding; keep statistics for the status line. Deterministic per --seed: case N is
// built from its own rng seeded with (seed, N), so a case can be rebuilt alone.
#pragma once

#include "harness/fixture_host.hpp"
#include "harness/transport.hpp"
#include "netfuzz/executor.hpp"
#include "netfuzz/finding_writer.hpp"
#include "netfuzz/minimiser.hpp"

#include <atomic>
#include <bitset>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace xsime::netfuzz {

// What the loop needs of the target; cli/ implements it for the embedded server, --target
// and --exec.
class FuzzTarget {
public:
    virtual ~FuzzTarget() = default;
    virtual harness::Transport& transport() = 0;
    virtual harness::FixtureHost& fixture() = 0;
    // The server process ended (false when the fuzzer did not start it): how, in `how`;
    // `grace` is how long to wait for an exit under way.
    virtual bool died(std::string& how, std::chrono::milliseconds grace) = 0;
    // Starts the server again after a crash; false when it cannot (the campaign ends).
    virtual bool restart(std::string& why) = 0;
    // What the server wrote on stderr lately (its last lines), for a finding.
    virtual std::string stderr_tail() = 0;
    // (resident KiB, open descriptors) of the server process, when the fuzzer started it.
    virtual std::optional<std::pair<std::uint64_t, std::uint64_t>> resources() { return {}; }
};

struct CampaignOptions {
    std::uint64_t seed = 1;
    std::chrono::milliseconds duration{20'000};
    std::uint64_t max_cases = 0; // 0: no limit but the duration
    ExecOptions exec;
    std::filesystem::path findings_dir;
    std::size_t minimise_runs = 150;
    std::chrono::milliseconds minimise_time{30'000};
    std::chrono::milliseconds status_every{1000};
    // Cases run at the same time (case_pool.hpp): the server's delivery poll and the network
    // round trips leave a single thread idle most of the time. Findings still come only from
    // cases run alone, and case N is the same case whatever the number.
    unsigned jobs = 1;
    // The mailbox root on this machine, when known: the outside-org-unit oracle watches it
    // (jail_watch.hpp); `owns_root_parent` when the fuzzer made the root in a folder of its own.
    std::filesystem::path local_root;
    bool owns_root_parent = false;
};

struct CampaignStats {
    std::uint64_t cases = 0;
    std::uint64_t messages = 0;
    std::chrono::steady_clock::duration elapsed{};
    std::bitset<256> opcodes;                  // first bytes of the frames sent
    std::set<std::pair<int, int>> transitions; // (message kind, next kind) sent
    std::uint64_t findings = 0;
    std::uint64_t duplicates = 0; // findings with a signature already written
    // With jobs > 1: suspicious cases that showed nothing when run again alone.
    std::uint64_t unconfirmed = 0;
    double cases_per_second() const;
    // "1234 cases, 987/s, opcodes 9, transitions 41, findings 1".
    std::string line() const;
};

struct CampaignFinding {
    Verdict verdict;
    WrittenFinding written;
    std::size_t minimise_runs = 0;
    std::size_t messages_before = 0;
    std::size_t messages_after = 0;
};

struct CampaignResult {
    CampaignStats stats;
    std::vector<CampaignFinding> findings;
    std::optional<std::string> fault; // why the campaign stopped early (a harness fault)
};

// Case `number` of the campaign `seed`: a valid case, mutated unless number % 8 == 0.
Case build_case(std::uint64_t seed, std::uint64_t number, std::vector<std::string_view>& mutations);

CampaignResult run_campaign(const CampaignOptions& options, FuzzTarget& target,
                            const std::function<void(const CampaignStats&)>& on_status,
                            const std::atomic<bool>& stop);

} // namespace xsime::netfuzz
