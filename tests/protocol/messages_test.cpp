// Unit tests of the XSIME payload builders and parsers: exact bytes and every grammar rule.
#include "protocol/header.hpp"
#include "protocol/messages.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <vector>

namespace xsime::protocol {
namespace {

using namespace std::string_literals;

// Expected wire bytes are easiest to read and review as hex ("04 00 00 00 03").
std::string hex(std::string_view text) {
    std::string out;
    std::istringstream in{std::string(text)};
    unsigned value = 0;
    while (in >> std::hex >> value) {
        out.push_back(static_cast<char>(value));
    }
    return out;
}

SendRequest expect_request(std::string_view payload) {
    const auto result = parse_send(payload);
    if (const auto* discard = std::get_if<SendDiscard>(&result)) {
        ADD_FAILURE() << "'" << payload << "' discarded: " << describe(*discard);
        return {};
    }
    return std::get<SendRequest>(result);
}

SendDiscard expect_discard(std::string_view payload) {
    const auto result = parse_send(payload);
    if (std::holds_alternative<SendRequest>(result)) {
        ADD_FAILURE() << "'" << payload << "' was accepted";
        return SendDiscard::no_space;
    }
    return std::get<SendDiscard>(result);
}

Push expect_push(std::string_view payload) {
    const auto result = parse_push(payload);
    if (const auto* error = std::get_if<ParseError>(&result)) {
        ADD_FAILURE() << "'" << payload << "' rejected: " << error->reason;
        return {};
    }
    return std::get<Push>(result);
}

std::string expect_push_error(std::string_view payload) {
    const auto result = parse_push(payload);
    if (std::holds_alternative<Push>(result)) {
        ADD_FAILURE() << "'" << payload << "' was accepted";
        return {};
    }
    return std::get<ParseError>(result).reason;
}

// ---- builders ----

TEST(Builders, SetupCarriesFlagsInSizeThenTimestamp) {
    EXPECT_EQ(encode_setup(flag_unique_user, 0), hex("04 00 00 00 01  00 00 00 00 00 00 00 00"));
    EXPECT_EQ(encode_setup(flag_auto_delete, 0x0102030405060708ULL),
              hex("04 00 00 00 02  01 02 03 04 05 06 07 08"));
    EXPECT_EQ(encode_setup(flag_unique_user | flag_auto_delete, 1700000000),
              hex("04 00 00 00 03  00 00 00 00 65 53 f1 00"));
    EXPECT_EQ(encode_setup(0, UINT64_MAX), hex("04 00 00 00 00  ff ff ff ff ff ff ff ff"));
    // Undefined bits travel as given, so tests can probe a server with them.
    EXPECT_EQ(encode_setup(-1, 0).substr(0, 5), hex("04 ff ff ff ff"));
}

TEST(Builders, OrgUnitAndUserCarryThePathAndItsLength) {
    EXPECT_EQ(encode_org_unit("/ime"), hex("01 00 00 00 04") + "/ime");
    EXPECT_EQ(encode_user("alice"), hex("02 00 00 00 05") + "alice");
    EXPECT_EQ(encode_user(""), hex("02 00 00 00 00"));
    const std::string long_path(300, 'p');
    EXPECT_EQ(encode_org_unit(long_path), hex("01 00 00 01 2c") + long_path);
}

TEST(Builders, IntervalIsEightBigEndianBytes) {
    // 25000000 ns = 25 ms, the spec's example.
    EXPECT_EQ(encode_interval(25000000), hex("07 00 00 00 08  00 00 00 00 01 7d 78 40"));
    // 2500000000 ns = 2.5 s, past 32 bits' signed range.
    EXPECT_EQ(encode_interval(2500000000ULL), hex("07 00 00 00 08  00 00 00 00 95 02 f9 00"));
}

TEST(Builders, ExitIsAHeaderOnly) {
    EXPECT_EQ(encode_exit(), hex("00 00 00 00 00"));
    EXPECT_EQ(encode_exit_echo(), hex("00 00 00 00 00"));
}

TEST(Builders, StatusRepliesAreAHeaderOnly) {
    EXPECT_EQ(encode_status(Opcode::org_unit, true), hex("01 00 00 00 00"));
    EXPECT_EQ(encode_status(Opcode::org_unit, false), hex("01 ff ff ff ff"));
    EXPECT_EQ(encode_status(Opcode::user, true), hex("02 00 00 00 00"));
    EXPECT_EQ(encode_status(Opcode::user, false), hex("02 ff ff ff ff"));
    EXPECT_EQ(encode_status(Opcode::message, false), hex("05 ff ff ff ff"));
}

TEST(Builders, SendPayloadAndFrame) {
    const std::vector<std::string> one{"bob"};
    const std::vector<std::string> many{"bob", "carol", "dave"};
    EXPECT_EQ(format_send_payload(one, "hi"), "bob: hi");
    EXPECT_EQ(format_send_payload(many, "hello there"), "bob:carol:dave: hello there");
    EXPECT_EQ(encode_send(one, "hi"), hex("05 00 00 00 07") + "bob: hi");
    EXPECT_EQ(encode_send(many, "a:b c"), hex("05 00 00 00 15") + "bob:carol:dave: a:b c");
}

TEST(Builders, PushPayloadAndFrame) {
    EXPECT_EQ(format_push_payload(1700000000, "alice", "hi: there"), "1700000000:alice:hi: there");
    EXPECT_EQ(format_push_payload(0, "a", ""), "0:a:");
    EXPECT_EQ(format_push_payload(UINT64_MAX, "a", "x"), "18446744073709551615:a:x");
    EXPECT_EQ(encode_push("12:bob:yo"), hex("05 00 00 00 09") + "12:bob:yo");
    EXPECT_EQ(encode_push(""), hex("05 00 00 00 00"));
}

TEST(Builders, SendFormatRoundTripsThroughParse) {
    const std::vector<std::string> recipients{"x", "y"};
    const std::string text = "a: b\0c \xc3\xa9"s;
    EXPECT_EQ(expect_request(format_send_payload(recipients, text)),
              (SendRequest{recipients, text}));
}

TEST(Builders, PushFormatRoundTripsThroughParse) {
    EXPECT_EQ(expect_push(format_push_payload(42, "alice", "x:y:z")), (Push{42, "alice", "x:y:z"}));
}

// ---- parse_send ----

TEST(ParseSend, OneRecipient) {
    EXPECT_EQ(expect_request("bob: hi"), (SendRequest{{"bob"}, "hi"}));
}

TEST(ParseSend, ManyRecipients) {
    EXPECT_EQ(expect_request("bob:carol:dave: hello"),
              (SendRequest{{"bob", "carol", "dave"}, "hello"}));
}

TEST(ParseSend, MissingTrailingColonIsDiscarded) {
    EXPECT_EQ(expect_discard("bob hi"), SendDiscard::missing_trailing_colon);
    EXPECT_EQ(expect_discard("bob:carol hi"), SendDiscard::missing_trailing_colon);
}

TEST(ParseSend, NoSpaceIsDiscarded) {
    EXPECT_EQ(expect_discard("bob:hi"), SendDiscard::no_space);
    EXPECT_EQ(expect_discard("bob:"), SendDiscard::no_space);
    EXPECT_EQ(expect_discard(""), SendDiscard::no_space);
}

TEST(ParseSend, EmptyMessageIsDiscarded) {
    EXPECT_EQ(expect_discard("bob: "), SendDiscard::empty_text);
    EXPECT_EQ(expect_discard("bob:carol: "), SendDiscard::empty_text);
}

TEST(ParseSend, EmptyRecipientListIsDiscarded) {
    EXPECT_EQ(expect_discard(": hi"), SendDiscard::no_recipient);
    EXPECT_EQ(expect_discard(" hi"), SendDiscard::no_recipient);
    EXPECT_EQ(expect_discard(":::: hi"), SendDiscard::no_recipient);
    // With neither recipients nor text, the missing recipient is reported first.
    EXPECT_EQ(expect_discard(" "), SendDiscard::no_recipient);
}

TEST(ParseSend, EmptyNamesBetweenColonsAreSkipped) {
    EXPECT_EQ(expect_request("a::b: hi"), (SendRequest{{"a", "b"}, "hi"}));
    EXPECT_EQ(expect_request(":a:::b:: hi"), (SendRequest{{"a", "b"}, "hi"}));
}

TEST(ParseSend, TextKeepsColonsSpacesNulAndNonAscii) {
    EXPECT_EQ(expect_request("bob: a:b: c"), (SendRequest{{"bob"}, "a:b: c"}));
    EXPECT_EQ(expect_request("bob:  two  spaces "), (SendRequest{{"bob"}, " two  spaces "}));
    const std::string nul = "bob: a\0b\0"s;
    EXPECT_EQ(expect_request(nul), (SendRequest{{"bob"}, "a\0b\0"s}));
    const std::string high = "bob: \xff\xfe caf\xc3\xa9 \x80";
    EXPECT_EQ(expect_request(high), (SendRequest{{"bob"}, "\xff\xfe caf\xc3\xa9 \x80"}));
}

TEST(ParseSend, DuplicateRecipientsAreKept) {
    // Deduplication, if any, is the server's business; the grammar keeps what was written.
    EXPECT_EQ(expect_request("a:a: x"), (SendRequest{{"a", "a"}, "x"}));
}

TEST(ParseSend, DiscardReasonsAreDescribed) {
    for (const auto reason : {SendDiscard::no_space, SendDiscard::missing_trailing_colon,
                              SendDiscard::no_recipient, SendDiscard::empty_text}) {
        EXPECT_FALSE(describe(reason).empty());
        EXPECT_NE(describe(reason), "unknown");
    }
    EXPECT_NE(describe(SendDiscard::no_space), describe(SendDiscard::empty_text));
}

// ---- parse_push ----

TEST(ParsePush, Valid) {
    EXPECT_EQ(expect_push("1700000000:alice:hello"), (Push{1700000000, "alice", "hello"}));
    EXPECT_EQ(expect_push("0:a:b"), (Push{0, "a", "b"}));
    EXPECT_EQ(expect_push("18446744073709551615:a:b"), (Push{UINT64_MAX, "a", "b"}));
}

TEST(ParsePush, TextMayHoldColons) {
    EXPECT_EQ(expect_push("5:alice:a:b::c:"), (Push{5, "alice", "a:b::c:"}));
}

TEST(ParsePush, EmptyTextIsAllowed) {
    EXPECT_EQ(expect_push("5:alice:"), (Push{5, "alice", ""}));
}

TEST(ParsePush, TextMayHoldNulAndNonAscii) {
    EXPECT_EQ(expect_push("5:al:\0\xff"s), (Push{5, "al", "\0\xff"s}));
}

TEST(ParsePush, MissingColons) {
    EXPECT_NE(expect_push_error("1700000000"), "");
    EXPECT_NE(expect_push_error(""), "");
    EXPECT_NE(expect_push_error("1700000000:alice"), "");
}

TEST(ParsePush, NonNumericTimestamp) {
    for (const char* payload :
         {"abc:alice:x", ":alice:x", "12a:alice:x", "-1:alice:x", "+1:alice:x", " 1:alice:x",
          "1 :alice:x", "0x10:alice:x", "18446744073709551616:alice:x"}) {
        const auto reason = expect_push_error(payload);
        EXPECT_NE(reason.find("timestamp"), std::string::npos) << payload << ": " << reason;
    }
}

TEST(ParsePush, EmptySender) {
    EXPECT_NE(expect_push_error("5::text").find("sender"), std::string::npos);
}

// ---- parse_u64_body ----

TEST(ParseU64Body, EightBytes) {
    const auto result = parse_u64_body(hex("01 02 03 04 05 06 07 08"));
    ASSERT_TRUE(std::holds_alternative<std::uint64_t>(result));
    EXPECT_EQ(std::get<std::uint64_t>(result), 0x0102030405060708ULL);
    EXPECT_EQ(std::get<std::uint64_t>(parse_u64_body(hex("ff ff ff ff ff ff ff ff"))), UINT64_MAX);
    EXPECT_EQ(std::get<std::uint64_t>(parse_u64_body(encode_interval(25000000).substr(5))),
              25000000u);
}

TEST(ParseU64Body, WrongLengthsAreErrors) {
    for (const std::size_t n : {0u, 1u, 7u, 9u, 16u}) {
        const auto result = parse_u64_body(std::string(n, '\x01'));
        ASSERT_TRUE(std::holds_alternative<ParseError>(result)) << n;
        EXPECT_NE(std::get<ParseError>(result).reason.find(std::to_string(n)), std::string::npos)
            << std::get<ParseError>(result).reason;
    }
}

// ---- opcodes ----

TEST(Opcodes, KnownSet) {
    for (unsigned v = 0; v <= 0xff; ++v) {
        const bool expected = v == 0 || v == 1 || v == 2 || v == 4 || v == 5 || v == 7;
        EXPECT_EQ(is_known_opcode(static_cast<std::uint8_t>(v)), expected) << v;
    }
}

TEST(Opcodes, AsciiDigitHint) {
    const auto hint = ascii_opcode_hint('5');
    ASSERT_TRUE(hint.has_value());
    EXPECT_NE(hint->find("0x35"), std::string::npos) << *hint;
    EXPECT_NE(hint->find("'5'"), std::string::npos) << *hint;
    for (const char digit : {'0', '1', '2', '4', '5', '7'}) {
        EXPECT_TRUE(ascii_opcode_hint(static_cast<std::uint8_t>(digit)).has_value()) << digit;
    }
    // 3, 6, 8 and 9 are not opcodes, so their digits are just unknown bytes.
    for (const char digit : {'3', '6', '8', '9'}) {
        EXPECT_FALSE(ascii_opcode_hint(static_cast<std::uint8_t>(digit)).has_value()) << digit;
    }
    EXPECT_FALSE(ascii_opcode_hint('x').has_value());
    EXPECT_FALSE(ascii_opcode_hint(0x05).has_value());
    EXPECT_FALSE(ascii_opcode_hint('/').has_value());
    EXPECT_FALSE(ascii_opcode_hint(':').has_value());
}

TEST(Opcodes, Describe) {
    EXPECT_EQ(describe_opcode(0x00), "exit (0x00)");
    EXPECT_EQ(describe_opcode(0x01), "org-unit (0x01)");
    EXPECT_EQ(describe_opcode(0x02), "user (0x02)");
    EXPECT_EQ(describe_opcode(0x04), "setup (0x04)");
    EXPECT_EQ(describe_opcode(0x05), "message (0x05)");
    EXPECT_EQ(describe_opcode(0x07), "interval (0x07)");
    EXPECT_EQ(describe_opcode(0x09), "unknown (0x09)");
    EXPECT_EQ(describe_opcode(0x35), "unknown (0x35)");
    EXPECT_EQ(describe_opcode(0xff), "unknown (0xff)");
}

} // namespace
} // namespace xsime::protocol
