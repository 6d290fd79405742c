// Names and descriptions of the reference server's injectable faults.
#include "mock_server/faults.hpp"

#include <array>

namespace xsime::mock {
namespace {

constexpr std::array<FaultInfo, 20> faults{{
    {Fault::sz_little_endian, "sz_little_endian",
     "every reply and push header carries sz little-endian (pushes show it; 0 and -1 read the "
     "same either way)",
     "HDR-SZ-BIG-ENDIAN"},
    {Fault::ascii_opcodes, "ascii_opcodes",
     "every reply and push header carries the ASCII digit '0'+opcode instead of the raw byte",
     "OPCODES-RAW"},
    {Fault::no_org_reply, "no_org_reply", "opcode 1 (org unit) is never answered", "ORG-REPLY"},
    {Fault::wrong_status, "wrong_status",
     "opcode 2 naming a missing or refused user folder is answered 0 instead of -1 (the session "
     "is still not logged in)",
     "USER-REPLY,USER-MUST-EXIST"},
    {Fault::order_ignored, "order_ignored",
     "opcodes 1 and 2 are accepted (answered 0) before opcode 4", "ORDER-SETUP-FIRST"},
    {Fault::push_lost, "push_lost", "every 3rd push of a session is silently dropped",
     "DELIVERY-EXACTLY-ONCE"},
    {Fault::push_duplicated, "push_duplicated", "every push is sent twice",
     "DELIVERY-EXACTLY-ONCE"},
    {Fault::blacklist_ignored, "blacklist_ignored",
     "messages/blacklist/ is never consulted: blacklisted senders are delivered",
     "BLACKLIST-DISCARD"},
    {Fault::autodelete_ignored, "autodelete_ignored",
     "flag 2 (auto delete) never removes a pushed message", "SETUP-AUTODELETE,AUTODELETE-ONLY-NEW"},
    {Fault::timestamp_inclusive, "timestamp_inclusive",
     "the window is off by one: messages stamped exactly at the setup timestamp are pushed",
     "SETUP-TIMESTAMP,TIMESTAMP-RESUME"},
    {Fault::push_field_order, "push_field_order",
     "pushes are user:timestamp:message instead of timestamp:user:message", "PUSH-FORMAT"},
    {Fault::exit_no_echo, "exit_no_echo",
     "opcode 0 is not echoed (the server still returns to the TF level)", "EXIT-ECHO"},
    {Fault::user_limit_off_by_one, "user_limit_off_by_one",
     "a user name of exactly 128 bytes is refused with -1", "USER-MAX-128"},
    {Fault::send_truncates, "send_truncates",
     "a message whose push would exceed 16 KiB is cut to 16 KiB and delivered instead of "
     "answered -1",
     "SEND-NO-TRUNCATE"},
    {Fault::no_reenter_memory, "no_reenter_memory",
     "re-entering the module (XSIME_START after opcode 0) forgets setup, org unit and user",
     "REENTER-REMEMBERS"},
    {Fault::unique_user_ignored, "unique_user_ignored",
     "flag 1 (unique user) never refuses a second session of the same user", "SETUP-UNIQUE"},
    {Fault::same_second_loss, "same_second_loss",
     "stored messages are named by the second they arrived and a name already taken is not "
     "retried: only the first message per recipient and second is kept and pushed",
     "DELIVERY-EXACTLY-ONCE"},
    {Fault::timestamp_little_endian, "timestamp_little_endian",
     "opcode 4's 8-byte timestamp is read little-endian: any timestamp but 0 lies centuries "
     "ahead, so nothing is pushed",
     "SETUP-TIMESTAMP"},
    {Fault::interval_as_ms, "interval_as_ms",
     "opcode 7's interval is taken as milliseconds instead of nanoseconds: 5 ms becomes 83 "
     "minutes, so nothing is pushed after it",
     "INTERVAL-NS"},
    {Fault::payload_single_read, "payload_single_read",
     "the payload of opcodes 1, 2 and 5 is what one read brought: a payload split across "
     "segments (or over 4 KiB) is cut there and the rest is read as the next header",
     "SZ-READ-COUNT"},
}};

// Rare enough that the valid sequences never hit them, common enough that the network
// fuzzer's mutators do within seconds (tests/suite/netfuzz_planted_test.sh).
constexpr std::array<FaultInfo, 5> planted{{
    {Fault::planted_crash, "planted_crash",
     "test-only: the server aborts on opcode 5 with sz 0 when the frame before it was opcode 7",
     "ROBUST-BAD-FRAME"},
    {Fault::planted_hang, "planted_hang",
     "test-only: opcode 4 with flags -1 makes the session stop reading; it stays open",
     "ROBUST-BAD-FRAME"},
    {Fault::planted_spec, "planted_spec",
     "test-only: a push's text is cut at its first NUL byte, as strlen() would",
     "PUSH-SENDER-TEXT"},
    {Fault::planted_leak, "planted_leak",
     "test-only: every re-entry into the module (XSIME_START after opcode 0, once set up) opens "
     "/dev/null and never closes it: the server's open descriptors grow without bound",
     "ROBUST-CONCURRENT"},
    {Fault::planted_escape, "planted_escape",
     "test-only: a user name starting with '/' is looked up from the root, not the org unit, "
     "and messages/ and messages/blacklist/ are made in the folder it names there (for '/', the "
     "root itself) before the name is checked",
     "PATHS-JAIL"},
}};

const FaultInfo& info_of(Fault fault) {
    const auto index = static_cast<std::size_t>(fault);
    return index < faults.size() ? faults[index] : planted[index - faults.size()];
}

} // namespace

std::span<const FaultInfo> all_faults() {
    return faults;
}

std::span<const FaultInfo> planted_faults() {
    return planted;
}

std::string_view fault_name(Fault fault) {
    return info_of(fault).name;
}

std::string_view describe(Fault fault) {
    return info_of(fault).breaks;
}

std::vector<std::string_view> fault_clauses(Fault fault) {
    std::vector<std::string_view> out;
    std::string_view rest = info_of(fault).clauses;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        out.push_back(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    return out;
}

std::optional<Fault> parse_fault(std::string_view name) {
    for (const auto& table : {all_faults(), planted_faults()}) {
        for (const auto& info : table) {
            if (info.name == name) {
                return info.fault;
            }
        }
    }
    return std::nullopt;
}

std::string fault_names() {
    std::string out;
    for (const auto& info : faults) {
        out += (out.empty() ? "" : ", ") + std::string(info.name);
    }
    return out;
}

std::string Faults::to_string() const {
    std::string out;
    for (const auto& table : {all_faults(), planted_faults()}) {
        for (const auto& info : table) {
            if (has(info.fault)) {
                out += (out.empty() ? "" : ",") + std::string(info.name);
            }
        }
    }
    return out;
}

} // namespace xsime::mock
