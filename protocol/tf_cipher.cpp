// The TF PROTOCOL session cipher and its chunk-assembling receiver.
#include "protocol/tf_cipher.hpp"

#include <stdexcept>

namespace xsime::protocol {

namespace {

bool valid_key_size(std::size_t size) {
    return size >= tf_session_key_min && size <= tf_session_key_max;
}

// "the first 8 bytes ... read as a little-endian integer"
std::uint64_t first_eight_le(std::string_view bytes) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        value |= std::uint64_t{static_cast<unsigned char>(bytes[i])} << (8 * i);
    }
    return value;
}

} // namespace

TfCipher::TfCipher(std::string_view session_key) : key_(session_key), seed_(0) {
    if (!valid_key_size(session_key.size())) {
        throw std::invalid_argument("TF session key of " + std::to_string(session_key.size()) +
                                    " bytes (must be 16..214)");
    }
    seed_ = first_eight_le(key_);
}

TfCipherResult TfCipher::create(std::string_view session_key) {
    if (!valid_key_size(session_key.size())) {
        return TfCipherError{"TF session key of " + std::to_string(session_key.size()) +
                             " bytes; it must be " + std::to_string(tf_session_key_min) + " to " +
                             std::to_string(tf_session_key_max) + " bytes"};
    }
    return TfCipher(session_key);
}

template <bool Pack>
void TfCipher::apply(char* data, std::size_t size) {
    const std::size_t n = key_.size();
    std::size_t i = index_; // restarts with every call (begin_call); S and K carry over
    for (std::size_t pos = 0; pos < size; ++pos) {
        const auto h = static_cast<unsigned char>(seed_ >> 56);
        const auto k = static_cast<unsigned char>(key_[i]);
        const auto in = static_cast<unsigned char>(data[pos]);
        const auto out = Pack ? static_cast<unsigned char>((in ^ k) + h)
                              : static_cast<unsigned char>(static_cast<unsigned char>(in - h) ^ k);
        data[pos] = static_cast<char>(out);
        // S = S * ((S >> 8) & 0xFFFFFFFF) + ((S >> 40) & 0xFFFF), wrapping at 64 bits. S is
        // signed in the reference, but both masks keep only bits below 56, which an arithmetic
        // and a logical shift agree on; unsigned arithmetic gives the wrap without UB.
        seed_ = seed_ * ((seed_ >> 8) & 0xFFFFFFFFu) + ((seed_ >> 40) & 0xFFFFu);
        if (seed_ == 0) {
            // A zero seed would stay zero forever; the reference reseeds from the current K.
            seed_ = first_eight_le(key_);
        }
        key_[i] = static_cast<char>(seed_ & 0xFFu);
        if (++i == n) {
            i = 0;
        }
    }
    index_ = i;
}

void TfCipher::pack(char* data, std::size_t size) {
    begin_call();
    apply<true>(data, size);
}

void TfCipher::unpack(char* data, std::size_t size) {
    begin_call();
    apply<false>(data, size);
}

void TfCipher::pack_part(char* data, std::size_t size) {
    apply<true>(data, size);
}

void TfCipher::unpack_part(char* data, std::size_t size) {
    apply<false>(data, size);
}

void TfCipher::pack(std::string& chunk) {
    pack(chunk.data(), chunk.size());
}

std::string TfCipher::pack(std::string_view chunk) {
    std::string out(chunk);
    pack(out);
    return out;
}

void TfCipher::unpack(std::string& chunk) {
    unpack(chunk.data(), chunk.size());
}

std::string TfCipher::unpack(std::string_view chunk) {
    std::string out(chunk);
    unpack(out);
    return out;
}

std::optional<std::string> TfCipherReceiver::take_chunk(std::size_t size) {
    if (buffer_.size() < size) {
        return std::nullopt;
    }
    std::string chunk(buffer_.view().substr(0, size));
    buffer_.consume(size);
    cipher_.unpack(chunk);
    return chunk;
}

TfDecodeResult TfCipherReceiver::next_tf_message(std::size_t max_message) {
    if (failed_) {
        return *failed_;
    }
    if (!pending_length_) {
        auto length_bytes = take_chunk(tf_length_size);
        if (!length_bytes) {
            return NeedMore{tf_length_size - buffer_.size()};
        }
        // The codec judges the length (negative as a C int32, over the limit); a zero-length
        // message is complete at once.
        auto step = decode_tf_message(*length_bytes, max_message);
        if (auto* error = std::get_if<TfError>(&step.result)) {
            failed_ = std::move(*error);
            return *failed_;
        }
        if (std::holds_alternative<std::string>(step.result)) {
            return std::string();
        }
        const auto length = std::get<NeedMore>(step.result).missing;
        pending_length_ = length;
    }
    auto body = take_chunk(*pending_length_);
    if (!body) {
        return NeedMore{*pending_length_ - buffer_.size()};
    }
    pending_length_.reset();
    return std::move(*body);
}

std::string pack_tf_message(TfCipher& cipher, std::string_view body) {
    auto wire = encode_tf_message(body);
    // Two calls, cut where real peers cut them: the length prefix, then the body (in this
    // order: the state carries over from one call to the next).
    cipher.pack(wire.data(), tf_length_size);
    cipher.pack(wire.data() + tf_length_size, wire.size() - tf_length_size);
    return wire;
}

} // namespace xsime::protocol
