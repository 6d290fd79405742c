// The server side of the TF transport for one connection: the handshake, then the client's
// cipher calls unpacked for the session core and the core's output packed in its own calls.
// Pure, no I/O: the Asio connection feeds it wire bytes and writes what it returns.
#pragma once

#include "mock_server/session_core.hpp"
#include "protocol/tf_server_handshake.hpp"

#include <functional>
#include <memory>
#include <string_view>

namespace xsime::mock {

// The handshake's settings live with the handshake (protocol/), shared with the harness.
using TfServerSettings = protocol::TfServerSettings;

class TfServerChannel {
public:
    using Logger = std::function<void(std::string_view)>;

    TfServerChannel(std::shared_ptr<const TfServerSettings> settings, Logger log);

    // Wire bytes from the client. During the handshake the result holds its replies (in clear
    // for the version and the key, ciphered for the hash) and, on a refusal, `FAILED …` and a
    // close; afterwards it is the core's output for the unpacked calls, packed.
    CoreOutput receive(std::string_view wire, SessionCore& core);
    // The core's own output (deliveries, replies), packed call by call for the wire.
    CoreOutput seal(CoreOutput plain);

    bool established() const { return handshake_.done(); }
    // Part of a handshake message or of a cipher call is buffered: the read deadline applies.
    bool mid_message() const { return handshake_.mid_message(); }

private:
    void on_handshake(protocol::TfServerHandshake::Output step, CoreOutput& out);
    void feed_core(SessionCore& core, CoreOutput& out);

    Logger log_;
    protocol::TfServerHandshake handshake_;
};

} // namespace xsime::mock
