// Unit tests of the 5-byte XSIME header codec: layout, byte order and round trips.
#include "protocol/header.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <limits>
#include <string>

namespace xsime::protocol {
namespace {

// Literal byte strings would stop at an embedded NUL; building them explicitly keeps the zeros.
std::string bytes(std::initializer_list<unsigned> values) {
    std::string out;
    for (const unsigned v : values) {
        out.push_back(static_cast<char>(v));
    }
    return out;
}

TEST(Header, IsExactlyFiveBytes) {
    EXPECT_EQ(header_size, 5u);
    EXPECT_EQ(encode_header(Header{0x05, 0}).size(), 5u);
    EXPECT_EQ(encode_header(Header{0xff, std::numeric_limits<std::int32_t>::max()}).size(), 5u);
    EXPECT_EQ(encode_header(Header{0x00, std::numeric_limits<std::int32_t>::min()}).size(), 5u);
}

TEST(Header, SizeIsBigEndianAfterTheOpcode) {
    EXPECT_EQ(encode_header(Header{0x05, 0x01020304}), bytes({0x05, 0x01, 0x02, 0x03, 0x04}));
    EXPECT_EQ(encode_header(Header{0x01, 0x000000ff}), bytes({0x01, 0x00, 0x00, 0x00, 0xff}));
    EXPECT_EQ(encode_header(Header{0x02, 16384}), bytes({0x02, 0x00, 0x00, 0x40, 0x00}));
}

TEST(Header, NegativeSizeIsTwosComplement) {
    EXPECT_EQ(encode_header(Header{0x01, -1}), bytes({0x01, 0xff, 0xff, 0xff, 0xff}));
    EXPECT_EQ(encode_header(Header{0x05, std::numeric_limits<std::int32_t>::min()}),
              bytes({0x05, 0x80, 0x00, 0x00, 0x00}));
    EXPECT_EQ(decode_header(bytes({0x05, 0xff, 0xff, 0xff, 0xff})), (Header{0x05, -1}));
    EXPECT_EQ(decode_header(bytes({0x05, 0xff, 0xff, 0xff, 0xfe})), (Header{0x05, -2}));
}

TEST(Header, DecodeReadsTheLayout) {
    EXPECT_EQ(decode_header(bytes({0x04, 0x01, 0x02, 0x03, 0x04})), (Header{0x04, 0x01020304}));
    // Only the first five bytes belong to the header.
    EXPECT_EQ(decode_header(bytes({0x07, 0x00, 0x00, 0x00, 0x08, 0xaa, 0xbb})), (Header{0x07, 8}));
    // The opcode byte is taken as it is, including values with the top bit set.
    EXPECT_EQ(decode_header(bytes({0x80, 0, 0, 0, 0})).opcode, 0x80);
}

TEST(Header, AppendAddsToExistingBytes) {
    std::string out = "ab";
    append_header(out, Header{0x02, 3});
    EXPECT_EQ(out, std::string("ab") + bytes({0x02, 0, 0, 0, 3}));
}

TEST(Header, RoundTripsEveryOpcodeAndEdgeSize) {
    const std::int32_t sizes[] = {0,
                                  1,
                                  -1,
                                  255,
                                  256,
                                  max_payload,
                                  max_payload + 1,
                                  0x7f000000,
                                  std::numeric_limits<std::int32_t>::max(),
                                  std::numeric_limits<std::int32_t>::min()};
    for (unsigned op = 0; op <= 0xff; ++op) {
        for (const auto sz : sizes) {
            const Header header{static_cast<std::uint8_t>(op), sz};
            EXPECT_EQ(decode_header(encode_header(header)), header) << op << " " << sz;
        }
    }
}

TEST(Header, StatusConstants) {
    EXPECT_EQ(status_ok, 0);
    EXPECT_EQ(status_failed, -1);
    EXPECT_EQ(max_payload, 16 * 1024);
}

} // namespace
} // namespace xsime::protocol
