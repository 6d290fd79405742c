// The server side of the TF PROTOCOL handshake (version, RSA-OAEP session key, hash): the
// client's wire bytes in, the replies and a verdict out; pure, no I/O. The reference server's
// channel and the harness's client listener both run it, so both check clients the same way.
#pragma once

#include "protocol/byte_queue.hpp"
#include "protocol/tf_cipher.hpp"
#include "protocol/tf_rsa.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xsime::protocol {

// What a TF server checks its clients against.
struct TfServerSettings {
    std::string private_key_pem;  // RSA-2048, PKCS#8 or traditional PEM
    std::string hash;             // the hash string clients must send (step 3)
    std::string protocol_version; // the version clients must send (step 1)
    // private_key_pem parsed once (parse_private_key()), so that a handshake does not parse the
    // PEM again; null: each key message parses it, and a PEM that does not parse refuses the
    // client with OpenSSL's reason.
    std::shared_ptr<const TfPrivateKey> private_key = nullptr;

    // Fills private_key from private_key_pem; leaves it null when the PEM does not parse.
    void parse_private_key();
};

class TfServerHandshake {
public:
    enum class Step { version = 1, key = 2, hash = 3 };

    struct Refusal {
        Step step = Step::version;
        std::string reason;   // what the reply says after "FAILED "
        std::string detail;   // why, beyond the reply (OpenSSL's text); may be empty
        std::string received; // what the client sent for the step (step 3: unpacked)
    };

    // What one receive() produced: replies to write as they are (in clear for steps 1 and 2,
    // ciphered for step 3) and their cipher calls (each reply: the length, then the body).
    struct Output {
        std::string wire;
        std::vector<std::size_t> calls;
        std::optional<Refusal> refusal; // set once, with the FAILED reply in `wire`
    };

    explicit TfServerHandshake(std::shared_ptr<const TfServerSettings> settings);

    // Wire bytes from the client. Bytes that follow the hash (ciphered TF commands) stay in
    // receiver(); after a refusal, and once done, input is ignored here.
    Output receive(std::string_view wire);

    bool done() const { return stage_ == Stage::open; }
    bool refused() const { return stage_ == Stage::failed; }
    // The step waited for; after a refusal, the refused one.
    Step step() const { return step_; }
    // Part of a handshake message is buffered: a server applies its read deadline.
    bool mid_message() const;

    // The session cipher of each direction, from an accepted step 2 on; nullptr before.
    TfCipher* sender() { return out_ ? &*out_ : nullptr; }
    TfCipherReceiver* receiver() { return in_ ? &*in_ : nullptr; }
    const TfCipherReceiver* receiver() const { return in_ ? &*in_ : nullptr; }

private:
    enum class Stage { version, key, hash, open, failed };

    void receive_clear(Output& out);
    void on_clear_message(const std::string& body, Output& out);
    void on_key(const std::string& body, Output& out);
    void on_hash(const std::string& body, Output& out);
    void reply(Output& out, std::string_view body, bool ciphered);
    void refuse(Output& out, Refusal refusal, bool ciphered);

    std::shared_ptr<const TfServerSettings> settings_;
    Stage stage_ = Stage::version;
    Step step_ = Step::version;
    ByteQueue clear_; // handshake bytes before the cipher starts
    std::optional<TfCipher> out_;
    std::optional<TfCipherReceiver> in_;
};

} // namespace xsime::protocol
