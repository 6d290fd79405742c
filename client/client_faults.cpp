// The client faults' table and the rewrites they make to the wire.
#include "client/client_faults.hpp"

#include "protocol/byte_order.hpp"
#include "protocol/header.hpp"
#include "protocol/opcode.hpp"

#include <algorithm>
#include <array>

namespace xsime::client {

namespace {

constexpr std::array<ClientFaultInfo, 10> table{{
    {ClientFault::sz_counts_characters, "sz_counts_characters",
     "sz of opcodes 1, 2 and 5 counts UTF-8 code points instead of bytes",
     "SEND-SZ, HDR-SZ-PAYLOAD-SIZE"},
    {ClientFault::sz_little_endian, "sz_little_endian",
     "every header's sz is written little-endian", "HDR-SZ-BIG-ENDIAN"},
    {ClientFault::setup_skipped, "setup_skipped",
     "setup sends nothing and reports ok, so opcode 1 goes before opcode 4", "ORDER-SETUP-FIRST"},
    {ClientFault::exit_no_wait, "exit_no_wait",
     "exit reports ok as soon as opcode 0 is sent and drops pushes that arrive before the echo",
     "EXIT-ECHO"},
    {ClientFault::push_split_last_colon, "push_split_last_colon",
     "a push's text starts after its last colon, not after the second field",
     "PUSH-FORMAT, PUSH-SENDER-TEXT"},
    {ClientFault::push_trusts_sz, "push_trusts_sz",
     "a push with sz over 16 KiB or below -1 is read as a message instead of an error (plain "
     "transport)",
     "SZ-NEVER-EXCEEDS, BUF-MAX, ROBUST-BAD-FRAME"},
    {ClientFault::send_no_space, "send_no_space",
     "a send's payload has no space after the last recipient's colon", "SEND-SYNTAX"},
    {ClientFault::long_user_sent, "long_user_sent",
     "user names over 128 bytes are sent instead of refused", "USER-MAX-128"},
    {ClientFault::ascii_opcodes, "ascii_opcodes",
     "opcodes are sent as the ASCII digits '0'..'7' instead of raw bytes", "OPCODES-RAW"},
    {ClientFault::setup_timestamp_zero, "setup_timestamp_zero",
     "opcode 4 always carries timestamp 0, whatever the application asked",
     "SETUP-TIMESTAMP, TIMESTAMP-RESUME"},
}};

bool has_sized_payload(std::uint8_t opcode) {
    using protocol::Opcode;
    return opcode == protocol::raw(Opcode::org_unit) || opcode == protocol::raw(Opcode::user) ||
           opcode == protocol::raw(Opcode::message);
}

} // namespace

std::span<const ClientFaultInfo> client_fault_table() {
    return table;
}

std::optional<ClientFault> client_fault_named(std::string_view name) {
    for (const auto& info : table) {
        if (info.name == name) {
            return info.fault;
        }
    }
    return std::nullopt;
}

std::size_t count_code_points(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

void rewrite_header(const ClientFaults& faults, std::string& frame) {
    if (frame.size() < protocol::header_size) {
        return;
    }
    auto header = protocol::decode_header(frame);
    if (faults.has(ClientFault::sz_counts_characters) && has_sized_payload(header.opcode)) {
        const auto payload = std::string_view(frame).substr(protocol::header_size);
        header.sz = static_cast<std::int32_t>(count_code_points(payload));
    }
    std::string head;
    protocol::append_header(head, header);
    if (faults.has(ClientFault::sz_little_endian)) {
        std::reverse(head.begin() + 1, head.end());
    }
    if (faults.has(ClientFault::ascii_opcodes)) {
        head[0] = static_cast<char>('0' + header.opcode);
    }
    frame.replace(0, protocol::header_size, head);
}

std::string send_payload_without_space(std::span<const std::string> recipients,
                                       std::string_view text) {
    auto payload = protocol::format_send_payload(recipients, text);
    payload.erase(payload.size() - text.size() - 1, 1); // the space before the text
    return payload;
}

std::variant<protocol::Push, protocol::ParseError>
parse_push_at_last_colon(std::string_view payload) {
    auto parsed = protocol::parse_push(payload);
    if (auto* push = std::get_if<protocol::Push>(&parsed)) {
        // The defect: whatever colon the text holds, the last one ends the sender.
        const std::string rest = push->sender + ':' + push->text;
        const auto last = rest.rfind(':');
        push->sender = rest.substr(0, last);
        push->text = rest.substr(last + 1);
    }
    return parsed;
}

} // namespace xsime::client
