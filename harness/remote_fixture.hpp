// The fixture host for a target reached only through its TF connection (a real TF server,
// whose folders cannot be made with --root): each scenario's org unit is made with the TF
// commands MKDIR and TOUCH before any session enters the module, and removed with RMDIR.
//
// Assumptions about the target: at the TF command level it understands `MKDIR <path>` (one
// folder, the parent must exist), `TOUCH <path>` (an empty file), `RMDIR <path>` (a folder
// and everything in it), paths relative to its root beginning with '/', one space between
// word and path, each answered `OK` or `FAILED <reason>`; for observations, `LS <path>`
// answered with `CONT <data>` chunks (each answered `CONT`) and `OK`, or `FAILED 10` for a
// missing folder, and `FSTAT <path>` answered `OK <T> ...` or `FAILED 9`.
//
// What the commands cannot do is said up front by unsupported(): message files (their
// content and chosen timestamps) and symlinks. A mailbox is observed through `LS` and
// `FSTAT` (docs/tf-transport.md) only in what does not depend on how a server names or
// formats stored messages: how many files messages/ holds, the names in its blacklist/,
// whether a folder exists. Message contents cannot be read, so messages() is std::nullopt
// and content checks are reported as skipped, never passed.
//
// Holds no state besides the transport: concurrent cases may prepare and clean up at once,
// each on its own connection (the runner already connects concurrently).
#pragma once

#include "harness/fixture_host.hpp"
#include "harness/transport.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
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
    // Always std::nullopt: message contents cannot be read through TF commands.
    std::optional<std::vector<std::string>> messages(const std::string& org,
                                                     const std::string& user) override;
    // The regular files of <org>/<user>/messages/ whose names do not start with '.', through
    // `LS` (blacklist/ and other entries are not counted); 0 when the server answers that
    // the folder does not exist (`FAILED 10`). An error names the command and the answer.
    std::optional<std::variant<std::size_t, std::string>>
    message_count(const std::string& org, const std::string& user) override;

    // One entry of a listing: 'F' (file), 'D' (folder) or 'U' (other), and its name relative
    // to the listed folder, without a trailing '/'.
    using Entry = std::pair<char, std::string>;
    // The entries of `path` (below the root, beginning with '/') through `LS` or, when
    // `recursive`, `LSR`, answering every `CONT <data>` chunk with `CONT` until `OK`; both the
    // wire form (`F: name`, `D: name/`) and the documented one (`F /path`, only the last
    // component kept) are read. std::nullopt when the server answers `FAILED 10` (no such
    // folder); any other answer, or a listing over 16 MiB, is an error (string).
    std::variant<std::optional<std::vector<Entry>>, std::string> list(const std::string& path,
                                                                      bool recursive);
    // The names of the files in <org>/<user>/messages/blacklist/ through `LS`, sorted; empty
    // when that folder does not exist. Never std::nullopt.
    std::optional<std::variant<std::vector<std::string>, std::string>>
    blacklist(const std::string& org, const std::string& user) override;
    // Whether <org>/<path> exists and is a folder, through `FSTAT` (`OK D ...`: yes; `OK F`
    // or `OK U`, or `FAILED 9`: no). Never std::nullopt.
    std::optional<std::variant<bool, std::string>> folder_exists(const std::string& org,
                                                                 const std::string& path) override;

    // "remote fixtures through TF commands on plain 127.0.0.1:4000"
    std::string describe() const override;
    // The fixture's messages and links, which no TF command can make; both reasons, joined
    // by "; ", when it has both.
    std::optional<std::string> unsupported(const Fixture& fixture) const override;

private:
    // A fresh connection, or why there is none (in `error`, naming `purpose` when given).
    std::unique_ptr<Connection> connect(std::string& error, std::string_view purpose = "");

    Transport& transport_;
    Deadline command_timeout_;
};

} // namespace xsime::harness
