// A network-fuzz case: the fixture's users and one script of messages per session, built from
// the grammar the scenarios use (XSIME_START, 4, 1, 2, 7, 5..., 0, re-entry), and what a
// correct server answers to the sessions that are still valid.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace xsime::netfuzz {

using Rng = std::mt19937_64;

enum class MessageKind : std::uint8_t { start, setup, org_unit, user, interval, send, exit, raw };

// One write's worth of bytes. A valid message knows its meaning (kind, text) so that the
// executor can tell what the answer must be; a mutated one is `raw`.
struct Message {
    MessageKind kind = MessageKind::raw;
    // The wire bytes; empty for an org_unit with org_ref (built when the case runs).
    std::string bytes;
    // Opcode 1 naming the case's own org unit ("/" + org): the name is only known at run time.
    bool org_ref = false;
    std::string text; // send: the text of a message to the session's own user
};

struct SessionScript {
    std::string user; // the fixture user this session logs in as
    std::vector<Message> messages;
    // Every message is as the grammar builds it (field mutations of a send's text keep it so):
    // the answers are known and checked.
    bool valid = true;
};

struct Case {
    std::vector<SessionScript> sessions;
    // The order of the writes: each entry sends the next message of that session.
    std::vector<std::size_t> schedule;
};

// The fixture users sessions log in as, one per session ("alice", "bob", "carol", ...).
std::string session_user(std::size_t index);
inline constexpr std::size_t max_sessions = 4;

// The bytes of `message` in a case whose org unit is `org` (org_ref filled in).
std::string wire_bytes(const Message& message, std::string_view org);
// Messages of the grammar.
Message start_message();
Message setup_message(std::int32_t flags, std::uint64_t timestamp);
Message org_ref_message();
Message user_message(std::string_view user);
Message interval_message(std::uint64_t nanoseconds);
Message send_message(std::string_view user, std::string_view text);
Message exit_message();
Message raw_message(std::string bytes);

// A valid session for `user`: log in (interval 1 ms), send 0-2 messages to itself, exit;
// sometimes exit first and re-enter with XSIME_START before sending.
SessionScript valid_session(std::string_view user, Rng& rng);
// 1-2 valid sessions, written one after the other.
Case valid_case(Rng& rng);
// The schedule that runs the sessions one after the other.
std::vector<std::size_t> sequential_schedule(const Case& fuzz_case);
// Keeps `schedule` consistent with the sessions' message counts (after a mutation).
void repair_schedule(Case& fuzz_case);

// How many more bytes a server reading `sent` (as the reference server does: TF messages
// until XSIME_START, frames until opcode 0) needs to complete the TF message or frame the bytes
// left open; 0 when none is open or the stream already broke.
std::size_t open_bytes(std::string_view sent);
// What ends a mutated session: open_bytes(sent) + 5 bytes of 0x7f, which complete the open
// unit and then read as a fatal header (or TF length): a correct server closes.
std::string closing_padding(std::string_view sent);

// The longest text a session of `user` can send to itself: its push "timestamp:user:text"
// must fit 16 KiB (10 timestamp digits assumed).
std::size_t max_text(std::string_view user);

} // namespace xsime::netfuzz
