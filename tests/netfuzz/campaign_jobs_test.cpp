// The campaign with several jobs against the embedded server: the same cases as one job, and
// the same finding, written byte for byte the same (findings come only from cases run alone).
#include "netfuzz/campaign.hpp"
#include "tests/netfuzz/embedded_fuzz_target.hpp"
#include "tests/support/files.hpp"

#include <atomic>
#include <filesystem>
#include <gtest/gtest.h>

namespace xsime::netfuzz {
namespace {

namespace fs = std::filesystem;

CampaignResult campaign(mock::Faults faults, unsigned jobs, std::uint64_t cases,
                        const fs::path& findings) {
    test::EmbeddedFuzzTarget server(faults);
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
        EXPECT_EQ(test::read_file(a.path), test::read_file(b.path)) << a.path << " and " << b.path;
    }
    EXPECT_EQ(beside.stats.findings, alone.stats.findings);
    EXPECT_EQ(beside.stats.opcodes, alone.stats.opcodes);
}

} // namespace
} // namespace xsime::netfuzz
