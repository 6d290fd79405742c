// Hex text for byte sources in scenario files: decoding what a file says, encoding for display.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::harness {

struct HexError {
    std::size_t position = 0; // 0-based index into the hex text of the offending character
    std::string reason;       // "odd number of hex digits (7)", "'g' is not a hex digit"
};

// "05 00 00 00 03 61 62 63" -> raw bytes. Whitespace anywhere is ignored, digits are
// case-insensitive, and the digit count must be even (a byte is two digits).
std::variant<std::string, HexError> decode_hex(std::string_view text);

// Raw bytes -> "05 00 00 00 03 61 62 63" (lower case, one space between bytes).
std::string encode_hex(std::string_view bytes);

} // namespace xsime::harness
