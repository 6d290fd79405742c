// The fixture host for a target whose mailbox root is a directory on this machine (the
// target's --root): scenarios' org units are made and removed there directly.
//
// Assumption about the target: a message is one regular file in <user>/messages/ whose
// content is "timestamp:from:text" and whose name starts with the message's timestamp in
// decimal digits. Both the reference C server and ours read the leading digits of a
// message file's name as its timestamp (and ours delivers any regular file whose name
// starts with digits), so fixture messages are named "<timestamp>-fixture-<n>". A target
// that keeps its mailbox differently needs another FixtureHost.
#pragma once

#include "harness/fixture_host.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace xsime::harness {

class LocalFixture final : public FixtureHost {
public:
    explicit LocalFixture(std::filesystem::path root) : root_(std::move(root)) {}

    // Creates <root>/<org>/, each user's folder, messages/blacklist/<sender> files,
    // message files, extra folders and symlinks (<org>/<at> -> `to`, written verbatim).
    // Refuses an org name with '/' or "..", and fixture paths that would leave the org unit
    // (absolute, or with a ".." component); a symlink's target is never checked.
    std::optional<std::string> prepare(const std::string& org, const Fixture& fixture) override;
    // remove_all of <root>/<org> (symlinks are removed, never followed); refuses the same
    // names prepare refuses, so it can never remove anything outside the root.
    void cleanup(const std::string& org) override;
    // Contents of the regular files (not symlinks) whose names do not start with '.' in
    // <root>/<org>/<user>/messages, sorted by file name; empty when that folder does not
    // exist. Never std::nullopt: this host can always look.
    std::optional<std::vector<std::string>> messages(const std::string& org,
                                                     const std::string& user) override;
    // The number of files messages() would read (a symlink is not counted); never an error.
    std::optional<std::variant<std::size_t, std::string>>
    message_count(const std::string& org, const std::string& user) override;
    // The regular files (not symlinks) in <root>/<org>/<user>/messages/blacklist, sorted; an
    // org or user name that would leave the root is an error, never looked at.
    std::optional<std::variant<std::vector<std::string>, std::string>>
    blacklist(const std::string& org, const std::string& user) override;
    // <root>/<org>/<path> is a folder (a symlink to one is not); the same names refused.
    std::optional<std::variant<bool, std::string>> folder_exists(const std::string& org,
                                                                 const std::string& path) override;
    std::string describe() const override;

    const std::filesystem::path& root() const { return root_; }

private:
    std::filesystem::path root_;
};

} // namespace xsime::harness
