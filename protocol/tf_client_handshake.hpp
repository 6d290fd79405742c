// The client side of the TF PROTOCOL handshake (version, RSA-OAEP session key, hash): the
// messages to write and the server's replies checked; pure, no I/O. The harness's tf transport
// and the reference client (client/) both run it, so both open sessions the same way.
#pragma once

#include "protocol/byte_queue.hpp"
#include "protocol/tf_cipher.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace xsime::protocol {

// What a TF client needs to reach one server.
struct TfClientSettings {
    std::string public_key_pem;   // the server's RSA-2048 public key ("BEGIN PUBLIC KEY")
    std::string hash;             // the server's hash string, sent as the handshake's 3rd step
    std::string protocol_version; // sent first, in clear, e.g. "0.0"
    // "a random session key of 16 to 214 bytes"; a fresh one per connection.
    std::size_t session_key_size = 32;
};

// A peer's text for a diagnostic: printable ASCII as is, other bytes as \xNN, at most 200
// bytes shown, in single quotes.
std::string quote_tf_text(std::string_view text);

class TfClientHandshake {
public:
    enum class Step { version = 1, key = 2, hash = 3 };

    struct Failure {
        Step step = Step::version;
        // True when the server refused the step or answered something unreadable; false when
        // this side could not make or encrypt the session key (nothing the server did).
        bool by_server = true;
        std::string reason;
    };

    // What one call produced: bytes to write (the next step's message) and, at most once, why
    // the handshake failed. Write `wire` before acting on `failure`.
    struct Output {
        std::string wire;
        std::optional<Failure> failure;
    };

    explicit TfClientHandshake(TfClientSettings settings);

    // Step 1: the protocol version, in clear. Call once, first.
    Output begin();
    // Wire bytes from the server. Bytes after the last OK (ciphered) stay in receiver().
    Output receive(std::string_view wire);

    bool done() const { return stage_ == Stage::open; }
    bool failed() const { return stage_ == Stage::failed; }
    // The step whose reply is awaited (after a failure, the failed one).
    Step step() const { return step_; }
    // How diagnostics name a step: "step 2 (session key, 32 bytes RSA-OAEP encrypted to 256)".
    std::string describe(Step step) const;

    // From step 3 on: the session key and each direction's cipher state (the sender has
    // already packed the hash, the receiver has unpacked the OK and holds what followed it).
    const std::string& session_key() const { return session_key_; }
    TfCipher* sender() { return out_ ? &*out_ : nullptr; }
    TfCipherReceiver* receiver() { return in_ ? &*in_ : nullptr; }

private:
    enum class Stage { version, key, hash, open, failed };

    void receive_clear(Output& out);
    void on_clear_ok(Output& out);
    void send_key(Output& out);
    void receive_hash_reply(Output& out);
    void fail(Output& out, bool by_server, std::string reason);

    TfClientSettings settings_;
    Stage stage_ = Stage::version;
    Step step_ = Step::version;
    ByteQueue clear_; // replies in clear (steps 1 and 2)
    std::string session_key_;
    std::optional<TfCipher> out_;
    std::optional<TfCipherReceiver> in_;
};

} // namespace xsime::protocol
