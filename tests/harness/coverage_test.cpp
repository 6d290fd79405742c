// Tests of the clause catalogue loader and the clause x scenario coverage.
#include "harness/coverage.hpp"
#include "harness/scenario_loader.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

namespace xsime::harness {
namespace {

namespace fs = std::filesystem;

fs::path write_temp(const std::string& name, const std::string& text) {
    const auto path = fs::temp_directory_path() / name;
    std::ofstream(path) << text;
    return path;
}

Scenario citing(std::string id, std::vector<std::string> clauses) {
    Scenario scenario;
    scenario.id = std::move(id);
    scenario.clauses = std::move(clauses);
    return scenario;
}

std::vector<Clause> catalogue() {
    return {Clause{"A", Level::must, "spec", "x", "a"},
            Clause{"B", Level::should, "spec", "x", "b"},
            Clause{"C", Level::interop, "design", "x", "c"}};
}

TEST(Coverage, CountsScenariosPerClauseAndUnknownCitations) {
    const auto clauses = catalogue();
    const std::vector<Scenario> scenarios{citing("s.one", {"A", "B"}), citing("s.two", {"A", "Z"})};
    const auto coverage = compute_coverage(clauses, scenarios);
    ASSERT_EQ(coverage.rows.size(), 3u);
    EXPECT_EQ(coverage.rows[0].server, (std::vector<std::string>{"s.one", "s.two"}));
    EXPECT_EQ(coverage.rows[1].server, (std::vector<std::string>{"s.one"}));
    EXPECT_TRUE(coverage.rows[2].server.empty());
    EXPECT_EQ(coverage.unknown_citations, (std::vector<std::string>{"s.two: Z"}));
    EXPECT_FALSE(coverage.complete()) << "an unknown citation makes it incomplete";
}

TEST(Coverage, CompleteIgnoresOnlyInteropClauses) {
    const auto clauses = catalogue();
    EXPECT_TRUE(compute_coverage(clauses, {citing("s.one", {"A", "B"})}).complete());
    EXPECT_FALSE(compute_coverage(clauses, {citing("s.one", {"A", "C"})}).complete())
        << "an uncovered should clause";
    const auto coverage = compute_coverage(clauses, {citing("s.one", {"B", "C"})});
    ASSERT_EQ(coverage.uncovered().size(), 1u);
    EXPECT_EQ(coverage.uncovered()[0]->clause->id, "A");
}

TEST(Coverage, EachSideAClauseBindsNeedsItsOwnScenario) {
    const std::vector<Clause> clauses{Clause{"S", Level::must, "spec", "x", "s", Binds::server},
                                      Clause{"C", Level::must, "spec", "x", "c", Binds::client},
                                      Clause{"B", Level::must, "spec", "x", "b", Binds::both}};
    auto client = citing("client.one", {"C", "B"});
    client.subject = Subject::client;
    const auto only_client = compute_coverage(clauses, {client});
    EXPECT_EQ(only_client.rows[2].client, (std::vector<std::string>{"client.one"}));
    EXPECT_TRUE(only_client.rows[2].server.empty());
    ASSERT_EQ(only_client.uncovered().size(), 2u);
    EXPECT_EQ(only_client.uncovered()[0]->missing(), (std::vector<std::string>{"server"}));
    EXPECT_EQ(only_client.uncovered()[1]->clause->id, "B") << "both sides are needed";
    EXPECT_FALSE(only_client.complete());
    const auto both = compute_coverage(clauses, {client, citing("s.one", {"S", "B"})});
    EXPECT_TRUE(both.complete());
    EXPECT_FALSE(compute_coverage(clauses, {citing("s.one", {"S", "C", "B"})}).complete())
        << "a server scenario does not cover a clause that binds clients";
}

TEST(Coverage, CatalogueErrorsNameFileAndPointer) {
    const auto expect_error = [](const std::string& text, const std::string& part) {
        const auto path = write_temp("coverage-test-clauses.json", text);
        const auto result = load_clauses(path);
        ASSERT_TRUE(std::holds_alternative<std::string>(result)) << text;
        EXPECT_NE(std::get<std::string>(result).find(part), std::string::npos)
            << std::get<std::string>(result);
        fs::remove(path);
    };
    expect_error("{", "not valid JSON");
    expect_error("{}", "/clauses: expected an array");
    expect_error(R"({"clauses":[{"id":"A","level":"must","source":"spec","area":"x"}]})",
                 "/clauses/0/text");
    expect_error(R"({"clauses":[{"id":"A","level":"may","source":"spec","area":"x","text":"t"}]})",
                 "/clauses/0/level");
    expect_error(R"({"clauses":[{"id":"A","level":"must","source":"blog","area":"x","text":"t"}]})",
                 "/clauses/0/source");
    expect_error(R"({"clauses":[{"id":"A","level":"must","source":"spec","area":"x","text":"t"},
                                {"id":"A","level":"must","source":"spec","area":"x","text":"t"}]})",
                 "/clauses/1/id: duplicate");
    const auto missing = load_clauses("/nonexistent/clauses.json");
    EXPECT_TRUE(std::holds_alternative<std::string>(missing));
}

// The suite in the repository cites only clauses its catalogue has.
TEST(Coverage, RepositorySuiteCitesOnlyCatalogueClauses) {
    const fs::path source(XSIME_SOURCE_DIR);
    const auto clauses = load_clauses(source / "scenarios" / "clauses.json");
    ASSERT_TRUE(std::holds_alternative<std::vector<Clause>>(clauses))
        << std::get<std::string>(clauses);
    const auto& catalogue_clauses = std::get<std::vector<Clause>>(clauses);
    EXPECT_GE(catalogue_clauses.size(), 50u);
    const auto loaded = load_scenarios({source / "scenarios"});
    ASSERT_TRUE(loaded.errors.empty()) << format(loaded.errors.front());
    const auto coverage = compute_coverage(catalogue_clauses, loaded.scenarios);
    EXPECT_TRUE(coverage.unknown_citations.empty()) << coverage.unknown_citations.front();
}

} // namespace
} // namespace xsime::harness
