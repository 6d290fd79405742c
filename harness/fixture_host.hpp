// The fixture interface: how a scenario's mailbox is prepared on the target and checked.
// A local directory (the target's --root on this machine) implements it, and so do TF
// commands on a remote server (remote_fixture.hpp).
#pragma once

#include "harness/scenario.hpp"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace xsime::harness {

class FixtureHost {
public:
    virtual ~FixtureHost() = default;
    // Creates the org unit `org` (a fresh name per scenario run) with the users,
    // blacklists, messages, folders and links `fixture` asks for. An error says which
    // path failed and why.
    virtual std::optional<std::string> prepare(const std::string& org, const Fixture& fixture) = 0;
    // Removes the org unit and everything in it; never fails loudly.
    virtual void cleanup(const std::string& org) = 0;
    // The contents of the message files in `user`'s messages/ (regular files whose names
    // do not start with '.'), sorted; std::nullopt when this host cannot observe them
    // (a remote target), which makes content checks "skipped", never "passed".
    virtual std::optional<std::vector<std::string>> messages(const std::string& org,
                                                             const std::string& user) = 0;
    // How many message files `user`'s messages/ holds (regular files whose names do not
    // start with '.'; folders such as blacklist/ and other entries are not counted), 0 when
    // the folder does not exist, or in the string why the host failed to look (a transport
    // error, a refusal); std::nullopt when this host cannot count at all. Unlike messages(),
    // it does not depend on how a server names or formats stored messages.
    virtual std::optional<std::variant<std::size_t, std::string>>
    message_count(const std::string& org, const std::string& user) = 0;
    // The names of the files in `user`'s messages/blacklist/, sorted; empty when that folder
    // does not exist; in the string why the host failed to look; std::nullopt when this host
    // cannot look at all. Like message_count(), it depends only on the spec's layout.
    virtual std::optional<std::variant<std::vector<std::string>, std::string>>
    blacklist(const std::string& /*org*/, const std::string& /*user*/) {
        return std::nullopt;
    }
    // Whether `path` (inside the org unit) exists and is a folder (a symlink is not one); in
    // the string why the host failed to look; std::nullopt when this host cannot look.
    virtual std::optional<std::variant<bool, std::string>>
    folder_exists(const std::string& /*org*/, const std::string& /*path*/) {
        return std::nullopt;
    }
    virtual std::string describe() const = 0;
    // Why this host cannot make `fixture` (some of its parts are out of its reach), or
    // std::nullopt when it can. The runner skips such a case before preparing anything.
    virtual std::optional<std::string> unsupported(const Fixture& /*fixture*/) const {
        return std::nullopt;
    }
};

} // namespace xsime::harness
