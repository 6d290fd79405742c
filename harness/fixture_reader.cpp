// The fixture of a scenario file: users, blacklists, stored messages, folders and links, all
// inside the scenario's org unit.
#include "harness/field_reader.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <sstream>

namespace xsime::harness {

namespace {

constexpr std::array<std::string_view, 5> fixture_keys = {"users", "blacklist", "messages", "dirs",
                                                          "links"};
constexpr std::array<std::string_view, 4> fixture_message_keys = {"to", "from", "timestamp",
                                                                  "text"};
constexpr std::array<std::string_view, 2> link_keys = {"at", "to"};

} // namespace

// Nested users ("team/alice") are folders inside folders of the org unit, as the server and
// the fixture hosts take them.
bool FieldReader::user_name(const Json& value, const std::string& pointer, std::string& out) {
    return user_path(value, pointer, out);
}

bool FieldReader::org_relative(const Json& value, const std::string& pointer, std::string& out) {
    if (!non_empty(value, pointer, out)) {
        return false;
    }
    bool dot_dot = false;
    std::stringstream parts(out);
    for (std::string part; std::getline(parts, part, '/');) {
        dot_dot = dot_dot || part == "..";
    }
    if (out.front() == '/' || dot_dot) {
        error(pointer, "expected a path relative to the org unit (no leading '/', no \"..\"), "
                       "got " +
                           quote(out));
        return false;
    }
    return true;
}

bool FieldReader::users(const Json& value, const std::string& pointer,
                        std::vector<std::string>& out) {
    bool ok = items(value, pointer, "an array of user names", &FieldReader::user_name, out);
    std::set<std::string> seen;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (!out[i].empty() && !seen.insert(out[i]).second) {
            error(child(pointer, i), "user " + quote(out[i]) + " is listed twice");
            ok = false;
        }
    }
    return ok;
}

bool FieldReader::link(const Json& value, const std::string& pointer, FixtureLink& out) {
    bool ok = true;
    if (!action_object(value, pointer, "a link", link_keys, ok)) {
        return false;
    }
    ok &= get(value, "at", pointer, true, &FieldReader::org_relative, out.at);
    ok &= get(value, "to", pointer, true, &FieldReader::non_empty, out.to);
    return ok;
}

bool FieldReader::fixture_message(const Json& value, const std::string& pointer,
                                  FixtureMessage& out) {
    bool ok = true;
    if (!action_object(value, pointer, "a fixture message", fixture_message_keys, ok)) {
        return false;
    }
    ok &= get(value, "to", pointer, true, &FieldReader::non_empty, out.to);
    ok &= get(value, "from", pointer, true, &FieldReader::non_empty, out.from);
    ok &= get(value, "timestamp", pointer, false, &FieldReader::u64, out.timestamp);
    ok &= get(value, "text", pointer, true, &FieldReader::string, out.text);
    return ok;
}

bool FieldReader::blacklist(const Json& value, const std::string& pointer,
                            std::map<std::string, std::vector<std::string>>& out) {
    if (!is_object(value, pointer, "a blacklist {user: [senders]}")) {
        return false;
    }
    bool ok = true;
    for (const auto& [user, senders] : value.items()) {
        ok &= items(senders, child(pointer, user), "an array of strings", &FieldReader::non_empty,
                    out[user]);
    }
    return ok;
}

bool FieldReader::fixture(const Json& value, const std::string& pointer, Fixture& out) {
    bool ok = true;
    if (!action_object(value, pointer, "the fixture", fixture_keys, ok)) {
        return false;
    }
    const bool users_ok = get(value, "users", pointer, false, &FieldReader::users, out.users);
    ok &= users_ok;
    ok &= get(value, "blacklist", pointer, false, &FieldReader::blacklist, out.blacklist);
    ok &= field(value, "messages", pointer, false, [&](const Json& v, const std::string& p) {
        return items(v, p, "an array of messages", &FieldReader::fixture_message, out.messages);
    });
    ok &= field(value, "dirs", pointer, false, [&](const Json& v, const std::string& p) {
        return items(v, p, "an array of org-relative paths", &FieldReader::org_relative, out.dirs);
    });
    ok &= field(value, "links", pointer, false, [&](const Json& v, const std::string& p) {
        return items(v, p, "an array of links {\"at\", \"to\"}", &FieldReader::link, out.links);
    });
    // Every user the fixture writes into must be one it creates.
    if (!users_ok) {
        return false;
    }
    const auto check_user = [&](const std::string& name, const std::string& at) {
        if (name.empty() ||
            std::find(out.users.begin(), out.users.end(), name) != out.users.end()) {
            return;
        }
        error(at, "user " + quote(name) + " is not in the fixture's users (" +
                      (out.users.empty() ? std::string("none") : join(out.users)) + ")");
        ok = false;
    };
    for (const auto& [user, senders] : out.blacklist) {
        check_user(user, child(child(pointer, "blacklist"), user));
    }
    for (std::size_t i = 0; i < out.messages.size(); ++i) {
        check_user(out.messages[i].to, child(child(child(pointer, "messages"), i), "to"));
    }
    return ok;
}

} // namespace xsime::harness
