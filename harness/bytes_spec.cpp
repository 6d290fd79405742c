// Hex decoding and encoding for scenario byte sources.
#include "harness/bytes_spec.hpp"

namespace xsime::harness {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string printable(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
        return std::string("'") + c + "'";
    }
    static constexpr char digits[] = "0123456789abcdef";
    return std::string("byte 0x") + digits[byte >> 4] + digits[byte & 0x0f];
}

} // namespace

std::variant<std::string, HexError> decode_hex(std::string_view text) {
    std::string out;
    out.reserve(text.size() / 2);
    int high = -1; // the first digit of a byte, waiting for its second
    std::size_t digits = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (is_space(c)) {
            continue;
        }
        const int value = hex_value(c);
        if (value < 0) {
            return HexError{i, printable(c) + " is not a hex digit"};
        }
        ++digits;
        if (high < 0) {
            high = value;
        } else {
            out.push_back(static_cast<char>((high << 4) | value));
            high = -1;
        }
    }
    if (high >= 0) {
        return HexError{text.size(), "odd number of hex digits (" + std::to_string(digits) +
                                         "); a byte is two digits"};
    }
    return out;
}

std::string encode_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 3);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        if (!out.empty()) {
            out.push_back(' ');
        }
        out.push_back(digits[byte >> 4]);
        out.push_back(digits[byte & 0x0f]);
    }
    return out;
}

} // namespace xsime::harness
