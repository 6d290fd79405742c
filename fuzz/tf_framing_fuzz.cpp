// libFuzzer target: TfDecoder chunked == whole, re-encode round trip, take_buffered hand-over.
#include "fuzz/fuzz_support.hpp"
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
using xsime::fuzz::require;

struct Outcome {
    std::vector<std::string> messages;
    std::optional<std::string> error; // sticky: nothing is decoded after it
    std::size_t missing = 0;          // only meaningful without an error
    friend bool operator==(const Outcome&, const Outcome&) = default;
    // Outcomes are reused across inputs: the vector keeps its capacity, so a run does not
    // allocate and free the same buffer for every input (under ASan each fresh allocation costs
    // a stack trace and, through the quarantine, new pages). Cleared again before the input
    // ends: libFuzzer re-runs an input under LeakSanitizer when it ends with more allocations
    // than frees, which messages kept until the next input would cause.
    void clear() {
        messages.clear();
        error.reset();
        missing = 0;
    }
};

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
                        std::get<TfError>(again).reason == *outcome.error,
                    "errors are sticky");
        }
    }
}

void decode(std::string_view input, std::size_t chunk, std::size_t limit, Outcome& outcome) {
    TfDecoder decoder(limit);
    outcome.clear();
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
        require(used <= input.size(), "messages within the input");
        const std::size_t rest = input.size() - used;
        require(decoder.mid_frame() == (rest > 0), "mid_frame() == bytes of a partial message");
        require(rest < tf_length_size ? outcome.missing == tf_length_size - rest
                                      : outcome.missing > 0,
                "NeedMore counts the missing bytes");
    }
}

// Decodes the first message with one decoder, then hands the rest over with take_buffered,
// as a session does when XSIME_START switches the connection to XSIME frames and back.
void decode_with_handover(std::string_view input, std::size_t limit, Outcome& outcome) {
    TfDecoder first(limit);
    first.feed(input);
    outcome.clear();
    auto result = first.next();
    if (auto* body = std::get_if<std::string>(&result)) {
        outcome.messages.push_back(std::move(*body));
        TfDecoder second(limit);
        second.feed(first.take_buffered());
        require(!first.mid_frame(), "take_buffered() empties the decoder");
        drain(second, outcome);
    } else {
        drain(first, outcome);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    xsime::fuzz::FuzzInput in(data, size);
    if (in.empty()) {
        return 0;
    }
    // First byte: bits 0-5 the chunk size (1..64), bit 6 a small 16-byte message limit so
    // that over-limit lengths are reached often.
    const auto mode = in.take_byte();
    const std::size_t chunk = xsime::fuzz::bits(mode, 0, 6) + 1;
    const std::size_t limit = xsime::fuzz::bits(mode, 6, 1) != 0 ? 16 : tf_default_max_message;
    const auto input = in.take_rest();

    static Outcome chunked;
    static Outcome whole;
    static Outcome handed_over;
    decode(input, chunk, limit, chunked);
    decode(input, input.empty() ? 1 : input.size(), limit, whole);
    require(chunked == whole, "chunked == whole");
    decode_with_handover(input, limit, handed_over);
    require(handed_over == whole, "take_buffered() hand-over == whole");
    for (const auto& message : chunked.messages) {
        require(message.size() <= limit, "messages within the limit");
        const auto bytes = encode_tf_message(message);
        const auto step = decode_tf_message(bytes, limit);
        const auto* again = std::get_if<std::string>(&step.result);
        require(again != nullptr && *again == message && step.consumed == bytes.size(),
                "a message re-encoded decodes to itself");
    }
    chunked.clear();
    whole.clear();
    handed_over.clear();
    return 0;
}
