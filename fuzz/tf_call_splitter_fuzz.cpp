// libFuzzer target: TfCallSplitter cuts the same calls whatever the writes, and its cuts round-trip
// through TfCipher.
#include "protocol/stream_decoder.hpp"
#include "protocol/tf_call_splitter.hpp"
#include "protocol/tf_cipher.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace xsime::protocol;

void require(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

// What a splitter says about a whole stream written in some chunking.
struct Run {
    std::vector<std::size_t> starts;         // stream offsets where a call starts
    std::vector<TfCallSplitter::Piece> cuts; // every piece, in order
    std::optional<std::size_t> lost_at;      // offset after which lost() was first seen true
    TfCallSplitter::Layer layer = TfCallSplitter::Layer::tf;
    bool lost = false;
    bool at_unit_boundary = false;
    std::uint64_t tf_messages = 0;
    std::optional<std::string> last_tf_message;
};

Run split_in_chunks(std::string_view stream, std::size_t chunk, Direction direction,
                    bool start_in_xsime) {
    TfCallSplitter splitter(direction);
    if (start_in_xsime) {
        require(splitter.enter_xsime() && splitter.layer() == TfCallSplitter::Layer::xsime);
    }
    Run run;
    std::size_t at = 0;
    for (std::size_t begin = 0; begin < stream.size(); begin += chunk) {
        const auto write = stream.substr(begin, chunk);
        const bool was_lost = splitter.lost();
        const auto pieces = splitter.split(write);
        std::size_t sum = 0;
        for (const auto& piece : pieces) {
            // No piece is empty, and the first piece of a write after lost() is a call of its
            // own: the structure is unknown, so no call can continue across writes.
            require(piece.size > 0);
            if (piece.starts_call) {
                run.starts.push_back(at);
            }
            at += piece.size;
            sum += piece.size;
            run.cuts.push_back(piece);
        }
        require(sum == write.size());
        if (was_lost) {
            // Once lost it stays lost, and each write is then exactly one call.
            require(splitter.lost() && pieces.size() == 1 && pieces.front().starts_call);
        }
        if (splitter.lost() && !run.lost_at) {
            run.lost_at = at;
        }
    }
    run.layer = splitter.layer();
    run.lost = splitter.lost();
    run.at_unit_boundary = splitter.at_unit_boundary();
    run.tf_messages = splitter.tf_messages();
    run.last_tf_message = splitter.last_tf_message();
    if (run.lost) {
        // Lost is for good: neither layer switch is allowed any more.
        const auto layer = splitter.layer();
        require(!splitter.enter_xsime() && !splitter.leave_xsime() && splitter.layer() == layer);
    }
    return run;
}

// The starts at offsets below `end`.
std::vector<std::size_t> starts_before(const std::vector<std::size_t>& starts, std::size_t end) {
    std::vector<std::size_t> out;
    for (const auto start : starts) {
        if (start < end) {
            out.push_back(start);
        }
    }
    return out;
}

// The starts a lost splitter must report from `lost_at` on when written in `chunk`s: the rest
// of the write in which it got lost, then every later write.
std::vector<std::size_t> starts_after_lost(std::size_t lost_at, std::size_t size,
                                           std::size_t chunk) {
    std::vector<std::size_t> out;
    if (lost_at < size) {
        out.push_back(lost_at);
    }
    for (std::size_t begin = (lost_at / chunk + 1) * chunk; begin < size; begin += chunk) {
        out.push_back(begin);
    }
    return out;
}

std::string session_key() {
    std::string key;
    for (int i = 0; i < 32; ++i) {
        key.push_back(static_cast<char>(i * 53 + 7));
    }
    return key;
}

// Packs `stream` as a sender would: begin_call() where a piece starts a call, pack_part for
// every piece.
std::string pack(std::string_view stream, const std::vector<TfCallSplitter::Piece>& cuts) {
    TfCipher cipher(session_key());
    std::string wire(stream);
    std::size_t at = 0;
    for (const auto& piece : cuts) {
        if (piece.starts_call) {
            cipher.begin_call();
        }
        cipher.pack_part(wire.data() + at, piece.size);
        at += piece.size;
    }
    require(at == wire.size());
    return wire;
}

// Unpacks `wire` as a receiver that knows the calls: one unpack per call.
std::string unpack(std::string_view wire, const std::vector<std::size_t>& starts) {
    TfCipher cipher(session_key());
    std::string plain(wire);
    for (std::size_t i = 0; i < starts.size(); ++i) {
        const auto end = i + 1 < starts.size() ? starts[i + 1] : plain.size();
        cipher.unpack(plain.data() + starts[i], end - starts[i]);
    }
    return plain;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    // First byte: bits 0-5 the write size (1..64), bit 6 the direction (0 to_server, 1
    // to_client), bit 7 start in the XSIME layer (enter_xsime() before the first write).
    const std::size_t chunk = static_cast<std::size_t>(data[0] & 0x3f) + 1;
    const auto direction = (data[0] & 0x40) != 0 ? Direction::to_client : Direction::to_server;
    const bool start_in_xsime = (data[0] & 0x80) != 0;
    const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
    if (stream.empty()) {
        return 0;
    }

    const auto whole = split_in_chunks(stream, stream.size(), direction, start_in_xsime);
    const auto chunked = split_in_chunks(stream, chunk, direction, start_in_xsime);
    // Byte by byte pins down exactly where the structure was lost.
    const auto bytewise = split_in_chunks(stream, 1, direction, start_in_xsime);
    require(!whole.starts.empty() && whole.starts.front() == 0); // a stream starts with a call

    // Until the structure is lost, the calls do not depend on the writes; afterwards each
    // write is a call (documented in tf_call_splitter.hpp), so the cuts differ by design.
    const auto lost_at = bytewise.lost_at.value_or(stream.size());
    require(whole.lost_at.has_value() == bytewise.lost_at.has_value());
    require(chunked.lost_at.has_value() == bytewise.lost_at.has_value());
    const auto before = starts_before(bytewise.starts, lost_at);
    require(starts_before(whole.starts, lost_at) == before);
    require(starts_before(chunked.starts, lost_at) == before);
    if (bytewise.lost_at) {
        // Written whole: the rest after the lost call is one call.
        require(whole.starts.size() == before.size() + (lost_at < stream.size() ? 1U : 0U));
        require(lost_at == stream.size() || whole.starts.back() == lost_at);
        const auto after = starts_after_lost(lost_at, stream.size(), chunk);
        require(chunked.starts.size() == before.size() + after.size());
        require(std::equal(after.begin(), after.end(),
                           chunked.starts.begin() + static_cast<std::ptrdiff_t>(before.size())));
    }

    for (const auto* run : {&chunked, &bytewise}) {
        require(run->layer == whole.layer && run->lost == whole.lost &&
                run->at_unit_boundary == whole.at_unit_boundary &&
                run->tf_messages == whole.tf_messages &&
                run->last_tf_message == whole.last_tf_message);
    }

    // The same calls cipher the same: packing in pieces is packing whole calls.
    const auto wire_whole = pack(stream, whole.cuts);
    const auto wire_chunked = pack(stream, chunked.cuts);
    require(wire_whole.compare(0, lost_at, wire_chunked, 0, lost_at) == 0);
    // A receiver that unpacks call by call where the sender's calls start gets the plaintext.
    require(unpack(wire_whole, whole.starts) == stream);
    require(unpack(wire_chunked, chunked.starts) == stream);
    return 0;
}
