// Deliberate faults the reference server can inject, to prove that a test suite catches them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xsime::mock {

// Each is a single mistake a real implementation might make. Off unless asked for
// (`serve --fault NAME`, `run --server-fault NAME`); docs/reference-server.md lists them.
enum class Fault : std::uint8_t {
    sz_little_endian,        // replies and pushes carry sz little-endian
    ascii_opcodes,           // replies and pushes carry '0' + opcode instead of the raw byte
    no_org_reply,            // opcode 1 is never answered
    wrong_status,            // opcode 2 on a missing user folder is answered 0
    order_ignored,           // opcodes 1 and 2 are accepted before opcode 4
    push_lost,               // every 3rd push of a session is silently dropped
    push_duplicated,         // every push is sent twice
    blacklist_ignored,       // messages/blacklist/ is never consulted
    autodelete_ignored,      // flag 2 never removes a pushed message
    timestamp_inclusive,     // messages stamped exactly at the setup timestamp are pushed
    push_field_order,        // pushes are user:timestamp:message
    exit_no_echo,            // opcode 0 is not echoed
    user_limit_off_by_one,   // a 128-byte user name is refused
    send_truncates,          // an oversized push is cut to 16 KiB instead of refused with -1
    no_reenter_memory,       // re-entering the module forgets setup, org unit and user
    unique_user_ignored,     // flag 1 never refuses a second session of the user
    same_second_loss,        // one message file per recipient and second: later ones are lost
    timestamp_little_endian, // opcode 4's 8-byte timestamp is read little-endian
    interval_as_ms,          // opcode 7's value is taken as milliseconds, not nanoseconds
    payload_single_read,     // a payload is whatever one read brought, not sz bytes
    // Planted bugs, test-only (planted_faults()): rare inputs that the network fuzzer must
    // find. Never in all_faults(), so the suite's fault tests do not expect them to be caught.
    planted_crash,  // abort() on a send with sz 0 right after opcode 7
    planted_hang,   // a setup with flags -1 makes the session stop reading, still open
    planted_spec,   // a push's text is cut at its first NUL byte (a C server's strlen)
    planted_leak,   // each re-entry into the module opens a descriptor and never closes it
    planted_escape, // a user name starting with '/' gets messages/ made under the root
};

struct FaultInfo {
    Fault fault;
    std::string_view name;   // as given on the command line
    std::string_view breaks; // one line: what a client sees
    // The ids (scenarios/clauses.json) of the clauses it breaks, separated by ','. A run
    // against the faulty server should report deviations from these and no others.
    std::string_view clauses;
};

// Every fault of the suite, in the order of the enum; without the planted bugs.
std::span<const FaultInfo> all_faults();
// The planted bugs (test-only, docs/network-fuzzer.md): parse_fault() accepts them, so
// `serve --fault` and `run --server-fault` do; all_faults() and fault_names() leave them out.
std::span<const FaultInfo> planted_faults();
std::string_view fault_name(Fault fault);
std::string_view describe(Fault fault);
// The ids of the clauses `fault` breaks (FaultInfo::clauses), in order.
std::vector<std::string_view> fault_clauses(Fault fault);
std::optional<Fault> parse_fault(std::string_view name);
// "a, b, c": every name, for usage messages.
std::string fault_names();

// A set of faults; empty (the correct server) by default.
class Faults {
public:
    Faults() = default;
    void add(Fault fault) { bits_ |= bit(fault); }
    bool has(Fault fault) const { return (bits_ & bit(fault)) != 0; }
    bool empty() const { return bits_ == 0; }
    // "name1,name2", or "" when empty.
    std::string to_string() const;

private:
    static std::uint32_t bit(Fault fault) {
        return std::uint32_t{1} << static_cast<unsigned>(fault);
    }
    std::uint32_t bits_ = 0;
};

} // namespace xsime::mock
