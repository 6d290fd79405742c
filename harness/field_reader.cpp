// The value readers of the scenario format (scalars, names, flags, opcodes): each checks one
// JSON value and writes the model value, or reports the file, the pointer and what was expected.
#include "harness/field_reader.hpp"

#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace xsime::harness {

namespace {

struct OpcodeName {
    std::string_view name;
    protocol::Opcode opcode;
};
constexpr std::array<OpcodeName, 6> opcode_names = {{{"exit", protocol::Opcode::exit},
                                                     {"org_unit", protocol::Opcode::org_unit},
                                                     {"user", protocol::Opcode::user},
                                                     {"setup", protocol::Opcode::setup},
                                                     {"message", protocol::Opcode::message},
                                                     {"interval", protocol::Opcode::interval}}};

struct FlagName {
    std::string_view name;
    std::int32_t value;
};
constexpr std::array<FlagName, 2> flag_names = {
    {{"unique_user", protocol::flag_unique_user}, {"auto_delete", protocol::flag_auto_delete}}};

constexpr std::uint64_t u32_max = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t ns_per_ms = 1'000'000;

bool contains(Keys keys, std::string_view key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

} // namespace

std::string join(Keys keys) {
    std::string out;
    for (const auto key : keys) {
        if (!out.empty()) {
            out += ", ";
        }
        out += key;
    }
    return out;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += ", ";
        }
        out += item;
    }
    return out;
}

void FieldReader::error(const std::string& pointer, std::string message) {
    if (errors.size() > max_errors_per_file) {
        return;
    }
    if (errors.size() == max_errors_per_file) {
        errors.push_back(
            {file_, "",
             "too many errors; stopped reporting after " + std::to_string(max_errors_per_file)});
        return;
    }
    errors.push_back({file_, pointer, std::move(message)});
}

bool FieldReader::known_keys(const Json& object, const std::string& pointer, Keys allowed,
                             std::string_view what) {
    bool ok = true;
    for (const auto& [key, value] : object.items()) {
        if (!contains(allowed, key)) {
            error(child(pointer, key),
                  "unknown key " + quote(key) + " in " + std::string(what) +
                      "; allowed: " + (allowed.empty() ? std::string("none") : join(allowed)));
            ok = false;
        }
    }
    return ok;
}

bool FieldReader::is_object(const Json& value, const std::string& pointer, std::string_view what) {
    if (value.is_object()) {
        return true;
    }
    error(pointer, "expected " + std::string(what) + " (a JSON object), got " + describe(value));
    return false;
}

bool FieldReader::action_object(const Json& value, const std::string& pointer,
                                std::string_view what, Keys allowed, bool& ok) {
    if (!is_object(value, pointer, what)) {
        ok = false;
        return false;
    }
    ok &= known_keys(value, pointer, allowed, what);
    return true;
}

bool FieldReader::field(const Json& object, std::string_view key, const std::string& pointer,
                        bool required, const Reader& read) {
    const auto it = object.find(std::string(key));
    if (it == object.end()) {
        if (required) {
            error(child(pointer, key), "required field " + quote(key) + " is missing");
        }
        return !required;
    }
    return read(*it, child(pointer, key));
}

std::optional<std::string_view> FieldReader::one_of(const Json& object, const std::string& pointer,
                                                    Keys keys, bool required, bool& ok) {
    std::vector<std::string> present;
    for (const auto key : keys) {
        if (object.contains(std::string(key))) {
            present.emplace_back(key);
        }
    }
    if (present.size() > 1) {
        error(pointer, "give exactly one of " + join(keys) + ", not " + join(present));
        ok = false;
        return std::nullopt;
    }
    if (present.empty()) {
        if (required) {
            error(pointer, "give exactly one of " + join(keys) + "; none is present");
            ok = false;
        }
        return std::nullopt;
    }
    return *std::find(keys.begin(), keys.end(), present.front());
}

bool FieldReader::string(const Json& value, const std::string& pointer, std::string& out) {
    if (!value.is_string()) {
        error(pointer, "expected a string, got " + describe(value));
        return false;
    }
    out = value.get<std::string>();
    return true;
}

bool FieldReader::non_empty(const Json& value, const std::string& pointer, std::string& out) {
    if (!string(value, pointer, out)) {
        return false;
    }
    if (out.empty()) {
        error(pointer, "expected a non-empty string");
        return false;
    }
    return true;
}

bool FieldReader::expandable(const Json& value, const std::string& pointer, std::string& out) {
    return string(value, pointer, out) && references(out, pointer, nullptr);
}

bool FieldReader::unsigned_integer(const Json& value, const std::string& pointer,
                                   std::uint64_t& out, std::uint64_t min, std::uint64_t max) {
    const bool negative =
        value.is_number_integer() && !value.is_number_unsigned() && value.get<std::int64_t>() < 0;
    if (!value.is_number_integer() || negative || value.get<std::uint64_t>() < min ||
        value.get<std::uint64_t>() > max) {
        error(pointer, "expected an integer from " + std::to_string(min) + " to " +
                           std::to_string(max) + ", got " + describe(value));
        return false;
    }
    out = value.get<std::uint64_t>();
    return true;
}

bool FieldReader::u32(const Json& value, const std::string& pointer, std::uint32_t& out) {
    std::uint64_t number = 0;
    if (!unsigned_integer(value, pointer, number, 0, u32_max)) {
        return false;
    }
    out = static_cast<std::uint32_t>(number);
    return true;
}

bool FieldReader::positive_u32(const Json& value, const std::string& pointer, std::uint32_t& out) {
    std::uint64_t number = 0;
    if (!unsigned_integer(value, pointer, number, 1, u32_max)) {
        return false;
    }
    out = static_cast<std::uint32_t>(number);
    return true;
}

bool FieldReader::u64(const Json& value, const std::string& pointer, std::uint64_t& out) {
    return unsigned_integer(value, pointer, out, 0, u64_max);
}

bool FieldReader::count(const Json& value, const std::string& pointer, std::size_t& out) {
    std::uint64_t number = 0;
    if (!unsigned_integer(value, pointer, number, 0, std::numeric_limits<std::size_t>::max())) {
        return false;
    }
    out = static_cast<std::size_t>(number);
    return true;
}

bool FieldReader::int32(const Json& value, const std::string& pointer, std::int32_t& out) {
    constexpr auto min = std::numeric_limits<std::int32_t>::min();
    constexpr auto max = std::numeric_limits<std::int32_t>::max();
    const bool in_range =
        value.is_number_integer() &&
        (value.is_number_unsigned()
             ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(max)
             : value.get<std::int64_t>() >= min && value.get<std::int64_t>() <= max);
    if (!in_range) {
        error(pointer, "expected an integer from " + std::to_string(min) + " to " +
                           std::to_string(max) + ", got " + describe(value));
        return false;
    }
    out = static_cast<std::int32_t>(value.get<std::int64_t>());
    return true;
}

bool FieldReader::boolean(const Json& value, const std::string& pointer, bool& out) {
    if (!value.is_boolean()) {
        error(pointer, "expected true or false, got " + describe(value));
        return false;
    }
    out = value.get<bool>();
    return true;
}

bool FieldReader::ms_as_ns(const Json& value, const std::string& pointer, std::uint64_t& out) {
    std::uint64_t ms = 0;
    if (!unsigned_integer(value, pointer, ms, 0, u64_max / ns_per_ms)) {
        return false;
    }
    out = ms * ns_per_ms;
    return true;
}

bool FieldReader::strings(const Json& value, const std::string& pointer,
                          std::vector<std::string>& out) {
    return items(value, pointer, "an array of strings", &FieldReader::string, out);
}

bool FieldReader::names(const Json& value, const std::string& pointer,
                        std::vector<std::string>& out) {
    if (!items(value, pointer, "an array of strings", &FieldReader::non_empty, out)) {
        return false;
    }
    if (out.empty()) {
        error(pointer, "expected a non-empty array");
        return false;
    }
    return true;
}

bool FieldReader::opcode(const Json& value, const std::string& pointer, std::uint8_t& out) {
    if (value.is_string()) {
        const auto name = value.get<std::string>();
        for (const auto& entry : opcode_names) {
            if (entry.name == name) {
                out = protocol::raw(entry.opcode);
                return true;
            }
        }
    } else if (value.is_number_integer() &&
               (value.is_number_unsigned() || value.get<std::int64_t>() >= 0) &&
               value.get<std::uint64_t>() <= 255) {
        out = static_cast<std::uint8_t>(value.get<std::uint64_t>());
        return true;
    }
    error(pointer, "expected an opcode number 0-255 or a name (exit, org_unit, user, setup, "
                   "message, interval), got " +
                       describe(value));
    return false;
}

bool FieldReader::flag(const Json& value, const std::string& pointer, std::int32_t& out) {
    for (const auto& entry : flag_names) {
        if (value.is_string() && value.get<std::string>() == entry.name) {
            out = entry.value;
            return true;
        }
    }
    error(pointer, "expected a flag name (unique_user, auto_delete), got " + describe(value));
    return false;
}

bool FieldReader::flags(const Json& value, const std::string& pointer, std::int32_t& out) {
    if (value.is_array()) {
        std::vector<std::int32_t> each;
        const bool ok = items(value, pointer, "flag names", &FieldReader::flag, each);
        out = 0;
        for (const auto bit : each) {
            out |= bit;
        }
        return ok;
    }
    if (value.is_number_integer() &&
        (value.is_number_unsigned() || value.get<std::int64_t>() >= 0) &&
        value.get<std::uint64_t>() <=
            static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) {
        out = static_cast<std::int32_t>(value.get<std::uint64_t>());
        return true;
    }
    error(pointer, "expected flags: a number 0-2147483647 or an array of names "
                   "(unique_user, auto_delete), got " +
                       describe(value));
    return false;
}

bool FieldReader::status(const Json& value, const std::string& pointer, std::int32_t& out) {
    if (value.is_number_integer() && !value.is_number_unsigned() &&
        value.get<std::int64_t>() == -1) {
        out = protocol::status_failed;
        return true;
    }
    if (value.is_number_integer() && value.get<std::int64_t>() == 0) {
        out = protocol::status_ok;
        return true;
    }
    error(pointer, "expected a status, 0 (success) or -1 (failure), got " + describe(value));
    return false;
}

bool FieldReader::user_path(const Json& value, const std::string& pointer, std::string& out) {
    if (!non_empty(value, pointer, out)) {
        return false;
    }
    std::size_t start = 0;
    while (true) {
        const auto slash = out.find('/', start);
        const auto part = std::string_view(out).substr(
            start, slash == std::string::npos ? std::string::npos : slash - start);
        if (part.empty() || part == "." || part == "..") {
            error(pointer, "a fixture user is a folder name or a nested path of them "
                           "(\"alice\", \"team/alice\": no empty part, \".\" or \"..\", no "
                           "leading or trailing '/'), got " +
                               quote(out));
            return false;
        }
        if (slash == std::string::npos) {
            return true;
        }
        start = slash + 1;
    }
}

} // namespace xsime::harness
