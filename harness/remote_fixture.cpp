// A scenario's org unit on a remote target, made through the TF commands MKDIR and TOUCH.
#include "harness/remote_fixture.hpp"

#include "harness/fixture_paths.hpp"
#include "harness/transcript.hpp"
#include "protocol/tf_framing.hpp"

#include <algorithm>
#include <exception>
#include <memory>
#include <set>
#include <string_view>
#include <utility>
#include <variant>

namespace xsime::harness {

namespace {

constexpr std::string_view messages_reason =
    "fixture message files (content and chosen timestamps) cannot be placed through the TF "
    "commands MKDIR, TOUCH, DEL, RMDIR";
constexpr std::string_view links_reason = "symlinks cannot be made through TF commands";

// The folder names of a checked fixture path: "." and empty parts ("a//b", "a/./b", "a/")
// name nothing on their own, so they are dropped and every command names a path once.
std::vector<std::string> parts_of(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto end = std::min(path.find('/', start), path.size());
        auto part = path.substr(start, end - start);
        if (!part.empty() && part != ".") {
            parts.push_back(std::move(part));
        }
        start = end + 1;
    }
    return parts;
}

// The commands that make a fixture, in the order they are sent. Folders already made in
// this plan are never made again (MKDIR of an existing folder fails).
class Plan {
public:
    explicit Plan(const std::string& org) : org_path_("/" + org) { mkdir(org_path_); }

    // Every missing folder from the org unit down to `parts`; returns the deepest path.
    std::string folders(const std::vector<std::string>& parts) {
        std::string path = org_path_;
        for (const auto& part : parts) {
            path += "/" + part;
            mkdir(path);
        }
        return path;
    }
    void touch(const std::string& path) {
        if (touched_.insert(path).second) {
            commands_.push_back("TOUCH " + path);
        }
    }
    std::vector<std::string> take() { return std::move(commands_); }

private:
    void mkdir(const std::string& path) {
        if (made_.insert(path).second) {
            commands_.push_back("MKDIR " + path);
        }
    }

    std::string org_path_;
    std::set<std::string> made_;
    std::set<std::string> touched_;
    std::vector<std::string> commands_;
};

std::vector<std::string> plan_commands(const std::string& org, const Fixture& fixture) {
    Plan plan(org);
    for (const auto& user : fixture.users) {
        plan.folders(parts_of(user));
    }
    for (const auto& [user, senders] : fixture.blacklist) {
        auto parts = parts_of(user);
        parts.emplace_back("messages");
        parts.emplace_back("blacklist");
        const auto blacklist = plan.folders(parts);
        for (const auto& sender : senders) {
            plan.touch(blacklist + "/" + sender);
        }
    }
    for (const auto& dir : fixture.dirs) {
        plan.folders(parts_of(dir));
    }
    return plan.take();
}

// The command's reply, or why it was not `OK`, in one line.
std::optional<std::string> run_command(Connection& connection, const std::string& command,
                                       Deadline timeout) {
    auto reply = connection.command(command, timeout);
    if (auto* error = std::get_if<TransportError>(&reply)) {
        return command + ": " + describe(*error);
    }
    const auto& body = std::get<std::string>(reply);
    if (body == protocol::tf_ok) {
        return std::nullopt;
    }
    std::string error = command + ": the server answered " + quote_bytes(body);
    if (body == protocol::tf_unknown) {
        // The likeliest cause by far, and the fix is on the user's side.
        error += " (it does not implement the TF fixture commands)";
    }
    return error;
}

} // namespace

std::optional<std::string> RemoteFixture::prepare(const std::string& org, const Fixture& fixture) {
    // Everything that can be refused is refused before a connection is made.
    if (auto error = check_fixture(org, fixture)) {
        return error;
    }
    if (auto reason = unsupported(fixture)) {
        return "cannot prepare this fixture remotely: " + *reason;
    }
    const auto commands = plan_commands(org, fixture);

    auto connected = transport_.connect(command_timeout_);
    if (auto* error = std::get_if<TransportError>(&connected)) {
        return one_line("connecting to " + transport_.describe() +
                        " for the fixture: " + harness::describe(*error));
    }
    auto connection = std::move(std::get<std::unique_ptr<Connection>>(connected));
    std::optional<std::string> failure;
    for (const auto& command : commands) {
        failure = run_command(*connection, command, command_timeout_);
        if (failure) {
            break;
        }
    }
    connection->close();
    if (failure) {
        return one_line(*failure);
    }
    return std::nullopt;
}

void RemoteFixture::cleanup(const std::string& org) {
    // The same rule as prepare: a name that could reach outside the root is never sent.
    if (!valid_org_name(org)) {
        return;
    }
    try {
        auto connected = transport_.connect(command_timeout_);
        if (auto* connection = std::get_if<std::unique_ptr<Connection>>(&connected)) {
            (void)(*connection)->command("RMDIR /" + org, command_timeout_);
            (*connection)->close();
        }
    } catch (const std::exception&) {
        // Cleanup runs after the verdict is known and must never change it.
    }
}

std::optional<std::vector<std::string>> RemoteFixture::messages(const std::string&,
                                                                const std::string&) {
    return std::nullopt;
}

std::string RemoteFixture::describe() const {
    return "remote fixtures through TF commands on " + transport_.describe();
}

std::optional<std::string> RemoteFixture::unsupported(const Fixture& fixture) const {
    std::string reasons;
    if (!fixture.messages.empty()) {
        reasons += messages_reason;
    }
    if (!fixture.links.empty()) {
        reasons += (reasons.empty() ? "" : "; ") + std::string(links_reason);
    }
    if (reasons.empty()) {
        return std::nullopt;
    }
    return reasons;
}

} // namespace xsime::harness
