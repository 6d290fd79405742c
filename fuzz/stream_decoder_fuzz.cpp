// libFuzzer target: StreamDecoder chunked == whole, and every frame survives a re-encode.
#include "fuzz/fuzz_support.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/stream_decoder.hpp"

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

// ProtocolError has no operator==; this is everything about it a caller can observe.
struct ErrorSeen {
    ErrorKind kind;
    Header header;
    bool fatal;
    std::string reason;
    friend bool operator==(const ErrorSeen&, const ErrorSeen&) = default;
};

using Event = std::variant<Frame, ErrorSeen>;

struct Outcome {
    std::vector<Event> events;
    bool failed = false;
    // Only meaningful when !failed: what the decoder still waits for.
    std::size_t missing = 0;
    std::size_t buffered = 0;
    friend bool operator==(const Outcome&, const Outcome&) = default;
    void clear() {
        events.clear();
        failed = false;
        missing = 0;
        buffered = 0;
    }
};

// Pulls results until the decoder needs more bytes or has failed for good.
void drain(StreamDecoder& decoder, Outcome& outcome) {
    while (!outcome.failed) {
        auto result = decoder.next();
        if (std::holds_alternative<NeedMore>(result)) {
            return;
        }
        if (auto* frame = std::get_if<Frame>(&result)) {
            outcome.events.emplace_back(std::move(*frame));
        } else {
            auto& error = std::get<ProtocolError>(result);
            outcome.failed = error.fatal;
            outcome.events.emplace_back(
                ErrorSeen{error.kind, error.header, error.fatal, std::move(error.reason)});
        }
    }
}

// Writes into `outcome`, which the caller reuses across inputs: its vector keeps its capacity,
// so a run does not allocate and free the same buffer for every input (under ASan each fresh
// allocation costs a stack trace and, through the quarantine, new pages). The caller clears it
// before returning: libFuzzer re-runs an input under LeakSanitizer when it ends with more
// allocations than frees, which the frames' payloads kept until the next input would cause.
void decode(std::string_view input, Direction direction, std::size_t chunk, Outcome& outcome) {
    StreamDecoder decoder(direction);
    outcome.clear();
    for (std::size_t at = 0; at < input.size() && !outcome.failed; at += chunk) {
        decoder.feed(input.substr(at, chunk));
        drain(decoder, outcome);
    }
    if (outcome.failed) {
        require(decoder.failed(), "a fatal error leaves the decoder failed");
    } else {
        require(!decoder.failed(), "no fatal error, yet the decoder is failed");
        const auto pending = decoder.next();
        require(std::holds_alternative<NeedMore>(pending), "a drained decoder says NeedMore");
        outcome.missing = std::get<NeedMore>(pending).missing;
        outcome.buffered = decoder.buffered();
        // Once drained, the decoder holds bytes exactly when it is inside a frame.
        require(decoder.mid_frame() == (outcome.buffered > 0), "mid_frame() == bytes buffered");
        require(outcome.missing > 0, "NeedMore needs at least one byte");
    }
}

void check_frame(const Frame& frame, Direction direction) {
    require(frame.payload.size() <= static_cast<std::size_t>(max_payload),
            "payload within the 16 KiB limit");
    std::string bytes;
    append_header(bytes, frame.header);
    bytes += frame.payload;
    const auto step = decode_frame(bytes, direction);
    const auto* again = std::get_if<Frame>(&step.result);
    require(again != nullptr && *again == frame && step.consumed == bytes.size(),
            "a frame re-encoded decodes to itself");

    // The payload parsers must accept or reject anything without crashing, and what they
    // accept must read back the same once formatted again.
    if (frame.header.opcode == raw(Opcode::message) && direction == Direction::to_server) {
        const auto parsed = parse_send(frame.payload);
        if (const auto* request = std::get_if<SendRequest>(&parsed)) {
            const auto reparsed =
                parse_send(format_send_payload(request->recipients, request->text));
            require(std::holds_alternative<SendRequest>(reparsed) &&
                        std::get<SendRequest>(reparsed) == *request,
                    "parse_send survives format_send_payload");
        }
    }
    if (frame.header.opcode == raw(Opcode::message) && direction == Direction::to_client &&
        frame.header.sz >= 0) {
        const auto parsed = parse_push(frame.payload);
        if (const auto* push = std::get_if<Push>(&parsed)) {
            const auto reparsed =
                parse_push(format_push_payload(push->timestamp, push->sender, push->text));
            require(std::holds_alternative<Push>(reparsed) && std::get<Push>(reparsed) == *push,
                    "parse_push survives format_push_payload");
        }
    }
    if (direction == Direction::to_server && (frame.header.opcode == raw(Opcode::setup) ||
                                              frame.header.opcode == raw(Opcode::interval))) {
        require(std::holds_alternative<std::uint64_t>(parse_u64_body(frame.payload)),
                "opcode 4/7 bodies are 8 bytes");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    xsime::fuzz::FuzzInput in(data, size);
    if (in.empty()) {
        return 0;
    }
    // First byte: bit 0 the direction, the rest the chunk size (1..128 bytes).
    const auto mode = in.take_byte();
    const auto direction =
        xsime::fuzz::bits(mode, 0, 1) != 0 ? Direction::to_client : Direction::to_server;
    const std::size_t chunk = xsime::fuzz::bits(mode, 1, 7) + 1;
    const auto input = in.take_rest();

    static Outcome chunked;
    static Outcome whole;
    decode(input, direction, chunk, chunked);
    decode(input, direction, input.empty() ? 1 : input.size(), whole);
    require(chunked == whole, "chunked == whole");
    for (const auto& event : chunked.events) {
        if (const auto* frame = std::get_if<Frame>(&event)) {
            check_frame(*frame, direction);
        }
    }
    chunked.clear();
    whole.clear();
    return 0;
}
