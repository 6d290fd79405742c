// A scenario's org unit on a remote target, made through the TF commands MKDIR and TOUCH and
// observed through LS and FSTAT.
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

// `path` below the org unit as a command's path ("/org/a/b"); std::nullopt (and `error`)
// when the org name or the path could leave the org unit: such a path is never sent.
std::optional<std::string> org_path(const std::string& org, const std::string& path,
                                    std::string& error) {
    if (!valid_org_name(org)) {
        error = "invalid org unit name " + quote_bytes(org);
        return std::nullopt;
    }
    if (auto problem = check_inside_org("path", path)) {
        error = *problem;
        return std::nullopt;
    }
    std::string full = "/" + org;
    for (const auto& part : parts_of(path)) {
        full += "/" + part;
    }
    return full;
}

constexpr std::size_t max_listing_bytes = 16 * 1024 * 1024;

// One line of a listing as an entry: "F: name", "D: name/" (the wire) or "F /a/name" (the
// TF documentation: only the last component is kept); std::nullopt for a line that is
// neither (an empty one).
std::optional<RemoteFixture::Entry> parse_entry(std::string_view line) {
    if (line.size() < 3 || (line[0] != 'F' && line[0] != 'D' && line[0] != 'U')) {
        return std::nullopt;
    }
    std::string_view name;
    bool documented = false;
    if (line[1] == ':') {
        name = line.substr(line[2] == ' ' ? 3 : 2);
    } else if (line[1] == ' ') {
        name = line.substr(2);
        documented = true;
    } else {
        return std::nullopt;
    }
    while (name.size() > 1 && name.back() == '/') {
        name.remove_suffix(1);
    }
    if (documented) {
        name = name.substr(name.rfind('/') == std::string_view::npos ? 0 : name.rfind('/') + 1);
    }
    if (name.empty()) {
        return std::nullopt;
    }
    return RemoteFixture::Entry{line[0], std::string(name)};
}

std::vector<RemoteFixture::Entry> parse_listing(std::string_view data) {
    std::vector<RemoteFixture::Entry> entries;
    while (!data.empty()) {
        const auto end = std::min(data.find('\n'), data.size());
        if (auto entry = parse_entry(data.substr(0, end))) {
            entries.push_back(std::move(*entry));
        }
        data.remove_prefix(std::min(end + 1, data.size()));
    }
    return entries;
}

// The whole data of a listing, answering each chunk `CONT`; std::nullopt for `FAILED 10`.
std::variant<std::optional<std::string>, std::string>
read_listing(Connection& connection, const std::string& command, Deadline timeout) {
    std::string data;
    std::string asked = command;
    while (true) {
        auto reply = connection.command(asked, timeout);
        if (auto* error = std::get_if<TransportError>(&reply)) {
            return command + ": " + describe(*error);
        }
        const auto& body = std::get<std::string>(reply);
        if (body == protocol::tf_ok) {
            return std::optional<std::string>(std::move(data));
        }
        if (body.starts_with("FAILED 10") && data.empty()) {
            return std::optional<std::string>();
        }
        if (!body.starts_with("CONT")) {
            return command + ": the server answered " + quote_bytes(body);
        }
        data += std::string_view(body).substr(body.starts_with("CONT ") ? 5 : 4);
        if (data.size() > max_listing_bytes) {
            (void)connection.command("BREAK", timeout);
            return command + ": the listing is over " + std::to_string(max_listing_bytes) +
                   " bytes";
        }
        asked = "CONT";
    }
}

} // namespace

std::unique_ptr<Connection> RemoteFixture::connect(std::string& error, std::string_view purpose) {
    auto connected = transport_.connect(command_timeout_);
    if (auto* failure = std::get_if<TransportError>(&connected)) {
        error = "connecting to " + transport_.describe() + std::string(purpose) + ": " +
                harness::describe(*failure);
        return nullptr;
    }
    return std::move(std::get<std::unique_ptr<Connection>>(connected));
}

std::variant<std::optional<std::vector<RemoteFixture::Entry>>, std::string>
RemoteFixture::list(const std::string& path, bool recursive) {
    std::string error;
    auto connection = connect(error);
    if (!connection) {
        return one_line(error);
    }
    auto data = read_listing(*connection, (recursive ? "LSR " : "LS ") + path, command_timeout_);
    connection->close();
    if (auto* failure = std::get_if<std::string>(&data)) {
        return one_line(*failure);
    }
    auto& found = std::get<std::optional<std::string>>(data);
    if (!found) {
        return std::optional<std::vector<Entry>>();
    }
    return std::optional<std::vector<Entry>>(parse_listing(*found));
}

std::optional<std::variant<std::size_t, std::string>>
RemoteFixture::message_count(const std::string& org, const std::string& user) {
    std::string error;
    const auto path = org_path(org, user + "/messages", error);
    if (!path) {
        return error;
    }
    auto listed = list(*path, false);
    if (auto* failure = std::get_if<std::string>(&listed)) {
        return *failure;
    }
    const auto& entries = std::get<std::optional<std::vector<Entry>>>(listed);
    if (!entries) {
        return std::size_t{0};
    }
    return static_cast<std::size_t>(
        std::count_if(entries->begin(), entries->end(),
                      [](const Entry& e) { return e.first == 'F' && e.second.front() != '.'; }));
}

std::optional<std::variant<std::vector<std::string>, std::string>>
RemoteFixture::blacklist(const std::string& org, const std::string& user) {
    std::string error;
    const auto path = org_path(org, user + "/messages/blacklist", error);
    if (!path) {
        return error;
    }
    auto listed = list(*path, false);
    if (auto* failure = std::get_if<std::string>(&listed)) {
        return *failure;
    }
    std::vector<std::string> names;
    if (const auto& entries = std::get<std::optional<std::vector<Entry>>>(listed)) {
        for (const auto& [type, name] : *entries) {
            if (type == 'F') {
                names.push_back(name);
            }
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::optional<std::variant<bool, std::string>>
RemoteFixture::folder_exists(const std::string& org, const std::string& path) {
    std::string error;
    const auto full = org_path(org, path, error);
    if (!full) {
        return error;
    }
    auto connection = connect(error);
    if (!connection) {
        return one_line(error);
    }
    const std::string command = "FSTAT " + *full;
    auto reply = connection->command(command, command_timeout_);
    connection->close();
    if (auto* failure = std::get_if<TransportError>(&reply)) {
        return one_line(command + ": " + harness::describe(*failure));
    }
    const auto& body = std::get<std::string>(reply);
    if (body.starts_with("OK ")) {
        return body.starts_with("OK D");
    }
    if (body.starts_with("FAILED 9")) {
        return false;
    }
    return one_line(command + ": the server answered " + quote_bytes(body));
}

std::optional<std::string> RemoteFixture::prepare(const std::string& org, const Fixture& fixture) {
    // Everything that can be refused is refused before a connection is made.
    if (auto error = check_fixture(org, fixture)) {
        return error;
    }
    if (auto reason = unsupported(fixture)) {
        return "cannot prepare this fixture remotely: " + *reason;
    }
    const auto commands = plan_commands(org, fixture);

    std::string error;
    auto connection = connect(error, " for the fixture");
    if (!connection) {
        return one_line(error);
    }
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
