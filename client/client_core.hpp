// The reference client's protocol logic with no I/O: application commands in, bytes for the
// server out; the server's bytes (or units a TF session decoded) in, events out.
#pragma once

#include "client/client_events.hpp"
#include "client/client_faults.hpp"
#include "protocol/stream_decoder.hpp"
#include "protocol/tf_framing.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xsime::client {

// What one call produced: bytes to write (in order, before the events are reported), events,
// and whether the client must now close the connection (a stream it can no longer read).
struct CoreOutput {
    std::string wire;
    std::vector<ClientEvent> events;
    bool close = false;
    std::string close_reason;

    void append(CoreOutput other);
};

// The command awaiting the server's answer: start (the TF reply), org_unit and user (their
// status), exit (the echo).
struct PendingCommand {
    std::uint64_t id = 0;
    Command command = Command::start;
};

class ClientCore {
public:
    // TF: commands and replies are TF messages. XSIME: in the module, frames with no prefix.
    enum class Level { tf, xsime };

    explicit ClientCore(ClientFaults faults = {}) : faults_(faults) {}

    // ---- application commands; a refused one is a failed CommandDone and no bytes ----
    CoreOutput start(std::uint64_t id);
    CoreOutput setup(std::uint64_t id, bool unique, bool auto_delete, std::uint64_t timestamp);
    CoreOutput org_unit(std::uint64_t id, std::string_view path);
    CoreOutput user(std::uint64_t id, std::string_view name);
    CoreOutput send(std::uint64_t id, std::span<const std::string> to, std::string_view text);
    CoreOutput interval(std::uint64_t id, std::uint64_t nanoseconds);
    CoreOutput exit(std::uint64_t id);

    // ---- from the server ----
    // Raw bytes in any chunks (the plain transport).
    CoreOutput receive(std::string_view bytes);
    // Units a TF session already cut and unpacked: a TF message while reading_frames() is
    // false, an XSIME frame (or the codec's error) while it is true.
    CoreOutput receive_tf_message(const protocol::TfDecodeResult& message);
    CoreOutput receive_frame(const protocol::DecodeResult& frame);
    bool reading_frames() const { return level_ == Level::xsime; }

    Level level() const { return level_; }
    bool busy() const { return pending_.has_value(); }
    const std::optional<PendingCommand>& pending() const { return pending_; }
    // Gives up on the pending command (its reply is late); a reply that comes after is an
    // unexpected one.
    std::optional<PendingCommand> abandon_pending();
    // A fatal error made the client close: nothing more is read.
    bool closed() const { return closed_; }

private:
    bool refuse_outside_module(CoreOutput& out, std::uint64_t id, Command command) const;
    void write_frame(CoreOutput& out, std::string frame) const;
    void finish(CoreOutput& out, bool ok, std::string reason = {});
    void fail_connection(CoreOutput& out, std::string reason);

    void on_tf_message(const std::string& body, CoreOutput& out);
    void on_frame(const protocol::Frame& frame, CoreOutput& out);
    void on_protocol_error(const protocol::ProtocolError& error, CoreOutput& out);
    void on_push(const protocol::Frame& frame, CoreOutput& out);
    void on_status(const protocol::Frame& frame, CoreOutput& out);
    void on_echo(const protocol::Frame& frame, CoreOutput& out);
    void enter_module();
    void leave_module();
    // push_trusts_sz: the payload of a push whose sz the codec refused, read anyway.
    bool trust_push(const protocol::ProtocolError& error, CoreOutput& out);
    void read_trusted_push(CoreOutput& out);

    ClientFaults faults_;
    Level level_ = Level::tf;
    std::optional<PendingCommand> pending_;
    bool echo_due_ = false; // opcode 0 sent, its echo not seen yet
    // The order 4 -> 1 -> 2, as far as the server confirmed it.
    bool setup_done_ = false;
    bool org_ok_ = false;
    bool user_ok_ = false;
    bool closed_ = false;
    // The plain transport's decoders; whatever one holds moves to the other at a level change.
    protocol::TfDecoder tf_;
    protocol::StreamDecoder frames_{protocol::Direction::to_client};
    std::optional<std::size_t> trusted_size_; // push_trusts_sz: a push of this many bytes
    std::string trusted_;
};

} // namespace xsime::client
