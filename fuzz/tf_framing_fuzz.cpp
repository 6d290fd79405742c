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

// Mode bit 6's message limit: over-limit lengths are reached often.
constexpr std::size_t small_limit = 16;

struct Outcome {
    std::vector<std::string> messages;
    std::optional<std::string> error; // sticky: nothing is decoded after it
    std::size_t missing = 0;          // only meaningful without an error
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

// Where a decode's results go: stored (the whole input's decode), or compared one by one with
// the stored ones as they come (the chunked and the handed-over decodes), so that those keep
// nothing.
class Sink {
public:
    // Stores every message in `outcome`.
    explicit Sink(Outcome& outcome) : outcome_(outcome) {}
    // Checks every message against `expected`, in order; outcome_ gets the error and the end
    // state only. `what` names the decode in a failed property.
    Sink(Outcome& outcome, const Outcome& expected, const char* what)
        : outcome_(outcome), expected_(&expected), what_(what) {}

    Outcome& outcome() { return outcome_; }

    void message(std::string&& body) {
        if (expected_ == nullptr) {
            outcome_.messages.push_back(std::move(body));
            return;
        }
        require(seen_ < expected_->messages.size() && expected_->messages[seen_] == body, what_);
        ++seen_;
    }

    // After the decode: every expected message was seen, and the end states agree.
    void finish() const {
        if (expected_ == nullptr) {
            return;
        }
        require(seen_ == expected_->messages.size() && outcome_.error == expected_->error &&
                    outcome_.missing == expected_->missing,
                what_);
    }

private:
    Outcome& outcome_;
    const Outcome* expected_ = nullptr;
    const char* what_ = "";
    std::size_t seen_ = 0;
};

// Decoders for the whole run, reset for each decode: they keep their buffers' memory, so a
// decode does not allocate it again. Two per limit: the hand-over needs a second one.
TfDecoder& fresh_decoder(std::size_t limit, int which) {
    static TfDecoder small[2] = {TfDecoder(small_limit), TfDecoder(small_limit)};
    static TfDecoder large[2] = {TfDecoder(tf_default_max_message),
                                 TfDecoder(tf_default_max_message)};
    auto& decoder = limit == tf_default_max_message ? large[which] : small[which];
    require(limit == tf_default_max_message || limit == small_limit, "a limit the decoders have");
    decoder.reset();
    return decoder;
}

void drain(TfDecoder& decoder, Sink& sink) {
    auto& outcome = sink.outcome();
    while (!outcome.error) {
        auto result = decoder.next();
        if (auto* need = std::get_if<NeedMore>(&result)) {
            outcome.missing = need->missing;
            return;
        }
        if (auto* body = std::get_if<std::string>(&result)) {
            sink.message(std::move(*body));
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

// Checks, once drained, what the decoder says it still holds against the bytes the messages
// did not use.
void check_rest(const TfDecoder& decoder, std::size_t input_size, std::size_t used,
                const Outcome& outcome) {
    if (outcome.error) {
        return;
    }
    require(used <= input_size, "messages within the input");
    const std::size_t rest = input_size - used;
    require(decoder.mid_frame() == (rest > 0), "mid_frame() == bytes of a partial message");
    require(rest < tf_length_size ? outcome.missing == tf_length_size - rest : outcome.missing > 0,
            "NeedMore counts the missing bytes");
}

// Bytes on the wire of the messages decoded so far (the stored ones: the whole decode's).
std::size_t wire_size(const std::vector<std::string>& messages) {
    std::size_t used = 0;
    for (const auto& message : messages) {
        used += tf_length_size + message.size();
    }
    return used;
}

void decode(std::string_view input, std::size_t chunk, std::size_t limit, Sink& sink,
            const Outcome& whole) {
    auto& decoder = fresh_decoder(limit, 0);
    auto& outcome = sink.outcome();
    outcome.clear();
    for (std::size_t at = 0; at < input.size() && !outcome.error; at += chunk) {
        decoder.feed(input.substr(at, chunk));
        drain(decoder, sink);
    }
    if (input.empty()) {
        drain(decoder, sink);
    }
    sink.finish();
    // What is left after the decoded messages is exactly the partial one still buffered (a
    // compared decode has the whole one's messages, checked above).
    check_rest(decoder, input.size(), wire_size(whole.messages), outcome);
}

// Decodes the first message with one decoder, then hands the rest over with take_buffered,
// as a session does when XSIME_START switches the connection to XSIME frames and back.
void decode_with_handover(std::string_view input, std::size_t limit, Sink& sink) {
    auto& first = fresh_decoder(limit, 0);
    first.feed(input);
    sink.outcome().clear();
    auto result = first.next();
    if (auto* body = std::get_if<std::string>(&result)) {
        sink.message(std::move(*body));
        auto& second = fresh_decoder(limit, 1);
        second.feed(first.take_buffered());
        require(!first.mid_frame(), "take_buffered() empties the decoder");
        drain(second, sink);
    } else {
        drain(first, sink);
    }
    sink.finish();
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
    const std::size_t limit =
        xsime::fuzz::bits(mode, 6, 1) != 0 ? small_limit : tf_default_max_message;
    const auto input = in.take_rest();

    // The whole input first, its messages kept; then the chunked decode and the hand-over,
    // each checked against them message by message.
    static Outcome whole;
    static Outcome other; // the end state of a checked decode
    Sink keep(whole);
    decode(input, input.empty() ? 1 : input.size(), limit, keep, whole);
    // An input no longer than a chunk is fed in one piece either way: the same calls, so the
    // chunked decode would repeat the whole one.
    if (chunk < input.size()) {
        Sink chunked(other, whole, "chunked == whole");
        decode(input, chunk, limit, chunked, whole);
    }
    // Without a first message there is nothing to hand over: the hand-over decode would make
    // the whole one's calls again.
    if (!whole.messages.empty()) {
        Sink handed_over(other, whole, "take_buffered() hand-over == whole");
        decode_with_handover(input, limit, handed_over);
    }
    for (const auto& message : whole.messages) {
        require(message.size() <= limit, "messages within the limit");
        const auto bytes = encode_tf_message(message);
        const auto step = decode_tf_message(bytes, limit);
        const auto* again = std::get_if<std::string>(&step.result);
        require(again != nullptr && *again == message && step.consumed == bytes.size(),
                "a message re-encoded decodes to itself");
    }
    whole.clear();
    other.clear();
    return 0;
}
