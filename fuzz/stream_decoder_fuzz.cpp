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
    void clear() {
        events.clear();
        failed = false;
        missing = 0;
        buffered = 0;
    }
};

// Where a decode's events go: stored (the whole input's decode), or compared one by one with the
// stored ones as they come (the chunked decode), so that the second decode keeps nothing.
class Sink {
public:
    // Stores every event in `outcome`.
    explicit Sink(Outcome& outcome) : outcome_(outcome) {}
    // Checks every event against `expected`, in order; outcome_ gets the end state only.
    Sink(Outcome& outcome, const Outcome& expected) : outcome_(outcome), expected_(&expected) {}

    Outcome& outcome() { return outcome_; }

    void frame(Frame&& frame) {
        if (expected_ == nullptr) {
            outcome_.events.emplace_back(std::move(frame));
            return;
        }
        const auto* want = next_expected();
        const auto* same = want != nullptr ? std::get_if<Frame>(want) : nullptr;
        require(same != nullptr && *same == frame, "chunked == whole: a frame");
    }

    void error(ProtocolError&& error) {
        outcome_.failed = error.fatal;
        if (expected_ == nullptr) {
            outcome_.events.emplace_back(
                ErrorSeen{error.kind, error.header, error.fatal, std::move(error.reason)});
            return;
        }
        const auto* want = next_expected();
        const auto* same = want != nullptr ? std::get_if<ErrorSeen>(want) : nullptr;
        require(same != nullptr && *same == ErrorSeen{error.kind, error.header, error.fatal,
                                                      std::move(error.reason)},
                "chunked == whole: an error");
    }

    // After the decode: every expected event was seen, and the end states agree.
    void finish() const {
        if (expected_ == nullptr) {
            return;
        }
        require(seen_ == expected_->events.size() && outcome_.failed == expected_->failed &&
                    outcome_.missing == expected_->missing &&
                    outcome_.buffered == expected_->buffered,
                "chunked == whole: the events and the end state");
    }

private:
    const Event* next_expected() {
        return seen_ < expected_->events.size() ? &expected_->events[seen_++] : nullptr;
    }

    Outcome& outcome_;
    const Outcome* expected_ = nullptr;
    std::size_t seen_ = 0;
};

// One decoder per direction for the whole run, reset for each decode: it keeps its buffer's
// memory, so a decode does not allocate it again (see Outcome's vector below).
StreamDecoder& fresh_decoder(Direction direction) {
    static StreamDecoder to_server(Direction::to_server);
    static StreamDecoder to_client(Direction::to_client);
    auto& decoder = direction == Direction::to_server ? to_server : to_client;
    decoder.reset();
    return decoder;
}

// Pulls results until the decoder needs more bytes or has failed for good.
void drain(StreamDecoder& decoder, Sink& sink) {
    while (!sink.outcome().failed) {
        auto result = decoder.next();
        if (std::holds_alternative<NeedMore>(result)) {
            return;
        }
        if (auto* frame = std::get_if<Frame>(&result)) {
            sink.frame(std::move(*frame));
        } else {
            sink.error(std::get<ProtocolError>(std::move(result)));
        }
    }
}

// Writes into the sink's outcome, which the caller reuses across inputs: its vector keeps its
// capacity, so a run does not allocate and free the same buffer for every input (under ASan
// each fresh allocation costs a stack trace and, through the quarantine, new pages). The caller
// clears it before returning: libFuzzer re-runs an input under LeakSanitizer when it ends with
// more allocations than frees, which the frames' payloads kept until the next input would cause.
void decode(std::string_view input, Direction direction, std::size_t chunk, Sink& sink) {
    auto& decoder = fresh_decoder(direction);
    auto& outcome = sink.outcome();
    outcome.clear();
    for (std::size_t at = 0; at < input.size() && !outcome.failed; at += chunk) {
        decoder.feed(input.substr(at, chunk));
        drain(decoder, sink);
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
    sink.finish();
}

void check_frame(const Frame& frame, Direction direction) {
    require(frame.payload.size() <= static_cast<std::size_t>(max_payload),
            "payload within the 16 KiB limit");
    // Reused across frames and inputs: one allocation per run rather than per frame.
    static std::string bytes;
    bytes.clear();
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

    // The whole input first, its events kept; then the chunked decode, checked against them
    // event by event.
    static Outcome whole;
    static Outcome chunked; // only its end state
    Sink keep(whole);
    decode(input, direction, input.empty() ? 1 : input.size(), keep);
    // An input no longer than a chunk is fed in one piece either way: the same calls, so the
    // chunked decode would repeat the whole one.
    if (chunk < input.size()) {
        Sink check(chunked, whole);
        decode(input, direction, chunk, check);
    }
    for (const auto& event : whole.events) {
        if (const auto* frame = std::get_if<Frame>(&event)) {
            check_frame(*frame, direction);
        }
    }
    chunked.clear();
    whole.clear();
    return 0;
}
