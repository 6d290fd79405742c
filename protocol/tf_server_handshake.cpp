// The TF handshake as a real TF server runs it: each step answered OK, or FAILED and the end.
#include "protocol/tf_server_handshake.hpp"

#include "protocol/tf_framing.hpp"

namespace xsime::protocol {

namespace {
// Handshake messages are a version string, a 256-byte key and a hash: anything near this
// size is not a TF client.
constexpr std::size_t max_handshake_message = 4096;
} // namespace

void TfServerSettings::parse_private_key() {
    auto key = TfPrivateKey::parse(private_key_pem);
    private_key = std::holds_alternative<TfPrivateKey>(key)
                      ? std::make_shared<const TfPrivateKey>(std::get<TfPrivateKey>(std::move(key)))
                      : nullptr;
}

TfServerHandshake::TfServerHandshake(std::shared_ptr<const TfServerSettings> settings)
    : settings_(std::move(settings)) {}

bool TfServerHandshake::mid_message() const {
    if (stage_ == Stage::version || stage_ == Stage::key) {
        return !clear_.empty();
    }
    return in_ && in_->mid_chunk();
}

void TfServerHandshake::reply(Output& out, std::string_view body, bool ciphered) {
    out.wire += ciphered ? pack_tf_message(*out_, body) : encode_tf_message(body);
    out.calls.push_back(tf_length_size);
    if (!body.empty()) {
        out.calls.push_back(body.size());
    }
}

void TfServerHandshake::refuse(Output& out, Refusal refusal, bool ciphered) {
    reply(out, "FAILED " + refusal.reason, ciphered);
    out.refusal = std::move(refusal);
    stage_ = Stage::failed;
}

TfServerHandshake::Output TfServerHandshake::receive(std::string_view wire) {
    Output out;
    if (stage_ == Stage::version || stage_ == Stage::key) {
        clear_.append(wire);
        receive_clear(out);
        if (stage_ != Stage::hash) {
            return out;
        }
        // Whatever followed the key in the same read is already ciphered.
        in_->feed(clear_.view());
        clear_.consume(clear_.size());
    } else if (stage_ == Stage::hash) {
        in_->feed(wire);
    } else {
        return out;
    }
    auto result = in_->next_tf_message(max_handshake_message);
    if (std::holds_alternative<NeedMore>(result)) {
        return out;
    }
    if (auto* error = std::get_if<TfError>(&result)) {
        refuse(out, {Step::hash, "malformed hash message: " + error->reason, "", ""}, true);
        return out;
    }
    on_hash(std::get<std::string>(result), out);
    return out;
}

void TfServerHandshake::receive_clear(Output& out) {
    while (stage_ == Stage::version || stage_ == Stage::key) {
        auto step = decode_tf_message(clear_.view(), max_handshake_message);
        if (std::holds_alternative<NeedMore>(step.result)) {
            return;
        }
        if (auto* error = std::get_if<TfError>(&step.result)) {
            const auto head = clear_.view().substr(0, tf_length_size);
            refuse(out,
                   {step_, "malformed handshake message: " + error->reason, "", std::string(head)},
                   false);
            return;
        }
        clear_.consume(step.consumed);
        on_clear_message(std::get<std::string>(step.result), out);
    }
}

void TfServerHandshake::on_clear_message(const std::string& body, Output& out) {
    if (stage_ == Stage::key) {
        on_key(body, out);
        return;
    }
    if (body != settings_->protocol_version) {
        refuse(out, {Step::version, "protocol version '" + body + "' is not supported", "", body},
               false);
        return;
    }
    reply(out, tf_ok, false);
    stage_ = Stage::key;
    step_ = Step::key;
}

void TfServerHandshake::on_key(const std::string& body, Output& out) {
    auto key = settings_->private_key ? settings_->private_key->decrypt(body)
                                      : decrypt_session_key(settings_->private_key_pem, body);
    if (auto* error = std::get_if<TfRsaError>(&key)) {
        refuse(out, {Step::key, "the session key cannot be decrypted", error->reason, body}, false);
        return;
    }
    const auto& session_key = std::get<std::string>(key);
    auto cipher = TfCipher::create(session_key);
    if (auto* error = std::get_if<TfCipherError>(&cipher)) {
        refuse(out, {Step::key, "unusable session key: " + error->reason, "", body}, false);
        return;
    }
    out_.emplace(std::get<TfCipher>(cipher));
    in_.emplace(TfCipher(session_key));
    reply(out, tf_ok, false);
    stage_ = Stage::hash;
    step_ = Step::hash;
}

void TfServerHandshake::on_hash(const std::string& body, Output& out) {
    if (body != settings_->hash) {
        refuse(out, {Step::hash, "wrong hash", "", body}, true);
        return;
    }
    reply(out, tf_ok, true);
    stage_ = Stage::open;
}

} // namespace xsime::protocol
