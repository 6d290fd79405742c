// Encoding and decoding of the 5-byte XSIME header.
#include "protocol/header.hpp"

#include "protocol/byte_order.hpp"

namespace xsime::protocol {

void append_header(std::string& out, Header header) {
    out.push_back(static_cast<char>(header.opcode));
    append_be32(out, static_cast<std::uint32_t>(header.sz));
}

std::string encode_header(Header header) {
    std::string out;
    out.reserve(header_size);
    append_header(out, header);
    return out;
}

Header decode_header(std::string_view bytes) {
    return Header{static_cast<std::uint8_t>(bytes[0]),
                  static_cast<std::int32_t>(read_be32(bytes, 1))};
}

} // namespace xsime::protocol
