// TF PROTOCOL command framing: a 4-byte big-endian length, then that many bytes.
#pragma once

#include "protocol/byte_queue.hpp"
#include "protocol/stream_decoder.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::protocol {

inline constexpr std::size_t tf_length_size = 4;
// TF commands and replies are short text; anything larger is treated as garbage.
inline constexpr std::size_t tf_default_max_message = 64 * 1024;

// Replies of the TF command level.
inline constexpr std::string_view tf_ok = "OK";
inline constexpr std::string_view tf_unknown = "UNKNOWN";
inline constexpr std::string_view tf_xsime_start = "XSIME_START";
inline constexpr std::string_view tf_end = "END";

std::string encode_tf_message(std::string_view body);

struct TfError {
    std::string reason;
};

using TfDecodeResult = std::variant<NeedMore, std::string, TfError>;

struct TfDecodeStep {
    TfDecodeResult result;
    std::size_t consumed = 0;
};

// Decodes one TF message from the front of `input`; stateless.
TfDecodeStep decode_tf_message(std::string_view input,
                               std::size_t max_message = tf_default_max_message);

class TfDecoder {
public:
    explicit TfDecoder(std::size_t max_message = tf_default_max_message)
        : max_message_(max_message) {}

    void feed(std::string_view bytes) { buffer_.append(bytes); }
    // The next message body, NeedMore, or an error; errors are sticky (the length
    // prefix cannot be trusted, so neither can anything after it).
    TfDecodeResult next();
    bool mid_frame() const { return !buffer_.empty(); }
    // Bytes still needed to complete the message being read (what decode_tf_message says
    // of the buffer): 4 when nothing is buffered, the body length once the length is.
    // 0 when a whole message is buffered or after an error. A peer that cuts its writes
    // at message boundaries (the TF cipher's calls) learns the next call's size here.
    std::size_t missing() const;
    std::string take_buffered() {
        want_ = 0;
        return buffer_.take_all();
    }
    // Back to a new decoder's state (same limit), keeping the buffer's memory: a caller that
    // decodes many short streams (a fuzz target) does not allocate it again for each.
    void reset() {
        buffer_.clear();
        failed_.reset();
        want_ = 0;
    }

private:
    std::size_t max_message_;
    ByteQueue buffer_;
    std::optional<TfError> failed_;
    // The buffered size at which the message being read can be complete, as the last NeedMore
    // measured it (0: not measured); below it next() answers NeedMore without decoding again.
    std::size_t want_ = 0;
};

} // namespace xsime::protocol
