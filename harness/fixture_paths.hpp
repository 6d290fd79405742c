// Which org unit names and fixture paths a fixture host accepts: one set of rules for every
// host (local directory, remote TF commands), so no host can be talked into leaving its root.
#pragma once

#include "harness/scenario.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace xsime::harness {

// A single folder name directly under the root: not empty, not ".", no '/', no "..", no NUL.
bool valid_org_name(const std::string& org);

// A fixture path that stays inside the org unit: relative, non-empty, no ".." component, no
// NUL. The error names `what` ("user", "dir", ...) and the path.
std::optional<std::string> check_inside_org(std::string_view what, const std::string& path);

// Every check prepare() makes before touching anything: the org unit name, then users,
// blacklist users and senders (a sender is one file name), message recipients, dirs and
// link locations (a link's target is never checked). The first problem, or nullopt.
std::optional<std::string> check_fixture(const std::string& org, const Fixture& fixture);

} // namespace xsime::harness
