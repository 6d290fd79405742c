// Reading command lines and writing event lines of the client driver protocol.
#include "client/driver_json.hpp"

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

namespace xsime::client {

namespace {

using json = nlohmann::json;
// Events keep "event" first, as the protocol's examples show them.
using ordered = nlohmann::ordered_json;

// Reads a command's fields; the first problem is kept and makes the command `failed`.
class Fields {
public:
    explicit Fields(const json& object) : object_(object) {}

    const json* find(const char* key) const {
        const auto it = object_.find(key);
        return it == object_.end() ? nullptr : &*it;
    }
    std::string string(const char* key, std::optional<std::string> fallback = std::nullopt) {
        const auto* value = find(key);
        if (value == nullptr && fallback) {
            return *fallback;
        }
        if (value == nullptr || !value->is_string()) {
            problem(std::string("'") + key + "' must be a string");
            return {};
        }
        return value->get<std::string>();
    }
    bool boolean(const char* key) {
        const auto* value = find(key);
        if (value == nullptr || !value->is_boolean()) {
            problem(std::string("'") + key + "' must be true or false");
            return false;
        }
        return value->get<bool>();
    }
    std::uint64_t number(const char* key, std::optional<std::uint64_t> fallback = std::nullopt) {
        const auto* value = find(key);
        if (value == nullptr && fallback) {
            return *fallback;
        }
        if (value == nullptr || !value->is_number_integer() ||
            (value->is_number_integer() && !value->is_number_unsigned() &&
             value->get<std::int64_t>() < 0)) {
            problem(std::string("'") + key + "' must be an integer >= 0");
            return 0;
        }
        return value->get<std::uint64_t>();
    }
    void problem(std::string reason) {
        if (error.empty()) {
            error = std::move(reason);
        }
    }

    std::string error;

private:
    const json& object_;
};

// Two hex digits a byte, either case, nothing else.
std::optional<std::string> from_hex(std::string_view hex) {
    if (hex.size() % 2 != 0) {
        return std::nullopt;
    }
    std::string bytes;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        unsigned value = 0;
        const auto* end = hex.data() + i + 2;
        const auto [stop, ec] = std::from_chars(hex.data() + i, end, value, 16);
        if (ec != std::errc{} || stop != end) {
            return std::nullopt;
        }
        bytes.push_back(static_cast<char>(value));
    }
    return bytes;
}

std::string to_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        hex.push_back(digits[b >> 4]);
        hex.push_back(digits[b & 0xF]);
    }
    return hex;
}

// "text" when the bytes are valid UTF-8, else "text_hex" (docs/client-driver.md, byte strings).
void put_bytes(ordered& event, const char* key, const char* hex_key, std::string_view bytes) {
    if (is_valid_utf8(bytes)) {
        event[key] = std::string(bytes);
    } else {
        event[hex_key] = to_hex(bytes);
    }
}

std::string dump(const ordered& event) {
    // Reasons may quote the server's bytes: never throw on them.
    return event.dump(-1, ' ', false, ordered::error_handler_t::replace);
}

void read_connect(Fields& fields, const ConnectDefaults& defaults, CommandRequest& request) {
    request.endpoint.host = fields.string("host", defaults.host);
    const auto port = fields.number("port", defaults.port);
    if (port == 0 || port > std::numeric_limits<std::uint16_t>::max()) {
        fields.problem("'port' must be 1..65535");
    }
    request.endpoint.port = static_cast<std::uint16_t>(port);
    const auto transport = fields.string("transport", std::string("plain"));
    if (transport == "plain") {
        return;
    }
    const auto* tf = fields.find("tf");
    if (transport != "tf" || tf == nullptr || !tf->is_object()) {
        fields.problem("'transport' must be \"plain\", or \"tf\" with a 'tf' object");
        return;
    }
    Fields settings(*tf);
    request.endpoint.tf = protocol::TfClientSettings{
        settings.string("public_key"), settings.string("hash"),
        settings.string("version", std::string("0.0")),
        static_cast<std::size_t>(settings.number("session_key_size", 32))};
    if (!settings.error.empty()) {
        fields.problem("tf: " + settings.error);
    }
}

void read_send(Fields& fields, CommandRequest& request) {
    const auto* to = fields.find("to");
    if (to == nullptr || !to->is_array()) {
        fields.problem("'to' must be an array of strings");
        return;
    }
    for (const auto& recipient : *to) {
        if (!recipient.is_string()) {
            fields.problem("'to' must be an array of strings");
            return;
        }
        request.to.push_back(recipient.get<std::string>());
    }
    if (fields.find("text") != nullptr) {
        request.text = fields.string("text");
        return;
    }
    auto bytes = from_hex(fields.string("text_hex"));
    if (!bytes) {
        fields.problem("'text' or 'text_hex' (an even number of hex digits) is required");
        return;
    }
    request.text = std::move(*bytes);
}

// The arguments of each command; false for a name that is none.
bool read_arguments(const std::string& cmd, Fields& fields, const ConnectDefaults& defaults,
                    CommandRequest& request) {
    const auto known = command_named(cmd);
    if (!known) {
        return false;
    }
    request.command = *known;
    switch (request.command) {
    case Command::connect:
        read_connect(fields, defaults, request);
        break;
    case Command::setup:
        request.unique = fields.boolean("unique");
        request.auto_delete = fields.boolean("auto_delete");
        request.timestamp = fields.number("timestamp");
        break;
    case Command::org_unit:
        request.path = fields.string("path");
        break;
    case Command::user:
        request.path = fields.string("name");
        break;
    case Command::send:
        read_send(fields, request);
        break;
    case Command::interval:
        request.nanoseconds = fields.number("ns");
        break;
    case Command::start:
    case Command::exit:
    case Command::disconnect:
        break;
    }
    return true;
}

} // namespace

std::variant<CommandRequest, BadCommand> parse_command(std::string_view line,
                                                       const ConnectDefaults& defaults) {
    const auto object = json::parse(line, nullptr, false);
    if (object.is_discarded() || !object.is_object()) {
        return BadCommand{
            std::nullopt, {}, "not a JSON object: " + std::string(line.substr(0, 80))};
    }
    Fields fields(object);
    const auto* cmd_field = fields.find("cmd");
    std::string cmd = cmd_field && cmd_field->is_string() ? cmd_field->get<std::string>() : "";
    const auto id = fields.number("id");
    if (!fields.error.empty()) {
        return BadCommand{std::nullopt, cmd, "command without a valid id: " + fields.error};
    }
    CommandRequest request;
    request.id = id;
    if (!read_arguments(cmd, fields, defaults, request)) {
        return BadCommand{id, cmd, cmd.empty() ? "no 'cmd'" : "unknown command '" + cmd + "'"};
    }
    if (!fields.error.empty()) {
        return BadCommand{id, cmd, fields.error};
    }
    return request;
}

std::string event_line(const ClientEvent& event) {
    ordered out;
    if (const auto* done = std::get_if<CommandDone>(&event)) {
        out["event"] = done->ok ? "ok" : "failed";
        out["id"] = done->id;
        out["cmd"] = std::string(command_name(done->command));
        if (!done->ok) {
            out["reason"] = done->reason;
        }
    } else if (const auto* message = std::get_if<MessageEvent>(&event)) {
        out["event"] = "message";
        out["timestamp"] = message->timestamp;
        put_bytes(out, "from", "from_hex", message->from);
        put_bytes(out, "text", "text_hex", message->text);
    } else if (std::holds_alternative<SendRefused>(event)) {
        out["event"] = "send_refused";
    } else if (const auto* error = std::get_if<ErrorEvent>(&event)) {
        out["event"] = "error";
        out["reason"] = error->reason;
    } else if (const auto* closed = std::get_if<ClosedEvent>(&event)) {
        out["event"] = "closed";
        out["reason"] = closed->reason;
    }
    return dump(out);
}

std::string bad_command_line(const BadCommand& bad) {
    ordered out;
    if (bad.id) {
        out["event"] = "failed";
        out["id"] = *bad.id;
        out["cmd"] = bad.cmd;
    } else {
        out["event"] = "error";
    }
    out["reason"] = bad.reason;
    return dump(out);
}

std::string hello_line(std::string_view client) {
    ordered out;
    out["event"] = "hello";
    out["protocol"] = 1;
    out["client"] = std::string(client);
    return dump(out);
}

std::string done_line() {
    return R"({"event":"done"})";
}

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view bytes) {
    std::size_t i = 0;
    while (i < bytes.size()) {
        const auto lead = static_cast<unsigned char>(bytes[i]);
        std::size_t extra = 0;
        std::uint32_t point = 0;
        if (lead < 0x80) {
            ++i;
            continue;
        } else if (lead >= 0xC2 && lead <= 0xDF) {
            extra = 1;
            point = lead & 0x1F;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            extra = 2;
            point = lead & 0x0F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            extra = 3;
            point = lead & 0x07;
        } else {
            return false;
        }
        if (i + extra >= bytes.size()) {
            return false;
        }
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto next = static_cast<unsigned char>(bytes[i + k]);
            if ((next & 0xC0) != 0x80) {
                return false;
            }
            point = (point << 6) | (next & 0x3F);
        }
        const std::uint32_t least[] = {0, 0x80, 0x800, 0x10000};
        if (point < least[extra] || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF)) {
            return false;
        }
        i += extra + 1;
    }
    return true;
}

} // namespace xsime::client
