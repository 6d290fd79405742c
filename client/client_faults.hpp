// Deliberate defects of the reference client (`client-driver --client-fault NAME`), each a
// realistic kind of client bug, so that the client suite can be shown to catch them.
#pragma once

#include "protocol/messages.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::client {

enum class ClientFault : std::uint8_t {
    sz_counts_characters,  // sz of opcodes 1/2/5 counts UTF-8 code points
    sz_little_endian,      // every header's sz little-endian
    setup_skipped,         // setup sends nothing and reports ok
    exit_no_wait,          // exit is ok once opcode 0 is sent; pushes before the echo dropped
    push_split_last_colon, // a push's sender runs to its last colon
    push_trusts_sz,        // a push with sz < 0 or > 16 KiB is read as a message
    send_no_space,         // "to1:to2:text", no space after the last colon
    long_user_sent,        // user names over 128 bytes are sent
    ascii_opcodes,         // opcodes as ASCII digits
    setup_timestamp_zero,  // opcode 4's timestamp always 0
};

struct ClientFaultInfo {
    ClientFault fault;
    std::string_view name;
    std::string_view breaks;  // what the defect does, for --list-client-faults
    std::string_view clauses; // the clause ids of scenarios/clauses.json it breaks, ", "-separated
};

std::span<const ClientFaultInfo> client_fault_table();
std::optional<ClientFault> client_fault_named(std::string_view name);

// The set of faults a client runs with; empty by default, and then every check is one test of
// an integer.
class ClientFaults {
public:
    void enable(ClientFault fault) { bits_ |= bit(fault); }
    bool has(ClientFault fault) const { return (bits_ & bit(fault)) != 0; }
    bool any() const { return bits_ != 0; }
    // Any fault that rewrites the header of a frame already encoded.
    bool rewrites_headers() const {
        return (bits_ & (bit(ClientFault::sz_counts_characters) |
                         bit(ClientFault::sz_little_endian) | bit(ClientFault::ascii_opcodes))) !=
               0;
    }

private:
    static constexpr std::uint32_t bit(ClientFault fault) {
        return std::uint32_t{1} << static_cast<unsigned>(fault);
    }
    std::uint32_t bits_ = 0;
};

// Rewrites the header of one encoded client frame (header then body) in place for the faults
// sz_counts_characters, sz_little_endian and ascii_opcodes.
void rewrite_header(const ClientFaults& faults, std::string& frame);

// send_no_space: "to1:to2:text".
std::string send_payload_without_space(std::span<const std::string> recipients,
                                       std::string_view text);

// push_split_last_colon: the timestamp up to the first colon, the sender up to the last one.
std::variant<protocol::Push, protocol::ParseError>
parse_push_at_last_colon(std::string_view payload);

// Code points of UTF-8 text, counting every byte that does not continue a sequence.
std::size_t count_code_points(std::string_view text);

} // namespace xsime::client
