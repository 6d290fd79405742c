// One end of an established TF session: what it writes is packed in the cipher calls its peer
// unpacks, what it receives is unpacked in the calls the peer packed; pure, no I/O. The
// harness's TF connections, as a client and as a server, keep their sockets around it.
#pragma once

#include "protocol/byte_queue.hpp"
#include "protocol/stream_decoder.hpp"
#include "protocol/tf_call_splitter.hpp"
#include "protocol/tf_cipher.hpp"
#include "protocol/tf_framing.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace xsime::protocol {

class TfSession {
public:
    enum class Side { client, server };

    // `out` packs what this side writes, `in` holds what the peer sent so far.
    TfSession(Side side, TfCipher out, TfCipherReceiver in);

    // `plain` ciphered for the wire in the calls the TF message / XSIME frame structure gives,
    // whatever the caller's split: a write that ends mid-call is continued by the next one.
    std::string pack(std::string_view plain);

    void feed(std::string_view wire) { in_.feed(wire); }
    // The next TF message the peer sent (its length call, then its body call).
    TfDecodeResult next_tf_message();
    // The next XSIME frame the peer sent (the header call, then the body call the header
    // announces); NeedMore until the bytes of its next call have all arrived.
    DecodeResult next_frame();

    // Wire bytes received and not unpacked, plus unpacked bytes of a frame not yet whole.
    std::size_t buffered() const { return in_.buffered() + plain_.size(); }
    TfCallSplitter::Layer writing_layer() const { return splitter_.layer(); }

private:
    void pack_pieces(std::string& wire, std::size_t from, std::size_t size);
    std::size_t pack_until_reply(std::string& wire);
    void on_tf_message_written();

    Side side_;
    TfCipher out_;
    TfCipherReceiver in_;
    TfCallSplitter splitter_;
    std::uint64_t messages_written_ = 0;
    // The client: XSIME_START written, its reply not read yet (a refusal keeps the TF layer).
    // The server: XSIME_START read, its reply not written yet (OK enters the module).
    bool start_pending_ = false;
    ByteQueue plain_; // unpacked calls of the frame being read (whole calls only)
};

} // namespace xsime::protocol
