// Payload grammar of the XSIME opcodes: setup, paths, messages, pushes, interval.
#include "protocol/messages.hpp"

#include "protocol/byte_order.hpp"
#include "protocol/header.hpp"

#include <charconv>

namespace xsime::protocol {
namespace {

std::string header_then(Opcode opcode, std::int32_t sz, std::string_view body) {
    std::string out;
    out.reserve(header_size + body.size());
    append_header(out, Header{raw(opcode), sz});
    out.append(body);
    return out;
}

std::string with_payload(Opcode opcode, std::string_view payload) {
    return header_then(opcode, static_cast<std::int32_t>(payload.size()), payload);
}

} // namespace

std::string encode_setup(std::int32_t flags, std::uint64_t timestamp) {
    std::string body;
    append_be64(body, timestamp);
    return header_then(Opcode::setup, flags, body);
}

std::string encode_org_unit(std::string_view path) {
    return with_payload(Opcode::org_unit, path);
}

std::string encode_user(std::string_view path) {
    return with_payload(Opcode::user, path);
}

std::string encode_interval(std::uint64_t nanoseconds) {
    std::string body;
    append_be64(body, nanoseconds);
    return header_then(Opcode::interval, static_cast<std::int32_t>(u64_body_size), body);
}

std::string encode_exit() {
    return encode_header(Header{raw(Opcode::exit), 0});
}

std::string format_send_payload(std::span<const std::string> recipients, std::string_view text) {
    std::string payload;
    for (const auto& recipient : recipients) {
        payload += recipient;
        payload += ':';
    }
    payload += ' ';
    payload += text;
    return payload;
}

std::string encode_send(std::span<const std::string> recipients, std::string_view text) {
    return with_payload(Opcode::message, format_send_payload(recipients, text));
}

std::string encode_status(Opcode opcode, bool ok) {
    return encode_header(Header{raw(opcode), ok ? status_ok : status_failed});
}

std::string encode_exit_echo() {
    return encode_header(Header{raw(Opcode::exit), status_ok});
}

std::string encode_push(std::string_view push_payload) {
    return with_payload(Opcode::message, push_payload);
}

std::string format_push_payload(std::uint64_t timestamp, std::string_view sender,
                                std::string_view text) {
    std::string payload = std::to_string(timestamp);
    payload.reserve(payload.size() + sender.size() + text.size() + 2);
    payload += ':';
    payload += sender;
    payload += ':';
    payload += text;
    return payload;
}

std::variant<std::uint64_t, ParseError> parse_u64_body(std::string_view body) {
    if (body.size() != u64_body_size) {
        return ParseError{"expected 8 bytes, got " + std::to_string(body.size())};
    }
    return read_be64(body);
}

std::string_view describe(SendDiscard reason) {
    switch (reason) {
    case SendDiscard::no_space:
        return "no space separates the recipients from the message";
    case SendDiscard::missing_trailing_colon:
        return "the last recipient is not followed by ':'";
    case SendDiscard::no_recipient:
        return "no recipient is given";
    case SendDiscard::empty_text:
        return "the message is empty";
    }
    return "unknown";
}

std::variant<SendRequest, SendDiscard> parse_send(std::string_view payload) {
    const auto space = payload.find(' ');
    if (space == std::string_view::npos) {
        return SendDiscard::no_space;
    }
    const auto list = payload.substr(0, space);
    if (!list.empty() && list.back() != ':') {
        return SendDiscard::missing_trailing_colon;
    }
    SendRequest request;
    std::size_t start = 0;
    while (start < list.size()) {
        const auto colon = list.find(':', start);
        if (colon > start) {
            request.recipients.emplace_back(list.substr(start, colon - start));
        }
        start = colon + 1;
    }
    if (request.recipients.empty()) {
        return SendDiscard::no_recipient;
    }
    request.text = payload.substr(space + 1);
    if (request.text.empty()) {
        return SendDiscard::empty_text;
    }
    return request;
}

std::variant<Push, ParseError> parse_push(std::string_view payload) {
    const auto first = payload.find(':');
    if (first == std::string_view::npos) {
        return ParseError{"push has no ':' after the timestamp"};
    }
    const auto digits = payload.substr(0, first);
    Push push;
    const auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), push.timestamp);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) {
        return ParseError{"push timestamp '" + std::string(digits) +
                          "' is not a decimal number of seconds"};
    }
    const auto second = payload.find(':', first + 1);
    if (second == std::string_view::npos) {
        return ParseError{"push has no ':' after the sender"};
    }
    push.sender = payload.substr(first + 1, second - first - 1);
    if (push.sender.empty()) {
        return ParseError{"push has an empty sender"};
    }
    push.text = payload.substr(second + 1);
    return push;
}

} // namespace xsime::protocol
