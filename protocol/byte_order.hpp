// Big-endian (network byte order) integer encoding shared by the XSIME and TF codecs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace xsime::protocol {

inline void append_be32(std::string& out, std::uint32_t v) {
    out.push_back(static_cast<char>(v >> 24));
    out.push_back(static_cast<char>(v >> 16));
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v));
}

inline void append_be64(std::string& out, std::uint64_t v) {
    append_be32(out, static_cast<std::uint32_t>(v >> 32));
    append_be32(out, static_cast<std::uint32_t>(v));
}

// Precondition: bytes.size() >= offset + 4.
inline std::uint32_t read_be32(std::string_view bytes, std::size_t offset = 0) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        v = (v << 8) | static_cast<std::uint8_t>(bytes[offset + i]);
    }
    return v;
}

// Precondition: bytes.size() >= offset + 8.
inline std::uint64_t read_be64(std::string_view bytes, std::size_t offset = 0) {
    return (static_cast<std::uint64_t>(read_be32(bytes, offset)) << 32) |
           read_be32(bytes, offset + 4);
}

} // namespace xsime::protocol
