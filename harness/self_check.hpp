// A short scripted exchange against any XSIME server with a local mailbox root: the
// smoke test behind `xsime-conform selfcheck` until the scenario runner replaces it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>

namespace xsime::harness {

struct SelfCheckTarget {
    std::string host;
    std::uint16_t port = 0;
    std::filesystem::path root; // the server's mailbox root, to create the fixture in
};

struct SelfCheckResult {
    int passed = 0;
    int failed = 0;
    bool unreachable = false;
};

// Prints one line per check to `out` and returns the counts.
SelfCheckResult run_self_check(const SelfCheckTarget& target, std::ostream& out);

} // namespace xsime::harness
