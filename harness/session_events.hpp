// A session's connection and what happens on it while the runner waits: the one place that
// receives (TF replies before XSIME_START, frames after it) and says what arrived.
#pragma once

#include "harness/step_result.hpp"
#include "harness/transcript.hpp"
#include "harness/transport.hpp"
#include "protocol/stream_decoder.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

namespace xsime::harness {

enum class SessionLevel { tf, module };

struct Session {
    std::string name;
    std::unique_ptr<Connection> connection;
    SessionLevel level = SessionLevel::tf;
};

struct Event {
    enum class Kind { frame, tf_reply, protocol_error, closed, timeout, cancelled, error };
    Kind kind = Kind::timeout;
    protocol::Frame frame;
    protocol::ProtocolError protocol_error{};
    std::string text;                    // tf_reply: the body; closed/error: the transport's words
    bool reset = false;                  // closed: by a reset rather than an orderly close
    std::size_t partial = 0;             // timeout/closed: bytes buffered without a complete unit
    std::chrono::milliseconds waited{0}; // timeout: how long the wait lasted
    bool scenario_cut = false;           // timeout: the scenario deadline ended the wait
};

// What the runner receives next on a session: a TF reply or an XSIME frame.
enum class Unit { tf_reply, frame };

// Receives one unit before `deadline`, in slices of at most 100 ms so that `cancel` is seen
// promptly; records it in the transcript. A deadline at or past `scenario_deadline` marks a
// timeout as cut by the scenario deadline.
class EventReceiver {
public:
    EventReceiver(TranscriptRecorder& transcript, const std::atomic<bool>& cancel,
                  std::chrono::steady_clock::time_point scenario_deadline,
                  std::chrono::milliseconds scenario_timeout)
        : transcript_(transcript), cancel_(cancel), scenario_deadline_(scenario_deadline),
          scenario_timeout_(scenario_timeout) {}

    // When the harness plays the server (client under test), frames are the client's and are
    // described as such.
    void set_harness_is_server(bool value) { harness_is_server_ = value; }

    Event next(Session& session, Unit unit, std::chrono::steady_clock::time_point deadline);
    // Whatever just arrived (bytes are buffered), read briefly only to describe it.
    Event pending(Session& session);

    std::string describe(const Event& event) const;
    // The failure for an event that is not what `expected` describes.
    Stop unexpected(const Event& event, const std::string& expected) const;

private:
    std::string describe_frame(const protocol::Frame& frame) const;
    Event classify(Session& session, const TransportError& error,
                   std::chrono::steady_clock::time_point started,
                   std::chrono::steady_clock::time_point deadline);

    TranscriptRecorder& transcript_;
    const std::atomic<bool>& cancel_;
    std::chrono::steady_clock::time_point scenario_deadline_;
    std::chrono::milliseconds scenario_timeout_;
    bool harness_is_server_ = false;
};

// A sz that is sane only when read little-endian is a classic porting bug: " (sz 0x... read
// little-endian is N: ...)", or "" when it is not that.
std::string endianness_hint(std::int32_t sz);

std::string ms_text(std::chrono::milliseconds d);

// Whole milliseconds of a duration, for messages and deadlines.
inline std::chrono::milliseconds to_ms(std::chrono::steady_clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

// The longest single blocking call while waiting, so that a cancelled run is seen promptly.
inline constexpr std::chrono::milliseconds wait_slice{100};

// An opcode 5 frame with a payload: a push, which may arrive at any time in the module.
bool is_push(const protocol::Frame& frame);

} // namespace xsime::harness
