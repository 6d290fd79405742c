// TF session cipher throughput (MB/s): 16 KiB chunks (full XSIME payloads) and 5-byte chunks
// (XSIME headers, where the per-call cost dominates), packing and unpacking.
#include "protocol/tf_cipher.hpp"

#include <benchmark/benchmark.h>
#include <cstdint>
#include <string>

namespace {

using xsime::protocol::TfCipher;

const std::string session_key = [] {
    std::string key(32, '\0');
    for (std::size_t i = 0; i < key.size(); ++i) {
        key[i] = static_cast<char>(i * 37 + 11);
    }
    return key;
}();

// range(0): chunk size; one iteration ciphers 64 KiB in calls of that size, so small and
// large chunks move the same number of bytes per iteration.
template <bool Pack>
void BM_Cipher(benchmark::State& state) {
    const auto chunk_size = static_cast<std::size_t>(state.range(0));
    constexpr std::size_t bytes_per_iteration = 64 * 1024;
    const std::size_t calls = bytes_per_iteration / chunk_size;
    std::string buffer(calls * chunk_size, 'x');
    TfCipher cipher(session_key);
    for (auto _ : state) {
        for (std::size_t call = 0; call < calls; ++call) {
            if constexpr (Pack) {
                cipher.pack(buffer.data() + call * chunk_size, chunk_size);
            } else {
                cipher.unpack(buffer.data() + call * chunk_size, chunk_size);
            }
        }
        benchmark::DoNotOptimize(buffer.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(buffer.size()));
    state.counters["calls/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(calls),
                           benchmark::Counter::kIsRate);
}
BENCHMARK_TEMPLATE(BM_Cipher, true)->Name("BM_Pack")->Arg(16 * 1024)->Arg(5);
BENCHMARK_TEMPLATE(BM_Cipher, false)->Name("BM_Unpack")->Arg(16 * 1024)->Arg(5);

} // namespace
