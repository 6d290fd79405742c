// The wire transcript of a case: recording each send, receive and close, and describing
// bytes readably ("→ setup (0x04) flags 2 ts 0", "← push 1700000000:alice:hello").
#pragma once

#include "harness/result.hpp"
#include "protocol/stream_decoder.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace xsime::harness {

// Printable ASCII as is, other bytes as \xNN, inside single quotes; longer than `limit`
// bytes: the first `limit` and "... (N bytes)".
std::string quote_bytes(std::string_view bytes, std::size_t limit = 120);

// `text` with line breaks turned into spaces, for one-line messages and reasons.
std::string one_line(std::string text);

// Which layer bytes belong to: TF command messages (length-prefixed) or XSIME frames.
enum class Layer { tf, xsime };

// Client → server bytes, decoded with the codec: every whole frame or TF message they hold,
// then any incomplete rest ("→ setup (0x04) flags 2 ts 0", "→ TF 'XSIME_START'",
// "→ 2 bytes: '\x05\x00'"). Several units are joined with "; ".
std::string describe_client_bytes(std::string_view bytes, Layer layer);

// Server → client bytes, when the harness plays the server (client under test): every whole
// frame or TF message they hold, then any incomplete rest.
std::string describe_server_bytes(std::string_view bytes, Layer layer);

// Server → client units, as the runner receives them.
std::string describe_server_frame(const protocol::Frame& frame);
// A client → server frame ("setup (0x04) flags 2 ts 0"), as the harness playing the server
// receives it.
std::string describe_client_frame(const protocol::Frame& frame);
std::string describe_protocol_error(const protocol::ProtocolError& error);
std::string describe_tf_reply(std::string_view body);

// The bytes that make up a received frame (re-encoded with the codec: the connection hands
// over decoded frames, and the encoding is exact).
std::string frame_bytes(const protocol::Frame& frame);

// Collects the entries of one case, with offsets from the case's start.
class TranscriptRecorder {
public:
    explicit TranscriptRecorder(std::chrono::steady_clock::time_point start) : start_(start) {}

    void sent(std::string_view session, std::string bytes, std::string decoded) {
        add(session, TranscriptEntry::Kind::sent, std::move(bytes), std::move(decoded));
    }
    void received(std::string_view session, std::string bytes, std::string decoded) {
        add(session, TranscriptEntry::Kind::received, std::move(bytes), std::move(decoded));
    }
    void closed(std::string_view session, std::string decoded) {
        add(session, TranscriptEntry::Kind::closed, {}, std::move(decoded));
    }
    void note(std::string_view session, std::string decoded) {
        add(session, TranscriptEntry::Kind::note, {}, std::move(decoded));
    }

    const std::vector<TranscriptEntry>& entries() const { return entries_; }
    std::vector<TranscriptEntry> take() { return std::move(entries_); }

private:
    void add(std::string_view session, TranscriptEntry::Kind kind, std::string bytes,
             std::string decoded);

    std::chrono::steady_clock::time_point start_;
    std::vector<TranscriptEntry> entries_;
};

} // namespace xsime::harness
