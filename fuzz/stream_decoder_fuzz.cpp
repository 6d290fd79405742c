// libFuzzer target: StreamDecoder chunked == whole, and every frame survives a re-encode.
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
};

void require(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

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

Outcome decode(std::string_view input, Direction direction, std::size_t chunk) {
    StreamDecoder decoder(direction);
    Outcome outcome;
    for (std::size_t at = 0; at < input.size() && !outcome.failed; at += chunk) {
        decoder.feed(input.substr(at, chunk));
        drain(decoder, outcome);
    }
    if (outcome.failed) {
        require(decoder.failed());
    } else {
        require(!decoder.failed());
        const auto pending = decoder.next();
        require(std::holds_alternative<NeedMore>(pending));
        outcome.missing = std::get<NeedMore>(pending).missing;
        outcome.buffered = decoder.buffered();
        // Once drained, the decoder holds bytes exactly when it is inside a frame.
        require(decoder.mid_frame() == (outcome.buffered > 0));
        require(outcome.missing > 0);
    }
    return outcome;
}

void check_frame(const Frame& frame, Direction direction) {
    require(frame.payload.size() <= static_cast<std::size_t>(max_payload));
    std::string bytes;
    append_header(bytes, frame.header);
    bytes += frame.payload;
    const auto step = decode_frame(bytes, direction);
    const auto* again = std::get_if<Frame>(&step.result);
    require(again != nullptr && *again == frame && step.consumed == bytes.size());

    // The payload parsers must accept or reject anything without crashing, and what they
    // accept must read back the same once formatted again.
    if (frame.header.opcode == raw(Opcode::message) && direction == Direction::to_server) {
        const auto parsed = parse_send(frame.payload);
        if (const auto* request = std::get_if<SendRequest>(&parsed)) {
            const auto reparsed =
                parse_send(format_send_payload(request->recipients, request->text));
            require(std::holds_alternative<SendRequest>(reparsed) &&
                    std::get<SendRequest>(reparsed) == *request);
        }
    }
    if (frame.header.opcode == raw(Opcode::message) && direction == Direction::to_client &&
        frame.header.sz >= 0) {
        const auto parsed = parse_push(frame.payload);
        if (const auto* push = std::get_if<Push>(&parsed)) {
            const auto reparsed =
                parse_push(format_push_payload(push->timestamp, push->sender, push->text));
            require(std::holds_alternative<Push>(reparsed) && std::get<Push>(reparsed) == *push);
        }
    }
    if (direction == Direction::to_server && (frame.header.opcode == raw(Opcode::setup) ||
                                              frame.header.opcode == raw(Opcode::interval))) {
        require(std::holds_alternative<std::uint64_t>(parse_u64_body(frame.payload)));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    // First byte: bit 0 the direction, the rest the chunk size (1..128 bytes).
    const auto direction = (data[0] & 1) != 0 ? Direction::to_client : Direction::to_server;
    const std::size_t chunk = static_cast<std::size_t>(data[0] >> 1) + 1;
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

    const auto chunked = decode(input, direction, chunk);
    const auto whole = decode(input, direction, input.empty() ? 1 : input.size());
    require(chunked == whole);
    for (const auto& event : chunked.events) {
        if (const auto* frame = std::get_if<Frame>(&event)) {
            check_frame(*frame, direction);
        }
    }
    return 0;
}
