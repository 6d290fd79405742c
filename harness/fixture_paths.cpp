// The org unit and fixture path rules shared by the fixture hosts.
#include "harness/fixture_paths.hpp"

#include <filesystem>

namespace xsime::harness {

bool valid_org_name(const std::string& org) {
    return !org.empty() && org != "." && org.find('/') == std::string::npos &&
           org.find("..") == std::string::npos && org.find('\0') == std::string::npos;
}

std::optional<std::string> check_inside_org(std::string_view what, const std::string& path) {
    const std::filesystem::path p(path);
    bool bad = path.empty() || p.is_absolute() || path.find('\0') != std::string::npos;
    for (const auto& part : p) {
        bad = bad || part == "..";
    }
    if (bad) {
        return std::string(what) + " '" + path + "' must be a relative path inside the org unit";
    }
    return std::nullopt;
}

std::optional<std::string> check_fixture(const std::string& org, const Fixture& fixture) {
    if (!valid_org_name(org)) {
        return "org unit name '" + org + "' is not a single folder name";
    }
    for (const auto& user : fixture.users) {
        if (auto error = check_inside_org("user", user)) {
            return error;
        }
    }
    for (const auto& [user, senders] : fixture.blacklist) {
        if (auto error = check_inside_org("blacklist user", user)) {
            return error;
        }
        for (const auto& sender : senders) {
            if (sender.empty() || sender.find('/') != std::string::npos || sender == "." ||
                sender == ".." || sender.find('\0') != std::string::npos) {
                return "blacklisted sender '" + sender + "' must be a file name";
            }
        }
    }
    for (const auto& message : fixture.messages) {
        if (auto error = check_inside_org("message recipient", message.to)) {
            return error;
        }
    }
    for (const auto& dir : fixture.dirs) {
        if (auto error = check_inside_org("dir", dir)) {
            return error;
        }
    }
    for (const auto& link : fixture.links) {
        if (auto error = check_inside_org("link", link.at)) {
            return error;
        }
    }
    return std::nullopt;
}

} // namespace xsime::harness
