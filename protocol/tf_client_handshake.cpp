// The TF handshake as a client runs it: version and session key in clear, then the hash
// ciphered, each answered OK.
#include "protocol/tf_client_handshake.hpp"

#include "protocol/tf_framing.hpp"
#include "protocol/tf_rsa.hpp"

#include <utility>
#include <variant>

namespace xsime::protocol {

std::string quote_tf_text(std::string_view text) {
    constexpr std::size_t shown = 200;
    std::string out;
    for (const char c : text.substr(0, shown)) {
        const auto b = static_cast<unsigned char>(c);
        if (b >= 0x20 && b < 0x7f) {
            out.push_back(c);
        } else {
            static constexpr char digits[] = "0123456789abcdef";
            out += "\\x";
            out.push_back(digits[b >> 4]);
            out.push_back(digits[b & 0xF]);
        }
    }
    if (text.size() > shown) {
        out += "...";
    }
    return "'" + out + "'";
}

TfClientHandshake::TfClientHandshake(TfClientSettings settings) : settings_(std::move(settings)) {}

std::string TfClientHandshake::describe(Step step) const {
    switch (step) {
    case Step::version:
        return "step 1 (protocol version " + quote_tf_text(settings_.protocol_version) + ")";
    case Step::key:
        return "step 2 (session key, " + std::to_string(settings_.session_key_size) +
               " bytes RSA-OAEP encrypted to " + std::to_string(tf_rsa_ciphertext_size) + ")";
    case Step::hash:
        break;
    }
    return "step 3 (hash, ciphered)";
}

TfClientHandshake::Output TfClientHandshake::begin() {
    return Output{encode_tf_message(settings_.protocol_version), std::nullopt};
}

void TfClientHandshake::fail(Output& out, bool by_server, std::string reason) {
    out.failure = Failure{step_, by_server, std::move(reason)};
    stage_ = Stage::failed;
}

TfClientHandshake::Output TfClientHandshake::receive(std::string_view wire) {
    Output out;
    if (stage_ == Stage::version || stage_ == Stage::key) {
        clear_.append(wire);
        receive_clear(out);
        if (stage_ == Stage::hash) {
            // Whatever followed the second OK in the same read is already ciphered.
            in_->feed(clear_.view());
            clear_.consume(clear_.size());
            receive_hash_reply(out);
        }
    } else if (stage_ == Stage::hash) {
        in_->feed(wire);
        receive_hash_reply(out);
    }
    return out;
}

void TfClientHandshake::receive_clear(Output& out) {
    while (stage_ == Stage::version || stage_ == Stage::key) {
        auto decoded = decode_tf_message(clear_.view());
        if (std::holds_alternative<NeedMore>(decoded.result)) {
            return;
        }
        if (auto* error = std::get_if<TfError>(&decoded.result)) {
            fail(out, true, "the reply is not a TF message: " + error->reason);
            return;
        }
        clear_.consume(decoded.consumed);
        const auto& reply = std::get<std::string>(decoded.result);
        if (reply != tf_ok) {
            fail(out, true, "the server answered " + quote_tf_text(reply));
            return;
        }
        on_clear_ok(out);
    }
}

void TfClientHandshake::on_clear_ok(Output& out) {
    if (stage_ == Stage::version) {
        stage_ = Stage::key;
        step_ = Step::key;
        send_key(out);
        return;
    }
    // 3. From here on everything is ciphered: the hash, then TF commands.
    stage_ = Stage::hash;
    step_ = Step::hash;
    out_.emplace(session_key_);
    in_.emplace(TfCipher(session_key_));
    out.wire += pack_tf_message(*out_, settings_.hash);
}

// 2. A fresh session key from the CSPRNG, RSA-OAEP encrypted, in clear.
void TfClientHandshake::send_key(Output& out) {
    auto key = random_session_key(settings_.session_key_size);
    if (auto* error = std::get_if<TfRsaError>(&key)) {
        fail(out, false, "cannot make a TF session key: " + error->reason);
        return;
    }
    session_key_ = std::get<std::string>(std::move(key));
    auto sealed = encrypt_session_key(settings_.public_key_pem, session_key_);
    if (auto* error = std::get_if<TfRsaError>(&sealed)) {
        fail(out, false, "cannot encrypt the TF session key: " + error->reason);
        return;
    }
    out.wire += encode_tf_message(std::get<std::string>(sealed));
}

void TfClientHandshake::receive_hash_reply(Output& out) {
    auto result = in_->next_tf_message();
    if (std::holds_alternative<NeedMore>(result)) {
        return;
    }
    if (auto* error = std::get_if<TfError>(&result)) {
        fail(out, true, error->reason);
        return;
    }
    const auto& reply = std::get<std::string>(result);
    if (reply != tf_ok) {
        fail(out, true,
             "the server answered " + quote_tf_text(reply) +
                 " (after unpacking with the session key)");
        return;
    }
    stage_ = Stage::open;
}

} // namespace xsime::protocol
