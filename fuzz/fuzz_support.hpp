// What every fuzz target repeats: a property check that traps, and a reader that turns the
// input bytes into choices without ever failing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <type_traits>

namespace xsime::fuzz {

// A broken property: say which on stderr (libFuzzer shows it above the trap, a replay under gdb
// shows it before `bt`), then trap so libFuzzer reports a deadly signal and keeps the input.
[[noreturn]] inline void fail(const char* what) {
    std::fputs("fuzz property failed: ", stderr);
    std::fputs(what, stderr);
    std::fputc('\n', stderr);
    std::fflush(stderr);
    __builtin_trap();
}

inline void require(bool condition, const char* what) {
    if (!condition) {
        fail(what);
    }
}

// `count` bits of `byte` starting at bit `first` (0 = least significant), e.g. a chunk size
// packed into a mode byte: `bits(mode, 1, 7) + 1`.
constexpr std::size_t bits(std::uint8_t byte, unsigned first, unsigned count) {
    return (static_cast<std::size_t>(byte) >> first) & ((std::size_t{1} << count) - 1);
}

// Reads an input front to back. Past the end every take yields its smallest value (0, an empty
// view, `lo`), so a target never has to check lengths before taking, and never throws.
class FuzzInput {
public:
    FuzzInput(const std::uint8_t* data, std::size_t size)
        : rest_(reinterpret_cast<const char*>(data), size) {}

    bool empty() const { return rest_.empty(); }
    std::size_t size() const { return rest_.size(); }

    // One byte, typically the mode byte; 0 once the input is used up.
    std::uint8_t take_byte() {
        if (rest_.empty()) {
            return 0;
        }
        const auto byte = static_cast<std::uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        return byte;
    }

    // Up to `count` bytes (fewer when the input ends first).
    std::string_view take(std::size_t count) {
        const auto out = rest_.substr(0, count);
        rest_.remove_prefix(out.size());
        return out;
    }

    // Everything not taken yet; the input is used up afterwards.
    std::string_view take_rest() { return take(rest_.size()); }

    // An integer in [lo, hi], from as few bytes as the range needs (the first one most
    // significant), so a mutation of those bytes moves the value and nothing else.
    template <typename T>
    T take_int(T lo, T hi) {
        static_assert(std::is_integral_v<T>);
        if (hi <= lo) {
            return lo;
        }
        using U = std::make_unsigned_t<T>;
        const U range = static_cast<U>(static_cast<U>(hi) - static_cast<U>(lo));
        U raw = 0;
        for (U left = range; left != 0 && !rest_.empty(); left = static_cast<U>(left >> 8)) {
            raw = static_cast<U>((raw << 8) | take_byte());
        }
        const U offset = range == static_cast<U>(-1) ? raw : static_cast<U>(raw % (range + 1));
        return static_cast<T>(static_cast<U>(lo) + offset);
    }

private:
    std::string_view rest_;
};

// An output's cipher calls describe its bytes (mock::CoreOutput::calls): none empty, and their
// sum is the size. A template so that this header stays free of the server's.
template <class Output>
void require_calls_describe_bytes(const Output& out) {
    std::size_t sum = 0;
    for (const auto size : out.calls) {
        require(size > 0, "an empty call");
        sum += size;
    }
    require(sum == out.bytes.size(), "the calls do not add up to the bytes");
}

} // namespace xsime::fuzz
