// Where a sender's cipher calls begin and end in the plaintext stream it writes; pure, no I/O.
#pragma once

#include "protocol/stream_decoder.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xsime::protocol {

// Over the TF transport every cipher call restarts the key index, so a sender must cut its
// stream where real peers cut it, whatever pieces it happens to write: a TF message is the
// 4-byte length then the body; an XSIME frame is the 5-byte header then its body (`sz` bytes,
// or the 8 bytes of opcodes 4 and 7, by the codec's rules). The splitter follows the structure
// of what is written and says, for each piece of a write, whether it starts a new call. A
// write may end in the middle of a call: the next write continues it.
class TfCallSplitter {
public:
    enum class Layer { tf, xsime };

    struct Piece {
        std::size_t size = 0;
        bool starts_call = false;
        friend bool operator==(const Piece&, const Piece&) = default;
    };

    // `direction`: who reads the bytes (a client's splitter cuts Direction::to_server).
    explicit TfCallSplitter(Direction direction) : direction_(direction) {}

    // Cuts the next `bytes` of the stream into pieces, none spanning two calls; the sizes add
    // up to bytes.size(). Opcode 0 (exit) switches the splitter back to the TF layer.
    std::vector<Piece> split(std::string_view bytes);
    // The same into `pieces` (cleared first), for a caller that splits many small writes and
    // keeps one vector: a fresh vector per write was most of the fuzz target's allocations.
    void split(std::string_view bytes, std::vector<Piece>& pieces);

    // In the client direction (to_server) the splitter enters the XSIME layer by itself once
    // XSIME_START is written, so frames may follow it in the same write. leave_xsime() goes
    // back when the server refused it; enter_xsime() enters explicitly (a server-side or test
    // splitter). Both only at a boundary between two units; false (nothing changes) otherwise.
    bool enter_xsime();
    bool leave_xsime();
    Layer layer() const { return layer_; }
    bool at_unit_boundary() const { return stage_ == Stage::head && unit_.empty(); }

    // The body of the last whole TF message written, e.g. "XSIME_START".
    const std::optional<std::string>& last_tf_message() const { return last_tf_message_; }
    // How many whole TF messages have been written, to tell a new one from the last one.
    std::uint64_t tf_messages() const { return tf_messages_; }

    // The structure became unknowable (a negative or oversized length): from then on every
    // write is a call of its own, which is the best a sender can do, and the peer will have
    // closed anyway.
    bool lost() const { return lost_; }

private:
    enum class Stage { head, body };

    std::size_t head_size() const;
    void finish_call();
    void finish_unit();

    Direction direction_;
    Layer layer_ = Layer::tf;
    Stage stage_ = Stage::head;
    std::string unit_;          // the bytes of the current TF message or frame so far
    std::size_t call_left_ = 0; // bytes still to come in the current call (0: between calls)
    std::optional<std::string> last_tf_message_;
    std::uint64_t tf_messages_ = 0;
    bool lost_ = false;
};

} // namespace xsime::protocol
