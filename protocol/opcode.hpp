// The XSIME opcode set and human-readable names for diagnostics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xsime::protocol {

// Opcodes travel as raw byte values (DESIGN.md), not as ASCII digits.
enum class Opcode : std::uint8_t {
    exit = 0x00,     // leave the module; the server echoes it
    org_unit = 0x01, // payload: org unit path; reply status
    user = 0x02,     // payload: user path; reply status
    setup = 0x04,    // sz: flags; then 8-byte timestamp; no reply
    message = 0x05,  // client: "u1:u2: text"; server: push or status -1
    interval = 0x07, // 8-byte nanoseconds; no reply
};

bool is_known_opcode(std::uint8_t raw);

// "setup (0x04)" for known opcodes, "unknown (0x09)" otherwise.
std::string describe_opcode(std::uint8_t raw);

// For a byte that is the ASCII digit of a known opcode ('0'..'7'), a hint such as
// "opcode 0x35 looks like ASCII '5'", because implementations that follow the
// spec's quoting literally send digits instead of raw values.
std::optional<std::string> ascii_opcode_hint(std::uint8_t raw);

constexpr std::uint8_t raw(Opcode op) {
    return static_cast<std::uint8_t>(op);
}

} // namespace xsime::protocol
