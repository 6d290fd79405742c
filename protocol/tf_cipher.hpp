// The TF PROTOCOL session cipher (one direction's state) and a receiver that cuts TCP reads
// back into the sender's cipher calls; pure, no I/O.
#pragma once

#include "protocol/byte_queue.hpp"
#include "protocol/stream_decoder.hpp"
#include "protocol/tf_framing.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::protocol {

// "a random session key of 16 to 214 bytes": 214 is the most RSA-2048 OAEP-SHA1 can carry
// (256 - 2 * 20 - 2).
inline constexpr std::size_t tf_session_key_min = 16;
inline constexpr std::size_t tf_session_key_max = 214;

struct TfCipherError {
    std::string reason;
};

class TfCipher;
using TfCipherResult = std::variant<TfCipher, TfCipherError>;

// One direction of the session cipher: the sender packs, the receiver unpacks, each with its
// own instance made from the same session key. One call transforms one chunk; the key buffer
// and the seed carry over from call to call while the key index restarts at 0, so where the
// calls are cut is part of the protocol: a receiver must unpack exactly the chunks the sender
// packed (a TF message: the 4-byte length, then the body; an XSIME header: 5 bytes, then the
// payload; the 8-byte timestamp of opcode 4 and interval of opcode 7: 8 bytes each).
class TfCipher {
public:
    // Precondition: tf_session_key_min <= size <= tf_session_key_max; a violation is a bug of
    // the caller and throws std::invalid_argument. Use create() for keys from outside.
    explicit TfCipher(std::string_view session_key);
    // The cipher, or an error naming the size when the key is not 16..214 bytes.
    static TfCipherResult create(std::string_view session_key);

    // One cipher call each. The std::string& forms transform in place; the string_view forms
    // return a transformed copy (an lvalue std::string picks the in-place form).
    void pack(std::string& chunk);
    std::string pack(std::string_view chunk);
    void unpack(std::string& chunk);
    std::string unpack(std::string_view chunk);
    // The same on raw memory, for transports that cipher their buffers in place.
    void pack(char* data, std::size_t size);
    void unpack(char* data, std::size_t size);

    // One call in several pieces, for a sender that writes a call as TCP segments: begin_call()
    // restarts the key index, and each *_part continues the current call where the last piece
    // stopped (the cipher is byte-serial, so a piece's output never depends on later bytes).
    // pack(x) is begin_call() then pack_part(x).
    void begin_call() { index_ = 0; }
    void pack_part(char* data, std::size_t size);
    void unpack_part(char* data, std::size_t size);

    std::size_t key_size() const { return key_.size(); }

private:
    template <bool Pack>
    void apply(char* data, std::size_t size);

    std::string key_;       // K: starts as the session key, rewritten byte by byte
    std::uint64_t seed_;    // S: kept as the bits of the spec's signed 64-bit integer
    std::size_t index_ = 0; // i: position in K, restarted by every call
};

// The receiving side of one direction: collects wire bytes as TCP delivers them and unpacks
// them only in the chunks the sender packed (TCP segmentation is independent of cipher calls,
// so a chunk is unpacked only once all its bytes are here).
class TfCipherReceiver {
public:
    explicit TfCipherReceiver(TfCipher cipher) : cipher_(std::move(cipher)) {}

    void feed(std::string_view wire) { buffer_.append(wire); }
    std::size_t buffered() const { return buffer_.size(); }

    // One cipher call of `size` bytes: when that many wire bytes are buffered they are
    // removed, unpacked as one call and returned; otherwise nullopt and nothing changes.
    std::optional<std::string> take_chunk(std::size_t size);

    // One TF message (two calls: the 4-byte big-endian length, then the body). NeedMore while
    // incomplete (the unpacked length is kept between calls); an error when the length
    // exceeds `max_message` (sticky: the stream cannot be resynchronised after it).
    TfDecodeResult next_tf_message(std::size_t max_message = tf_default_max_message);

    // True while part of a chunk or of a TF message is buffered or pending.
    bool mid_chunk() const { return !buffer_.empty() || pending_length_.has_value(); }

private:
    TfCipher cipher_;
    ByteQueue buffer_;
    std::optional<std::size_t> pending_length_; // a TF length already unpacked, body not yet
    std::optional<TfError> failed_;
};

// The sending side of a TF message: two calls, the 4-byte length then the body; returns the
// wire bytes.
std::string pack_tf_message(TfCipher& cipher, std::string_view body);

} // namespace xsime::protocol
