// libFuzzer target: TfCallSplitter cuts the same calls whatever the writes, and its cuts round-trip
// through TfCipher.
#include "fuzz/fuzz_support.hpp"
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
using xsime::fuzz::require;

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

// Fills `run`, which the caller reuses across inputs: its vectors keep their capacity, so a
// run does not allocate and free the same buffers for every input (under ASan each fresh
// allocation costs a stack trace and, through the quarantine, new pages). The caller drops
// last_tf_message before returning: libFuzzer re-runs an input under LeakSanitizer when it
// ends with more allocations than frees.
void split_in_chunks(std::string_view stream, std::size_t chunk, Direction direction,
                     bool start_in_xsime, Run& run) {
    TfCallSplitter splitter(direction);
    if (start_in_xsime) {
        require(splitter.enter_xsime() && splitter.layer() == TfCallSplitter::Layer::xsime,
                "a fresh splitter enters the XSIME layer");
    }
    run.starts.clear();
    run.cuts.clear();
    run.lost_at.reset();
    static std::vector<TfCallSplitter::Piece> pieces;
    std::size_t at = 0;
    for (std::size_t begin = 0; begin < stream.size(); begin += chunk) {
        const auto write = stream.substr(begin, chunk);
        const bool was_lost = splitter.lost();
        splitter.split(write, pieces);
        std::size_t sum = 0;
        for (const auto& piece : pieces) {
            // No piece is empty, and the first piece of a write after lost() is a call of its
            // own: the structure is unknown, so no call can continue across writes.
            require(piece.size > 0, "no piece is empty");
            if (piece.starts_call) {
                run.starts.push_back(at);
            }
            at += piece.size;
            sum += piece.size;
            run.cuts.push_back(piece);
        }
        require(sum == write.size(), "the pieces add up to the write");
        if (was_lost) {
            // Once lost it stays lost, and each write is then exactly one call.
            require(splitter.lost() && pieces.size() == 1 && pieces.front().starts_call,
                    "once lost, it stays lost and each write is one call");
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
        require(!splitter.enter_xsime() && !splitter.leave_xsime() && splitter.layer() == layer,
                "a lost splitter refuses layer switches");
    }
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

const std::string& session_key() {
    static const std::string key = [] {
        std::string out;
        for (int i = 0; i < 32; ++i) {
            out.push_back(static_cast<char>(i * 53 + 7));
        }
        return out;
    }();
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
    require(at == wire.size(), "the cuts cover the stream");
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

// Until the structure is lost, the calls do not depend on the writes; afterwards each write is
// a call (documented in tf_call_splitter.hpp), so the cuts differ by design. Returns the offset
// where the structure was lost (the stream's size when it never was).
std::size_t check_calls(const Run& whole, const Run& chunked, const Run& bytewise, std::size_t size,
                        std::size_t chunk) {
    const auto lost_at = bytewise.lost_at.value_or(size);
    require(whole.lost_at.has_value() == bytewise.lost_at.has_value(),
            "whole and bytewise agree on lost");
    require(chunked.lost_at.has_value() == bytewise.lost_at.has_value(),
            "chunked and bytewise agree on lost");
    const auto before = starts_before(bytewise.starts, lost_at);
    require(starts_before(whole.starts, lost_at) == before, "whole: same calls before the loss");
    require(starts_before(chunked.starts, lost_at) == before,
            "chunked: same calls before the loss");
    if (bytewise.lost_at) {
        // Written whole: the rest after the lost call is one call.
        require(whole.starts.size() == before.size() + (lost_at < size ? 1U : 0U),
                "whole: the rest after the loss is one call");
        require(lost_at == size || whole.starts.back() == lost_at,
                "whole: the last call starts at the loss");
        const auto after = starts_after_lost(lost_at, size, chunk);
        require(chunked.starts.size() == before.size() + after.size(),
                "chunked: one call per write after the loss");
        require(std::equal(after.begin(), after.end(),
                           chunked.starts.begin() + static_cast<std::ptrdiff_t>(before.size())),
                "chunked: the calls after the loss start at the writes");
    }
    return lost_at;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    xsime::fuzz::FuzzInput in(data, size);
    if (in.empty()) {
        return 0;
    }
    // First byte: bits 0-5 the write size (1..64), bit 6 the direction (0 to_server, 1
    // to_client), bit 7 start in the XSIME layer (enter_xsime() before the first write).
    const auto mode = in.take_byte();
    const std::size_t chunk = xsime::fuzz::bits(mode, 0, 6) + 1;
    const auto direction =
        xsime::fuzz::bits(mode, 6, 1) != 0 ? Direction::to_client : Direction::to_server;
    const bool start_in_xsime = xsime::fuzz::bits(mode, 7, 1) != 0;
    const auto stream = in.take_rest();
    if (stream.empty()) {
        return 0;
    }

    static Run whole;
    static Run chunked;
    static Run bytewise;
    split_in_chunks(stream, stream.size(), direction, start_in_xsime, whole);
    split_in_chunks(stream, chunk, direction, start_in_xsime, chunked);
    // Byte by byte pins down exactly where the structure was lost.
    split_in_chunks(stream, 1, direction, start_in_xsime, bytewise);
    require(!whole.starts.empty() && whole.starts.front() == 0, "a stream starts with a call");

    const auto lost_at = check_calls(whole, chunked, bytewise, stream.size(), chunk);
    for (const auto* run : {&chunked, &bytewise}) {
        require(run->layer == whole.layer && run->lost == whole.lost &&
                    run->at_unit_boundary == whole.at_unit_boundary &&
                    run->tf_messages == whole.tf_messages &&
                    run->last_tf_message == whole.last_tf_message,
                "layer, lost, tf_messages and last_tf_message agree across chunkings");
    }

    // The same calls cipher the same: packing in pieces is packing whole calls.
    const auto wire_whole = pack(stream, whole.cuts);
    const auto wire_chunked = pack(stream, chunked.cuts);
    require(wire_whole.compare(0, lost_at, wire_chunked, 0, lost_at) == 0,
            "whole and chunked packing agree up to the loss");
    // A receiver that unpacks call by call where the sender's calls start gets the plaintext.
    require(unpack(wire_whole, whole.starts) == stream, "whole calls unpack to the plaintext");
    require(unpack(wire_chunked, chunked.starts) == stream,
            "chunked calls unpack to the plaintext");
    for (auto* run : {&whole, &chunked, &bytewise}) {
        run->last_tf_message.reset();
    }
    return 0;
}
