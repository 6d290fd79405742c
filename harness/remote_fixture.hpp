// The fixture host for a target reached only through its TF connection (a real TF server,
// whose folders cannot be made with --root): each scenario's org unit is made with the TF
// commands MKDIR and TOUCH before any session enters the module, and removed with RMDIR.
//
// Assumptions about the target: at the TF command level it understands `MKDIR <path>` (one
// folder, the parent must exist), `TOUCH <path>` (an empty file), `RMDIR <path>` (a folder
// and everything in it), paths relative to its root beginning with '/', one space between
// word and path, each answered `OK` or `FAILED <reason>`.
//
// What the commands cannot do is said up front by unsupported(): message files (their
// content and chosen timestamps) and symlinks. Mailboxes cannot be looked into, so
// messages() is std::nullopt and mailbox checks are reported as skipped, never passed.
//
// Holds no state besides the transport: concurrent cases may prepare and clean up at once,
// each on its own connection (the runner already connects concurrently).
#pragma once

#include "harness/fixture_host.hpp"
#include "harness/transport.hpp"

#include <optional>
#include <string>
#include <vector>

namespace xsime::harness {

class RemoteFixture final : public FixtureHost {
public:
    // `command_timeout` bounds the connect and each send and reply of every command.
    RemoteFixture(Transport& transport, Deadline command_timeout)
        : transport_(transport), command_timeout_(command_timeout) {}

    // Checks every path first (harness/fixture_paths.hpp, the rules LocalFixture follows)
    // and refuses an unsupported() fixture; then, on one fresh connection: `MKDIR /<org>`,
    // every folder of each user (nested users get each missing prefix), per blacklist user
    // `MKDIR .../messages`, `MKDIR .../messages/blacklist` and `TOUCH .../blacklist/<sender>`,
    // then every missing prefix of each dir; no path is sent twice. Each reply must be
    // exactly `OK`. An error names the command, its path and the server's words, or the
    // transport's error, in one line.
    std::optional<std::string> prepare(const std::string& org, const Fixture& fixture) override;
    // `RMDIR /<org>` on one connection, bounded by the command timeout; any error is ignored
    // (a leftover folder is not the target's conformance problem) and nothing is thrown.
    void cleanup(const std::string& org) override;
    // Always std::nullopt: the target's mailbox cannot be observed through TF commands.
    std::optional<std::vector<std::string>> messages(const std::string& org,
                                                     const std::string& user) override;
    // "remote fixtures through TF commands on plain 127.0.0.1:4000"
    std::string describe() const override;
    // The fixture's messages and links, which no TF command can make; both reasons, joined
    // by "; ", when it has both.
    std::optional<std::string> unsupported(const Fixture& fixture) const override;

private:
    Transport& transport_;
    Deadline command_timeout_;
};

} // namespace xsime::harness
