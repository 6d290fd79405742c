// The event table of docs/client-driver.md, and the byte-string rule shared by commands and
// events.
#include "harness/driver_events.hpp"

#include "harness/bytes_spec.hpp"
#include "harness/transcript.hpp"

#include <array>

namespace xsime::harness {

namespace {

using Kind = DriverFailure::Kind;

enum class Type { integer, string, bytes };

struct Field {
    std::string_view name;
    Type type;
};

struct EventRule {
    std::string_view event;
    std::size_t count; // how many of `fields` the event has
    std::array<Field, 3> fields;
};

// The table "Events (driver → harness)"; unknown fields are ignored.
const std::array<EventRule, 8> event_table{{
    {"hello", 2, {{{"protocol", Type::integer}, {"client", Type::string}}}},
    {"ok", 2, {{{"id", Type::integer}, {"cmd", Type::string}}}},
    {"failed", 3, {{{"id", Type::integer}, {"cmd", Type::string}, {"reason", Type::string}}}},
    {"message", 3, {{{"timestamp", Type::integer}, {"from", Type::bytes}, {"text", Type::bytes}}}},
    {"send_refused", 0, {}},
    {"error", 1, {{{"reason", Type::string}}}},
    {"closed", 1, {{{"reason", Type::string}}}},
    {"done", 0, {}},
}};

std::string_view type_name(const Json& value) {
    if (value.is_number_integer()) {
        return "an integer";
    }
    if (value.is_number()) {
        return "a fractional number";
    }
    if (value.is_string()) {
        return "a string";
    }
    if (value.is_boolean()) {
        return "a boolean";
    }
    if (value.is_null()) {
        return "null";
    }
    return value.is_array() ? "an array" : "an object";
}

DriverFailure bad(std::string_view event, const std::string& what, const std::string& line) {
    return {Kind::bad_field,
            "event '" + std::string(event) + "' " + what + ": " + quote_line(line)};
}

std::optional<DriverFailure> check_bytes(const Json& object, std::string_view event,
                                         std::string_view base, const std::string& line) {
    const std::string text(base);
    const std::string hex = text + "_hex";
    const bool has_text = object.contains(text);
    const bool has_hex = object.contains(hex);
    if (has_text == has_hex) {
        return bad(event,
                   has_text ? "has both '" + text + "' and '" + hex + "'"
                            : "has neither '" + text + "' nor '" + hex + "'",
                   line);
    }
    const std::string& name = has_text ? text : hex;
    const Json& value = object.at(name);
    if (!value.is_string()) {
        return bad(event,
                   "field '" + name + "' is " + std::string(type_name(value)) + ", not a string",
                   line);
    }
    if (has_hex) {
        const auto decoded = decode_hex(value.get_ref<const std::string&>());
        if (const auto* error = std::get_if<HexError>(&decoded)) {
            return bad(event, "field '" + name + "' is not hex (" + error->reason + ")", line);
        }
    }
    return std::nullopt;
}

std::optional<DriverFailure> check_field(const Json& object, std::string_view event,
                                         const Field& field, const std::string& line) {
    if (field.type == Type::bytes) {
        return check_bytes(object, event, field.name, line);
    }
    const std::string name(field.name);
    const std::string_view wanted = field.type == Type::integer ? "an integer" : "a string";
    if (!object.contains(name)) {
        return bad(event, "has no '" + name + "' (" + std::string(wanted) + ")", line);
    }
    const Json& value = object.at(name);
    const bool right = field.type == Type::integer ? value.is_number_integer() : value.is_string();
    if (!right) {
        return bad(event,
                   "field '" + name + "' is " + std::string(type_name(value)) + ", not " +
                       std::string(wanted),
                   line);
    }
    return std::nullopt;
}

} // namespace

std::string_view to_string(DriverFailure::Kind kind) {
    static constexpr std::array<std::string_view, 12> names{
        "cannot_start", "version", "not_json", "unknown_event", "bad_field",   "out_of_order",
        "too_long",     "exited",  "timeout",  "write_failed",  "exit_status", "cancelled"};
    return names.at(static_cast<std::size_t>(kind));
}

std::string quote_line(std::string_view line) {
    return quote_bytes(line, 200);
}

std::variant<DriverEvent, DriverFailure> parse_event(const std::string& line) {
    Json object = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded()) {
        return DriverFailure{Kind::not_json,
                             "the driver printed something that is not JSON: " + quote_line(line)};
    }
    if (!object.is_object()) {
        return DriverFailure{Kind::not_json,
                             "the driver printed JSON that is not an object: " + quote_line(line)};
    }
    const auto event = object.find("event");
    if (event == object.end() || !event->is_string()) {
        return DriverFailure{Kind::bad_field,
                             "the driver printed an object without \"event\" (a string): " +
                                 quote_line(line)};
    }
    const std::string& kind = event->get_ref<const std::string&>();
    for (const auto& rule : event_table) {
        if (rule.event != kind) {
            continue;
        }
        for (std::size_t i = 0; i < rule.count; ++i) {
            if (auto failure = check_field(object, kind, rule.fields[i], line)) {
                return *failure;
            }
        }
        return DriverEvent{kind, std::move(object), line};
    }
    return DriverFailure{Kind::unknown_event, "unknown event '" + kind +
                                                  "' (protocol 1 has hello, ok, failed, "
                                                  "message, send_refused, error, closed, done): " +
                                                  quote_line(line)};
}

std::optional<std::string> event_bytes(const Json& event, std::string_view base) {
    const std::string text(base);
    const std::string hex = text + "_hex";
    const auto text_at = event.find(text);
    const auto hex_at = event.find(hex);
    const bool has_text = text_at != event.end() && text_at->is_string();
    const bool has_hex = hex_at != event.end() && hex_at->is_string();
    if (has_text == has_hex) {
        return std::nullopt;
    }
    if (has_text) {
        return text_at->get<std::string>();
    }
    auto decoded = decode_hex(hex_at->get_ref<const std::string&>());
    if (auto* bytes = std::get_if<std::string>(&decoded)) {
        return std::move(*bytes);
    }
    return std::nullopt;
}

void put_bytes(Json& object, std::string_view base, std::string_view bytes) {
    if (is_utf8(bytes)) {
        object[std::string(base)] = std::string(bytes);
        return;
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        hex.push_back(digits[byte >> 4]);
        hex.push_back(digits[byte & 0x0f]);
    }
    object[std::string(base) + "_hex"] = std::move(hex);
}

bool is_utf8(std::string_view bytes) {
    std::size_t i = 0;
    while (i < bytes.size()) {
        const auto lead = static_cast<unsigned char>(bytes[i]);
        std::size_t length = 0;
        unsigned char low = 0x80, high = 0xbf; // the second byte's range (RFC 3629's table)
        if (lead < 0x80) {
            ++i;
            continue;
        } else if (lead >= 0xc2 && lead <= 0xdf) {
            length = 2;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            length = 3;
            low = lead == 0xe0 ? 0xa0 : 0x80;  // no overlong forms
            high = lead == 0xed ? 0x9f : 0xbf; // no surrogates
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            length = 4;
            low = lead == 0xf0 ? 0x90 : 0x80;
            high = lead == 0xf4 ? 0x8f : 0xbf; // nothing above U+10FFFF
        } else {
            return false;
        }
        if (i + length > bytes.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto byte = static_cast<unsigned char>(bytes[i + k]);
            if (byte < (k == 1 ? low : 0x80) || byte > (k == 1 ? high : 0xbf)) {
                return false;
            }
        }
        i += length;
    }
    return true;
}

} // namespace xsime::harness
