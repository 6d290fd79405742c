// Codec throughput in frames/s: push encoding, chunked stream decoding, parse_send.
#include "protocol/messages.hpp"
#include "protocol/stream_decoder.hpp"

#include <algorithm>
#include <benchmark/benchmark.h>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using namespace xsime::protocol;

void BM_EncodePush(benchmark::State& state) {
    const std::string text(static_cast<std::size_t>(state.range(0)), 'm');
    std::uint64_t timestamp = 1700000000;
    for (auto _ : state) {
        auto frame = encode_push(format_push_payload(timestamp++, "alice", text));
        benchmark::DoNotOptimize(frame);
    }
    state.counters["frames/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EncodePush)->Arg(16)->Arg(1024)->Arg(16000);

// What a server's read loop sees from a busy client: every opcode, short and long messages.
std::string mixed_client_stream(std::size_t& frame_count) {
    const std::vector<std::string> one{"bob"};
    const std::vector<std::string> many{"bob", "carol", "dave", "erin"};
    const std::string long_text(2000, 'x');
    std::string stream;
    frame_count = 0;
    while (stream.size() < 1024 * 1024) {
        stream += encode_setup(flag_auto_delete, 1700000000);
        stream += encode_org_unit("/ime");
        stream += encode_user("alice");
        for (int i = 0; i < 10; ++i) {
            stream += encode_send(one, "hello there");
        }
        stream += encode_send(many, long_text);
        stream += encode_interval(25000000);
        frame_count += 15;
    }
    return stream;
}

void BM_DecodeMixedStream(benchmark::State& state) {
    constexpr std::size_t chunk = 4096;
    std::size_t frames_per_stream = 0;
    const auto stream = mixed_client_stream(frames_per_stream);
    std::size_t frames = 0;
    for (auto _ : state) {
        StreamDecoder decoder(Direction::to_server);
        for (std::size_t at = 0; at < stream.size(); at += chunk) {
            decoder.feed(std::string_view(stream).substr(at, chunk));
            for (;;) {
                auto result = decoder.next();
                if (!std::holds_alternative<Frame>(result)) {
                    break;
                }
                benchmark::DoNotOptimize(result);
                ++frames;
            }
        }
    }
    if (frames != frames_per_stream * state.iterations()) {
        state.SkipWithError("decoder lost frames");
    }
    state.counters["frames/s"] =
        benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
    state.SetBytesProcessed(static_cast<std::int64_t>(stream.size()) *
                            static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_DecodeMixedStream);

void BM_ParseSend(benchmark::State& state) {
    std::vector<std::string> recipients;
    for (std::int64_t i = 0; i < state.range(0); ++i) {
        recipients.push_back("user" + std::to_string(i));
    }
    const auto payload = format_send_payload(recipients, "hello: how are you today?");
    for (auto _ : state) {
        auto request = parse_send(payload);
        benchmark::DoNotOptimize(request);
    }
    state.counters["frames/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParseSend)->Arg(1)->Arg(4)->Arg(64);

} // namespace
