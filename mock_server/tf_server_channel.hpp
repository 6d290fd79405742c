// The server side of the TF transport for one connection: the handshake, then the client's
// cipher calls unpacked for the session core and the core's output packed in its own calls.
// Pure, no I/O: the Asio connection feeds it wire bytes and writes what it returns.
#pragma once

#include "mock_server/session_core.hpp"
#include "protocol/byte_queue.hpp"
#include "protocol/tf_cipher.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace xsime::mock {

struct TfServerSettings {
    std::string private_key_pem;  // RSA-2048, PKCS#8 or traditional PEM
    std::string hash;             // the hash string clients must send (step 3)
    std::string protocol_version; // the version clients must send (step 1)
};

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

    bool established() const { return stage_ == Stage::open; }
    // Part of a handshake message or of a cipher call is buffered: the read deadline applies.
    bool mid_message() const;

private:
    enum class Stage { version, key, hash, open, failed };

    void on_clear_message(const std::string& body, CoreOutput& out);
    void on_hash(const std::string& body, CoreOutput& out);
    void feed_core(SessionCore& core, CoreOutput& out);
    void refuse(CoreOutput& out, const std::string& reason, bool ciphered);
    void append_reply(CoreOutput& out, std::string_view body, bool ciphered);

    std::shared_ptr<const TfServerSettings> settings_;
    Logger log_;
    Stage stage_ = Stage::version;
    protocol::ByteQueue clear_; // handshake bytes before the cipher starts
    std::optional<protocol::TfCipher> out_;
    std::optional<protocol::TfCipherReceiver> in_;
};

} // namespace xsime::mock
