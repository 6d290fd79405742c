// The outside-org-unit oracle in the campaign: after each case, what the jail watch
// (jail_watch.hpp) saw change; the first case that shows a change is kept with its bytes and
// reported as DIR/fuzz/spec-<hash8>.txt. Not a scenario: a scenario's fixture and checks only
// reach inside its own org unit (scenarios/FORMAT.md), so none could show the change.
#pragma once

#include "netfuzz/case_model.hpp"
#include "netfuzz/finding_writer.hpp"
#include "netfuzz/jail_watch.hpp"
#include "netfuzz/oracles.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xsime::netfuzz {

// A change outside the org unit and the case that made it.
struct JailFinding {
    Verdict verdict;
    std::vector<JailChange> changes;
    Case fuzz_case;
    std::string org; // the case's org unit
    std::uint64_t seed = 0;
    std::uint64_t case_number = 0;
    std::vector<std::string_view> mutations;
};

class JailOracle {
public:
    explicit JailOracle(std::unique_ptr<JailWatch> watch) : watch_(std::move(watch)) {}
    // Watches `root` (jail_watch.hpp) with the canary org unit `canary_org`, whose users are
    // every session's and the probe's; `expected` accepts the fixture's org units.
    static std::variant<std::unique_ptr<JailOracle>, std::string>
    start(const std::filesystem::path& root, bool owns_parent, std::string canary_org,
          std::function<bool(std::string_view)> expected);
    // After a case ran in `org`: keeps it when something outside changed (the first such case
    // until take() hands it on; later changes before that are drained and dropped).
    void after_case(const Case& fuzz_case, const std::string& org);
    std::optional<JailFinding> take();

private:
    std::unique_ptr<JailWatch> watch_;
    std::optional<JailFinding> seen_;
};

// The text finding: signature, clause, the changes, the case (each message in hex) and how
// to rebuild it; an error says which path failed. A file already there is kept (duplicate).
std::variant<WrittenFinding, std::string> write_jail_finding(const JailFinding& finding,
                                                             const std::filesystem::path& dir);

} // namespace xsime::netfuzz
