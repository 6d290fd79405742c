// libFuzzer target: TfDecoder chunked == whole, re-encode round trip, take_buffered hand-over.
#include "protocol/tf_framing.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace {

using namespace xsime::protocol;

struct Outcome {
    std::vector<std::string> messages;
    std::optional<std::string> error; // sticky: nothing is decoded after it
    std::size_t missing = 0;          // only meaningful without an error
    friend bool operator==(const Outcome&, const Outcome&) = default;
};

void require(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

void drain(TfDecoder& decoder, Outcome& outcome) {
    while (!outcome.error) {
        auto result = decoder.next();
        if (auto* need = std::get_if<NeedMore>(&result)) {
            outcome.missing = need->missing;
            return;
        }
        if (auto* body = std::get_if<std::string>(&result)) {
            outcome.messages.push_back(std::move(*body));
        } else {
            outcome.error = std::move(std::get<TfError>(result).reason);
            outcome.missing = 0; // a NeedMore from an earlier chunk no longer applies
            // Sticky: asking again must give the same error.
            const auto again = decoder.next();
            require(std::holds_alternative<TfError>(again) &&
                    std::get<TfError>(again).reason == *outcome.error);
        }
    }
}

Outcome decode(std::string_view input, std::size_t chunk, std::size_t limit) {
    TfDecoder decoder(limit);
    Outcome outcome;
    for (std::size_t at = 0; at < input.size() && !outcome.error; at += chunk) {
        decoder.feed(input.substr(at, chunk));
        drain(decoder, outcome);
    }
    if (input.empty()) {
        drain(decoder, outcome);
    }
    if (!outcome.error) {
        // What is left after the decoded messages is exactly the partial one still buffered.
        std::size_t used = 0;
        for (const auto& message : outcome.messages) {
            used += tf_length_size + message.size();
        }
        require(used <= input.size());
        const std::size_t rest = input.size() - used;
        require(decoder.mid_frame() == (rest > 0));
        require(rest < tf_length_size ? outcome.missing == tf_length_size - rest
                                      : outcome.missing > 0);
    }
    return outcome;
}

// Decodes the first message with one decoder, then hands the rest over with take_buffered,
// as a session does when XSIME_START switches the connection to XSIME frames and back.
Outcome decode_with_handover(std::string_view input, std::size_t limit) {
    TfDecoder first(limit);
    first.feed(input);
    Outcome outcome;
    auto result = first.next();
    if (auto* body = std::get_if<std::string>(&result)) {
        outcome.messages.push_back(std::move(*body));
        TfDecoder second(limit);
        second.feed(first.take_buffered());
        require(!first.mid_frame());
        drain(second, outcome);
    } else {
        drain(first, outcome);
    }
    return outcome;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    // First byte: bits 0-5 the chunk size (1..64), bit 6 a small 16-byte message limit so
    // that over-limit lengths are reached often.
    const std::size_t chunk = static_cast<std::size_t>(data[0] & 0x3f) + 1;
    const std::size_t limit = (data[0] & 0x40) != 0 ? 16 : tf_default_max_message;
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

    const auto chunked = decode(input, chunk, limit);
    const auto whole = decode(input, input.empty() ? 1 : input.size(), limit);
    require(chunked == whole);
    require(decode_with_handover(input, limit) == whole);
    for (const auto& message : chunked.messages) {
        require(message.size() <= limit);
        const auto bytes = encode_tf_message(message);
        const auto step = decode_tf_message(bytes, limit);
        const auto* again = std::get_if<std::string>(&step.result);
        require(again != nullptr && *again == message && step.consumed == bytes.size());
    }
    return 0;
}
