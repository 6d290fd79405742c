// The campaign with several jobs against the embedded server: the same cases as one job, and
// the same finding, written byte for byte the same (findings come only from cases run alone).
#include "cli/embedded_server.hpp"
#include "harness/local_fixture.hpp"
#include "harness/plain_connection.hpp"
#include "netfuzz/campaign.hpp"
#include "tests/support/files.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>

namespace xsime::netfuzz {
namespace {

namespace fs = std::filesystem;

// One embedded server, with the fault if any: a FuzzTarget.
class Server final : public FuzzTarget {
public:
    explicit Server(mock::Faults faults)
        : server_({}, faults), transport_(server_.host(), server_.port()),
          fixture_(server_.root()) {}
    harness::Transport& transport() override { return transport_; }
    harness::FixtureHost& fixture() override { return fixture_; }
    bool died(std::string&, std::chrono::milliseconds) override { return false; }
    bool restart(std::string&) override { return false; }
    std::string stderr_tail() override { return {}; }

private:
    cli::EmbeddedServer server_;
    harness::PlainTransport transport_;
    harness::LocalFixture fixture_;
};

std::string read(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

CampaignResult campaign(mock::Faults faults, unsigned jobs, std::uint64_t cases,
                        const fs::path& findings) {
    Server server(faults);
    CampaignOptions options;
    options.seed = 1;
    options.max_cases = cases;
    options.duration = std::chrono::minutes(5); // bounded by the case count
    options.findings_dir = findings;
    options.jobs = jobs;
    std::atomic<bool> stop{false};
    return run_campaign(options, server, {}, stop);
}

TEST(CampaignJobs, CorrectServerRunsEveryCaseWithoutFinding) {
    for (unsigned jobs : {1u, 4u}) {
        test::TempDir dir;
        const auto result = campaign({}, jobs, 300, dir.path());
        EXPECT_FALSE(result.fault) << *result.fault;
        EXPECT_EQ(result.stats.cases, 300u) << jobs << " jobs";
        EXPECT_EQ(result.stats.findings, 0u) << jobs << " jobs";
        EXPECT_TRUE(result.findings.empty()) << jobs << " jobs";
    }
}

TEST(CampaignJobs, FourJobsWriteTheSameFindingAsOne) {
    mock::Faults faults;
    faults.add(mock::Fault::planted_spec);
    test::TempDir one;
    test::TempDir four;
    const auto alone = campaign(faults, 1, 400, one.path());
    const auto beside = campaign(faults, 4, 400, four.path());
    ASSERT_FALSE(alone.fault);
    ASSERT_FALSE(beside.fault);
    EXPECT_EQ(alone.stats.cases, 400u);
    EXPECT_EQ(beside.stats.cases, 400u);
    ASSERT_FALSE(alone.findings.empty()) << "seed 1 finds planted_spec within 400 cases";
    ASSERT_EQ(beside.findings.size(), alone.findings.size());
    for (std::size_t i = 0; i < alone.findings.size(); ++i) {
        const auto& a = alone.findings[i].written;
        const auto& b = beside.findings[i].written;
        EXPECT_EQ(a.id, b.id);
        EXPECT_EQ(read(a.path), read(b.path)) << a.path << " and " << b.path;
    }
    EXPECT_EQ(beside.stats.findings, alone.stats.findings);
    EXPECT_EQ(beside.stats.opcodes, alone.stats.opcodes);
}

} // namespace
} // namespace xsime::netfuzz
