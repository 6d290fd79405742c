// Encoding and incremental decoding of TF length-prefixed messages.
#include "protocol/tf_framing.hpp"

#include "protocol/byte_order.hpp"

namespace xsime::protocol {

std::string encode_tf_message(std::string_view body) {
    std::string out;
    out.reserve(tf_length_size + body.size());
    append_be32(out, static_cast<std::uint32_t>(body.size()));
    out.append(body);
    return out;
}

namespace {

// "TF message length <length><what>", in one string reserved up front: every temporary of a
// chain of `+` would be an allocation (under a fuzzer's ASan, one with a stack trace).
std::string length_error(std::int32_t length, std::string_view what) {
    std::string reason;
    reason.reserve(80);
    reason += "TF message length ";
    reason += std::to_string(length);
    reason += what;
    return reason;
}

} // namespace

TfDecodeStep decode_tf_message(std::string_view input, std::size_t max_message) {
    if (input.size() < tf_length_size) {
        return {NeedMore{tf_length_size - input.size()}, 0};
    }
    // The length is a C int32 in real servers: a set top bit is a negative length.
    const auto length = static_cast<std::int32_t>(read_be32(input));
    if (length < 0) {
        return {TfError{length_error(length, " is negative")}, tf_length_size};
    }
    const auto body_size = static_cast<std::size_t>(length);
    if (body_size > max_message) {
        std::string reason = length_error(length, " exceeds the ");
        reason += std::to_string(max_message);
        reason += "-byte limit";
        return {TfError{std::move(reason)}, tf_length_size};
    }
    if (input.size() < tf_length_size + body_size) {
        return {NeedMore{tf_length_size + body_size - input.size()}, 0};
    }
    return {std::string(input.substr(tf_length_size, body_size)), tf_length_size + body_size};
}

std::size_t TfDecoder::missing() const {
    if (failed_) {
        return 0;
    }
    if (buffer_.size() < want_) {
        return want_ - buffer_.size();
    }
    // The stateless decoder holds the length rules; a complete message is copied out
    // only to be dropped, which costs at most one message's bytes per call.
    const auto step = decode_tf_message(buffer_.view(), max_message_);
    const auto* need = std::get_if<NeedMore>(&step.result);
    return need != nullptr ? need->missing : 0;
}

TfDecodeResult TfDecoder::next() {
    if (failed_) {
        return *failed_;
    }
    if (buffer_.size() < want_) {
        return NeedMore{want_ - buffer_.size()};
    }
    auto step = decode_tf_message(buffer_.view(), max_message_);
    if (const auto* need = std::get_if<NeedMore>(&step.result)) {
        want_ = buffer_.size() + need->missing;
        return std::move(step.result);
    }
    want_ = 0;
    buffer_.consume(step.consumed);
    if (const auto* error = std::get_if<TfError>(&step.result)) {
        failed_ = *error;
    }
    return std::move(step.result);
}

} // namespace xsime::protocol
