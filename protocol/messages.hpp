// Builders and parsers for every XSIME payload, in both directions.
#pragma once

#include "protocol/opcode.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xsime::protocol {

// Opcode 4 carries its options in `sz`, combined with '|'.
inline constexpr std::int32_t flag_unique_user = 1;
inline constexpr std::int32_t flag_auto_delete = 2;
// "The maximum allowed size for the user's name it's 128 bytes."
inline constexpr std::size_t max_user_name = 128;
// Opcode 4's timestamp and opcode 7's interval are 8 bytes, big-endian.
inline constexpr std::size_t u64_body_size = 8;

struct ParseError {
    std::string reason;
};

// ---- client → server frames (header and body, ready to write) ----
// `flags` is raw so that tests can send undefined bits.
std::string encode_setup(std::int32_t flags, std::uint64_t timestamp);
std::string encode_org_unit(std::string_view path);
std::string encode_user(std::string_view path);
std::string encode_interval(std::uint64_t nanoseconds);
std::string encode_exit();
// Opcode 5 from a client; the payload is format_send_payload(recipients, text).
std::string encode_send(std::span<const std::string> recipients, std::string_view text);
// "user1:user2: message": each user followed by ':', then one space, then the text.
std::string format_send_payload(std::span<const std::string> recipients, std::string_view text);

// ---- server → client frames ----
// A status reply is a header only: `sz` 0 for success, -1 for failure.
std::string encode_status(Opcode opcode, bool ok);
// Opcode 0 echoed by the server before it returns to the TF command level.
std::string encode_exit_echo();
// A push: opcode 5 with payload "timestamp:user:message".
std::string encode_push(std::string_view push_payload);
std::string format_push_payload(std::uint64_t timestamp, std::string_view sender,
                                std::string_view text);

// ---- parsers ----
// Opcode 4's and opcode 7's 8-byte big-endian body.
std::variant<std::uint64_t, ParseError> parse_u64_body(std::string_view body);

struct SendRequest {
    std::vector<std::string> recipients;
    std::string text;
    friend bool operator==(const SendRequest&, const SendRequest&) = default;
};

// Why a message is silently discarded ("If there is no indicated user, or no message
// is specified, the message is silently discarded."). Not an error: no reply is due.
enum class SendDiscard {
    no_space,               // nothing separates recipients from the text
    missing_trailing_colon, // the last recipient is not followed by ':'
    no_recipient,           // the recipient list is empty
    empty_text,             // nothing after the space
};
std::string_view describe(SendDiscard reason);

// Recipients are the ':'-terminated names before the first space; empty names
// between two colons are skipped. The text is every byte after that space.
std::variant<SendRequest, SendDiscard> parse_send(std::string_view payload);

struct Push {
    std::uint64_t timestamp = 0;
    std::string sender;
    std::string text;
    friend bool operator==(const Push&, const Push&) = default;
};

// "timestamp:user:message": decimal seconds, the sender, then the text (which may
// itself hold colons).
std::variant<Push, ParseError> parse_push(std::string_view payload);

} // namespace xsime::protocol
