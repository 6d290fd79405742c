// Tests of the executor, the oracles and the finding writer against the embedded reference
// server: a correct server gives no finding; planted bugs give their kind; a written finding
// loads with the scenario loader and replays: fail on the faulty server, pass on the correct one.
#include "cli/embedded_server.hpp"
#include "harness/local_fixture.hpp"
#include "harness/plain_connection.hpp"
#include "harness/scenario_loader.hpp"
#include "harness/scenario_runner.hpp"
#include "netfuzz/campaign.hpp"
#include "netfuzz/finding_writer.hpp"
#include "netfuzz/oracles.hpp"
#include "protocol/messages.hpp"
#include "tests/netfuzz/embedded_fuzz_target.hpp"
#include "tests/support/files.hpp"

#include <atomic>
#include <filesystem>
#include <gtest/gtest.h>

namespace xsime::netfuzz {
namespace {

namespace fs = std::filesystem;

mock::Faults with(std::optional<mock::Fault> fault) {
    mock::Faults faults;
    if (fault) {
        faults.add(*fault);
    }
    return faults;
}

// One embedded server with `fault`, if any.
class Server : public test::EmbeddedFuzzTarget {
public:
    explicit Server(std::optional<mock::Fault> fault = std::nullopt)
        : EmbeddedFuzzTarget(with(fault)) {}
};

class Probe final : public TargetProbe {
public:
    explicit Probe(FuzzTarget& t) : target_(t) {
        harness::Fixture f;
        f.users = {std::string(probe_user)};
        EXPECT_FALSE(t.fixture().prepare("probe-org", f));
    }
    bool died(std::string&, std::chrono::milliseconds) override { return false; }
    bool alive(std::string& why, bool& refused) override {
        return liveness_probe(target_.transport(), "probe-org", std::string(probe_user), {}, why,
                              refused);
    }

private:
    FuzzTarget& target_;
};

std::optional<Verdict> run_case(FuzzTarget& target, const Case& c, ExecOptions options = {}) {
    static int orgs = 0;
    const auto org = "org" + std::to_string(++orgs);
    harness::Fixture fixture;
    for (const auto& s : c.sessions) {
        fixture.users.push_back(s.user);
    }
    EXPECT_FALSE(target.fixture().prepare(org, fixture));
    const auto seen = execute(c, target.transport(), org, options);
    Probe probe(target);
    return judge(seen, probe);
}

Case one_session(std::vector<Message> messages, bool valid) {
    Case c;
    c.sessions.push_back({"alice", std::move(messages), valid});
    c.schedule = sequential_schedule(c);
    return c;
}

Case nul_text_case() {
    return one_session({start_message(), setup_message(0, 0), org_ref_message(),
                        user_message("alice"), interval_message(1'000'000),
                        send_message("alice", std::string("ab\0cd", 5)), exit_message()},
                       true);
}

Case hang_case() {
    return one_session({start_message(), setup_message(-1, 0)}, false);
}

TEST(Executor, ValidAndMutatedCasesOnTheCorrectServerFindNothing) {
    Server server;
    std::vector<std::string_view> mutations;
    for (std::uint64_t n = 0; n < 150; ++n) {
        const auto c = build_case(11, n, mutations);
        const auto verdict = run_case(server, c);
        EXPECT_FALSE(verdict) << "case " << n << ": " << verdict->signature << " "
                              << verdict->detail;
    }
    EXPECT_FALSE(run_case(server, nul_text_case()));
    EXPECT_FALSE(run_case(server, hang_case()));
}

TEST(Executor, PlantedSpecIsASpecFinding) {
    Server server(mock::Fault::planted_spec);
    const auto verdict = run_case(server, nul_text_case());
    ASSERT_TRUE(verdict);
    EXPECT_EQ(verdict->kind, FindingKind::spec);
    EXPECT_EQ(verdict->signature, "spec:push-text");
    EXPECT_EQ(verdict->message, 5u);
}

TEST(Executor, PlantedHangIsAHangFinding) {
    Server server(mock::Fault::planted_hang);
    ExecOptions fast;
    fast.stall_timeout = std::chrono::milliseconds(100);
    const auto verdict = run_case(server, hang_case(), fast);
    ASSERT_TRUE(verdict);
    EXPECT_EQ(verdict->kind, FindingKind::hang);
}

harness::Verdict replay(const harness::Scenario& scenario, std::optional<mock::Fault> fault) {
    Server server(fault);
    harness::RunnerOptions options;
    options.step_timeout = std::chrono::milliseconds(1500);
    std::atomic<bool> cancel{false};
    return harness::run_scenario(scenario, server.transport(), server.fixture(), options, cancel)
        .verdict;
}

harness::Scenario written(const Finding& finding, const fs::path& dir) {
    auto out = write_finding(finding, dir);
    EXPECT_TRUE(std::holds_alternative<WrittenFinding>(out));
    const auto& w = std::get<WrittenFinding>(out);
    EXPECT_EQ(w.path.parent_path().filename(), "fuzz");
    auto loaded = harness::load_scenarios({w.path});
    for (const auto& e : loaded.errors) {
        ADD_FAILURE() << e.file << ": " << e.pointer << ": " << e.message;
    }
    EXPECT_EQ(loaded.scenarios.size(), 1u);
    EXPECT_EQ(loaded.scenarios.at(0).id, w.id);
    return loaded.scenarios.at(0);
}

TEST(FindingWriter, SpecFindingReplaysToTheSameVerdict) {
    test::TempDir dir;
    Finding f;
    f.verdict = {FindingKind::spec, "spec:push-text", "push text differs", 0, 5};
    f.fuzz_case = nul_text_case();
    const auto scenario = written(f, dir.path());
    EXPECT_EQ(scenario.clauses, std::vector<std::string>{"PUSH-SENDER-TEXT"});
    EXPECT_EQ(replay(scenario, mock::Fault::planted_spec), harness::Verdict::fail);
    EXPECT_EQ(replay(scenario, std::nullopt), harness::Verdict::pass);
}

TEST(FindingWriter, HangFindingReplaysToTheSameVerdict) {
    test::TempDir dir;
    Finding f;
    f.verdict = {FindingKind::hang, "hang:session", "no answer", 0, 0};
    f.fuzz_case = hang_case();
    const auto scenario = written(f, dir.path());
    EXPECT_EQ(replay(scenario, mock::Fault::planted_hang), harness::Verdict::fail);
    EXPECT_EQ(replay(scenario, std::nullopt), harness::Verdict::pass);
}

TEST(FindingWriter, RawSessionWithTheOrgUnitLoadsAndPasses) {
    test::TempDir dir;
    Finding f;
    f.verdict = {FindingKind::crash, "crash:killed", "the server died", 0, 0};
    // Mutated, but every byte a correct server takes: the org unit is written as ${org}.
    f.fuzz_case = one_session({start_message(), setup_message(0, 0), org_ref_message(),
                               user_message("alice"), raw_message(protocol::encode_exit())},
                              false);
    const auto scenario = written(f, dir.path());
    EXPECT_EQ(scenario.id.rfind("fuzz.crash-", 0), 0u);
    EXPECT_EQ(replay(scenario, std::nullopt), harness::Verdict::pass);
}

TEST(FindingWriter, SameSignatureIsWrittenOnce) {
    test::TempDir dir;
    Finding f;
    f.verdict = {FindingKind::hang, "hang:session", "no answer", 0, 0};
    f.fuzz_case = hang_case();
    auto first = write_finding(f, dir.path());
    auto second = write_finding(f, dir.path());
    EXPECT_FALSE(std::get<WrittenFinding>(first).duplicate);
    EXPECT_TRUE(std::get<WrittenFinding>(second).duplicate);
}

} // namespace
} // namespace xsime::netfuzz
