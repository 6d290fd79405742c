// The 5-byte XSIME header: one opcode byte, then a big-endian signed 32-bit `sz`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace xsime::protocol {

inline constexpr std::size_t header_size = 5;
// "The buffer has a maximum size, which is 16 * 1024 bytes": the limit on `sz`.
inline constexpr std::int32_t max_payload = 16 * 1024;

inline constexpr std::int32_t status_ok = 0;
inline constexpr std::int32_t status_failed = -1;

struct Header {
    std::uint8_t opcode = 0;
    std::int32_t sz = 0;
    friend bool operator==(const Header&, const Header&) = default;
};

void append_header(std::string& out, Header header);
std::string encode_header(Header header);
// Precondition: bytes.size() >= header_size; reads the first five bytes.
Header decode_header(std::string_view bytes);

} // namespace xsime::protocol
