// Opcode names and the ASCII-digit diagnostic.
#include "protocol/opcode.hpp"

#include <cstdio>

namespace xsime::protocol {

bool is_known_opcode(std::uint8_t value) {
    switch (static_cast<Opcode>(value)) {
    case Opcode::exit:
    case Opcode::org_unit:
    case Opcode::user:
    case Opcode::setup:
    case Opcode::message:
    case Opcode::interval:
        return true;
    }
    return false;
}

static std::string_view opcode_name(std::uint8_t value) {
    switch (static_cast<Opcode>(value)) {
    case Opcode::exit:
        return "exit";
    case Opcode::org_unit:
        return "org-unit";
    case Opcode::user:
        return "user";
    case Opcode::setup:
        return "setup";
    case Opcode::message:
        return "message";
    case Opcode::interval:
        return "interval";
    }
    return "unknown";
}

std::string describe_opcode(std::uint8_t value) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", value);
    return std::string(opcode_name(value)) + " (" + hex + ")";
}

std::optional<std::string> ascii_opcode_hint(std::uint8_t value) {
    if (value < '0' || value > '9' || !is_known_opcode(static_cast<std::uint8_t>(value - '0'))) {
        return std::nullopt;
    }
    char text[64];
    std::snprintf(text, sizeof text, "opcode 0x%02x looks like ASCII '%c'", value, value);
    return std::string(text);
}

} // namespace xsime::protocol
