// The TF handshake (protocol/tf_server_handshake.hpp) and the cipher between the socket and the
// core.
#include "mock_server/tf_server_channel.hpp"

#include <numeric>

namespace xsime::mock {

TfServerChannel::TfServerChannel(std::shared_ptr<const TfServerSettings> settings, Logger log)
    : log_(std::move(log)), handshake_(std::move(settings)) {}

void TfServerChannel::on_handshake(protocol::TfServerHandshake::Output step, CoreOutput& out) {
    out.bytes += step.wire;
    out.calls.insert(out.calls.end(), step.calls.begin(), step.calls.end());
    if (step.refusal) {
        if (!step.refusal->detail.empty()) {
            log_("session key: " + step.refusal->detail);
        }
        const auto reason = "TF handshake refused: " + step.refusal->reason;
        log_(reason);
        out.close_reason = reason;
        return;
    }
    if (handshake_.done()) {
        log_("TF handshake done (session key of " +
             std::to_string(handshake_.sender()->key_size()) + " bytes)");
    }
}

CoreOutput TfServerChannel::receive(std::string_view wire, SessionCore& core) {
    CoreOutput out;
    if (handshake_.refused()) {
        return out;
    }
    if (!handshake_.done()) {
        // Bytes past the hash stay in the handshake's receiver for the core.
        on_handshake(handshake_.receive(wire), out);
        if (!handshake_.done()) {
            return out;
        }
    } else {
        handshake_.receiver()->feed(wire);
    }
    feed_core(core, out);
    return out;
}

void TfServerChannel::feed_core(SessionCore& core, CoreOutput& out) {
    // The core says how long the client's next call is (a TF length, a body, an XSIME header,
    // a payload): a chunk is unpacked only once all of it is here.
    while (!core.closed()) {
        const auto size = core.next_call_size();
        if (size == 0) {
            break;
        }
        auto chunk = handshake_.receiver()->take_chunk(size);
        if (!chunk) {
            break;
        }
        out.append(seal(core.receive(*chunk)));
    }
}

CoreOutput TfServerChannel::seal(CoreOutput plain) {
    auto* cipher = handshake_.sender();
    if (!cipher || plain.bytes.empty()) {
        return plain;
    }
    const auto total = std::accumulate(plain.calls.begin(), plain.calls.end(), std::size_t{0});
    if (total != plain.bytes.size()) {
        // A core that lost track of its calls would desynchronise the client: better one
        // clear log line and a closed connection than garbage on the wire.
        log_("internal error: output of " + std::to_string(plain.bytes.size()) +
             " bytes does not match its cipher calls (" + std::to_string(total) + ")");
        plain.bytes.clear();
        plain.calls.clear();
        plain.close_reason = "internal error: cipher calls do not match the output";
        return plain;
    }
    std::size_t at = 0;
    for (const auto size : plain.calls) {
        cipher->pack(plain.bytes.data() + at, size);
        at += size;
    }
    return plain;
}

} // namespace xsime::mock
