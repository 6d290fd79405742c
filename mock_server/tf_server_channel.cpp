// The TF handshake as a real TF server runs it, and the cipher between the socket and the core.
#include "mock_server/tf_server_channel.hpp"

#include "protocol/tf_framing.hpp"
#include "protocol/tf_rsa.hpp"

#include <numeric>

namespace xsime::mock {

namespace {
// Handshake messages are a version string, a 256-byte key and a hash: anything near this
// size is not a TF client.
constexpr std::size_t max_handshake_message = 4096;
} // namespace

TfServerChannel::TfServerChannel(std::shared_ptr<const TfServerSettings> settings, Logger log)
    : settings_(std::move(settings)), log_(std::move(log)) {}

bool TfServerChannel::mid_message() const {
    if (stage_ == Stage::version || stage_ == Stage::key) {
        return !clear_.empty();
    }
    return in_ && in_->mid_chunk();
}

void TfServerChannel::append_reply(CoreOutput& out, std::string_view body, bool ciphered) {
    CoreOutput reply;
    append_tf(reply, body);
    out.append(ciphered ? seal(std::move(reply)) : std::move(reply));
}

void TfServerChannel::refuse(CoreOutput& out, const std::string& reason, bool ciphered) {
    log_("TF handshake refused: " + reason);
    append_reply(out, "FAILED " + reason, ciphered);
    out.close_reason = "TF handshake refused: " + reason;
    stage_ = Stage::failed;
}

CoreOutput TfServerChannel::receive(std::string_view wire, SessionCore& core) {
    CoreOutput out;
    if (stage_ == Stage::failed) {
        return out;
    }
    if (stage_ == Stage::version || stage_ == Stage::key) {
        clear_.append(wire);
        while (stage_ == Stage::version || stage_ == Stage::key) {
            auto step = protocol::decode_tf_message(clear_.view(), max_handshake_message);
            if (std::holds_alternative<protocol::NeedMore>(step.result)) {
                return out;
            }
            clear_.consume(step.consumed);
            if (auto* error = std::get_if<protocol::TfError>(&step.result)) {
                refuse(out, "malformed handshake message: " + error->reason, false);
                return out;
            }
            on_clear_message(std::get<std::string>(step.result), out);
        }
        if (stage_ != Stage::hash) {
            return out;
        }
        // Whatever followed the key in the same read is already ciphered.
        wire = {};
        in_->feed(clear_.view());
        clear_.consume(clear_.size());
    }
    if (in_ && !wire.empty()) {
        in_->feed(wire);
    }
    if (stage_ == Stage::hash) {
        auto result = in_->next_tf_message(max_handshake_message);
        if (std::holds_alternative<protocol::NeedMore>(result)) {
            return out;
        }
        if (auto* error = std::get_if<protocol::TfError>(&result)) {
            refuse(out, "malformed hash message: " + error->reason, true);
            return out;
        }
        on_hash(std::get<std::string>(result), out);
    }
    if (stage_ == Stage::open) {
        feed_core(core, out);
    }
    return out;
}

void TfServerChannel::on_clear_message(const std::string& body, CoreOutput& out) {
    if (stage_ == Stage::version) {
        if (body != settings_->protocol_version) {
            refuse(out, "protocol version '" + body + "' is not supported", false);
            return;
        }
        append_reply(out, protocol::tf_ok, false);
        stage_ = Stage::key;
        return;
    }
    auto key = protocol::decrypt_session_key(settings_->private_key_pem, body);
    if (auto* error = std::get_if<protocol::TfRsaError>(&key)) {
        log_("session key: " + error->reason);
        refuse(out, "the session key cannot be decrypted", false);
        return;
    }
    const auto& session_key = std::get<std::string>(key);
    auto cipher = protocol::TfCipher::create(session_key);
    if (auto* error = std::get_if<protocol::TfCipherError>(&cipher)) {
        refuse(out, "unusable session key: " + error->reason, false);
        return;
    }
    out_.emplace(std::get<protocol::TfCipher>(cipher));
    in_.emplace(protocol::TfCipher(session_key));
    append_reply(out, protocol::tf_ok, false);
    stage_ = Stage::hash;
}

void TfServerChannel::on_hash(const std::string& body, CoreOutput& out) {
    if (body != settings_->hash) {
        refuse(out, "wrong hash", true);
        return;
    }
    append_reply(out, protocol::tf_ok, true);
    stage_ = Stage::open;
    log_("TF handshake done (session key of " + std::to_string(out_->key_size()) + " bytes)");
}

void TfServerChannel::feed_core(SessionCore& core, CoreOutput& out) {
    // The core says how long the client's next call is (a TF length, a body, an XSIME header,
    // a payload): a chunk is unpacked only once all of it is here.
    while (!core.closed()) {
        const auto size = core.next_call_size();
        if (size == 0) {
            break;
        }
        auto chunk = in_->take_chunk(size);
        if (!chunk) {
            break;
        }
        out.append(seal(core.receive(*chunk)));
    }
}

CoreOutput TfServerChannel::seal(CoreOutput plain) {
    if (!out_ || plain.bytes.empty()) {
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
        out_->pack(plain.bytes.data() + at, size);
        at += size;
    }
    return plain;
}

} // namespace xsime::mock
