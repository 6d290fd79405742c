// One connection's protocol logic with no I/O: bytes in; bytes, closes and mailbox actions out.
// The Asio session, the tests and the fuzzers all drive this same core.
#pragma once

#include "mock_server/faults.hpp"
#include "mock_server/mailbox.hpp"
#include "mock_server/user_locks.hpp"
#include "protocol/stream_decoder.hpp"
#include "protocol/tf_framing.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace xsime::mock {

// What the I/O layer must do after a call into the core, in this order: write `bytes`,
// then (once they are on the wire) remove `remove_after_write` (auto delete), then close
// if `close_reason` is set.
struct Removal {
    UserRef user;
    StoredMessage message;
};

struct CoreOutput {
    std::string bytes;
    // The pieces `bytes` is made of, in order: over the tf transport each is one cipher
    // call (docs/tf-transport.md, "How the call cuts work"). A TF message is its 4-byte
    // length, then its body; an XSIME frame its 5-byte header, then its payload. Their sum
    // is bytes.size(), and none is 0 (an empty body or payload is no call).
    std::vector<std::size_t> calls;
    std::vector<Removal> remove_after_write;
    std::optional<std::string> close_reason;

    bool empty() const { return bytes.empty() && remove_after_write.empty() && !close_reason; }
    // `later` after this: its bytes, calls and removals follow; its close, if any, wins.
    void append(CoreOutput later);
};

// Appends one TF message (`body` framed) to `out`, with its calls: the length, then the body.
void append_tf(CoreOutput& out, std::string_view body);

struct CoreSettings {
    // "default 25 ms" (DESIGN.md; the reference server's WRSLEEP_TM).
    std::chrono::nanoseconds default_interval = std::chrono::milliseconds(25);
    // An interval of 0 would make the server spin; shorter requests are raised to this.
    std::chrono::nanoseconds min_interval = std::chrono::milliseconds(1);
    // Deliberate mistakes for testing test suites (faults.hpp); none by default.
    Faults faults;
};

class SessionCore {
public:
    using Clock = std::function<std::uint64_t()>; // Unix seconds, for push timestamps
    using Logger = std::function<void(std::string_view)>;

    SessionCore(Mailbox& mailbox, UserLocks& locks, CoreSettings settings, Clock clock,
                Logger logger);
    ~SessionCore();
    SessionCore(const SessionCore&) = delete;
    SessionCore& operator=(const SessionCore&) = delete;

    // Bytes received from the client, in any chunking.
    CoreOutput receive(std::string_view bytes);
    // Called every interval(): pushes the messages that became due.
    CoreOutput poll_deliveries();
    // The connection closed: releases the unique-user hold.
    void on_close();

    bool in_module() const { return level_ == Level::module; }
    // True when opcodes 4, 1 and 2 have all succeeded and the session is in the module.
    bool delivering() const { return in_module() && ready(); }
    std::chrono::nanoseconds interval() const { return interval_; }
    // A partial TF message or XSIME frame is buffered: the read deadline applies.
    bool mid_frame() const;
    // The size of the client's next cipher call, for a caller that feeds the core whole
    // calls only: at the TF level 4, or the body length once the length is in; in the
    // module 5, or the payload length once a header is in (8 for setup and interval).
    // 0 once the session is closed.
    std::size_t next_call_size() const;
    bool closed() const { return closed_; }

private:
    enum class Level { tf, module };

    void handle_tf(CoreOutput& out);
    // MKDIR, TOUCH, DEL, RMDIR; false when `command` is none of them.
    bool handle_file_command(std::string_view command, CoreOutput& out);
    // FSTAT, LS, LSR, DATE; false when `command` is none of them.
    bool handle_read_command(std::string_view command, CoreOutput& out);
    // Sends the listing's next chunk as "CONT <data>", or "OK" when none is left.
    void send_listing_chunk(CoreOutput& out);
    // The client's answer to a chunk: CONT goes on, BREAK ends the listing with OK, and
    // anything else closes the connection.
    void continue_listing(std::string_view answer, CoreOutput& out);
    void handle_module(CoreOutput& out);
    void enter_module(CoreOutput& out);
    void leave_module(CoreOutput& out);
    void handle_frame(const protocol::Frame& frame, CoreOutput& out);
    // Fault::planted_crash, planted_hang and planted_escape (test-only).
    void plant_bugs(const protocol::Frame& frame);
    // Fault::payload_single_read: a partly received payload taken as the whole one.
    void take_short_payload(CoreOutput& out);
    void on_setup(const protocol::Frame& frame);
    void on_org_unit(const protocol::Frame& frame, CoreOutput& out);
    void on_user(const protocol::Frame& frame, CoreOutput& out);
    void on_message(const protocol::Frame& frame, CoreOutput& out);
    void on_interval(const protocol::Frame& frame);
    void close(CoreOutput& out, std::string reason);

    bool ready() const { return setup_done_ && org_ && user_; }
    bool try_hold_user();
    void release_user();
    void reset_cursor();
    bool fault(Fault which) const { return settings_.faults.has(which); }
    // Rewrites the headers of the frames in bytes[from..] per the wire-format faults.
    void apply_wire_faults(std::string& bytes, std::size_t from) const;

    Mailbox& mailbox_;
    UserLocks& locks_;
    CoreSettings settings_;
    Clock clock_;
    Logger log_;

    Level level_ = Level::tf;
    bool closed_ = false;
    // An LS or LSR listing is under way: the client owes CONT or BREAK for its last chunk,
    // and `listing_chunks_` holds the chunks not sent yet.
    bool listing_ = false;
    std::deque<std::string> listing_chunks_;
    protocol::TfDecoder tf_;
    protocol::StreamDecoder frames_{protocol::Direction::to_server};

    // Module configuration, remembered across XSIME_START until the connection closes.
    bool setup_done_ = false;
    bool unique_user_ = false;
    bool auto_delete_ = false;
    std::uint64_t since_ = 0; // push messages strictly newer than this timestamp
    std::chrono::nanoseconds interval_;
    std::optional<OrgUnitRef> org_;
    std::optional<UserRef> user_;
    std::optional<std::string> held_user_; // key in locks_ while flag 1 holds the user

    // Names already pushed by this session and still in the folder. A set, not a
    // "last name" cursor: with several sending threads a message can appear after one
    // that was numbered later, and a cursor would skip it for good.
    std::unordered_set<std::string> pushed_;
    ScanMemo scan_memo_;
    std::uint64_t pushes_seen_ = 0;   // for Fault::push_lost
    std::uint8_t last_opcode_ = 0xff; // for Fault::planted_crash
    bool stalled_ = false;            // Fault::planted_hang: reads nothing any more
};

} // namespace xsime::mock
