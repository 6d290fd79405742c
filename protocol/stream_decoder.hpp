// Incremental decoder of XSIME frames: bytes in arbitrary chunks, whole frames or precise errors
// out.
#pragma once

#include "protocol/byte_queue.hpp"
#include "protocol/header.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::protocol {

// Which side sent the bytes: the body that follows a header depends on it (opcode 5
// from a server with `sz` -1 is a bare status; from a client it is a negative size).
enum class Direction { to_server, to_client };

struct Frame {
    Header header;
    // The bytes after the header: the path or message for opcodes 1, 2, 5; the 8-byte
    // big-endian timestamp or interval for opcodes 4 and 7; empty for status replies.
    std::string payload;
    friend bool operator==(const Frame&, const Frame&) = default;
};

enum class ErrorKind {
    negative_size,     // `sz` < 0 where a payload length is expected
    oversized_payload, // `sz` > 16 * 1024
    unknown_opcode,    // not an opcode this direction may carry
};

struct ProtocolError {
    ErrorKind kind;
    Header header;
    // A fatal error leaves the stream unsynchronised: the session must close. A non-fatal
    // one (an unknown opcode with a sane `sz`) had its payload skipped; decoding goes on.
    bool fatal = true;
    std::string reason;
};

struct NeedMore {
    std::size_t missing = 0; // bytes still needed to complete the frame being read
};

using DecodeResult = std::variant<NeedMore, Frame, ProtocolError>;

struct DecodeStep {
    DecodeResult result;
    std::size_t consumed = 0; // bytes of the input that belong to the frame or the error
};

// Decodes one frame from the front of `input`; stateless.
DecodeStep decode_frame(std::string_view input, Direction direction);

class StreamDecoder {
public:
    explicit StreamDecoder(Direction direction) : direction_(direction) {}

    void feed(std::string_view bytes) { buffer_.append(bytes); }
    // The next frame, NeedMore until one is complete, or an error. After a fatal error
    // every call returns that error again: nothing after it can be trusted.
    DecodeResult next();

    // True while part of a frame is buffered (a header split across reads, a payload
    // not yet complete): the condition under which a read deadline applies.
    bool mid_frame() const { return !buffer_.empty(); }
    std::size_t buffered() const { return buffer_.size(); }
    // Bytes still needed to complete the frame being read (what decode_frame says of the
    // buffer): 5 when nothing is buffered, the body length by this direction's rules once
    // a header is. 0 when a whole frame (or a whole skippable unknown one) is buffered, or
    // after a fatal error.
    std::size_t missing() const;
    std::string take_buffered() {
        want_ = 0;
        return buffer_.take_all();
    }
    bool failed() const { return failed_.has_value(); }
    // Back to a new decoder's state (same direction), keeping the buffer's memory: a caller that
    // decodes many short streams (a fuzz target) does not allocate it again for each.
    void reset() {
        buffer_.clear();
        failed_.reset();
        want_ = 0;
    }

private:
    Direction direction_;
    ByteQueue buffer_;
    std::optional<ProtocolError> failed_;
    // The buffered size at which the frame being read can be complete, as the last NeedMore
    // measured it (0: not measured). Below it the answer is NeedMore without decoding again:
    // the bytes that decided it stay buffered, and a byte-by-byte feed no longer re-decodes
    // the header per byte.
    std::size_t want_ = 0;
};

} // namespace xsime::protocol
