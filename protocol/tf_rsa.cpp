// RSA-OAEP session-key exchange and key generation for the TF handshake, on OpenSSL 3's EVP
// API (the RSA_* calls are deprecated there and would warn).
#include "protocol/tf_rsa.hpp"

#include "protocol/tf_cipher.hpp"

#include <memory>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

namespace xsime::protocol {

namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct BioFree {
    void operator()(BIO* p) const { BIO_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

// `what`, then every error OpenSSL queued on this thread (the queue is left empty, so the
// next failure does not report this one's causes).
TfRsaError openssl_error(std::string what) {
    unsigned long code = 0;
    bool first = true;
    while ((code = ERR_get_error()) != 0) {
        char text[256];
        ERR_error_string_n(code, text, sizeof text);
        what += first ? ": " : "; ";
        what += text;
        first = false;
    }
    return TfRsaError{std::move(what)};
}

Bio memory_bio(std::string_view bytes) {
    // BIO_new_mem_buf only reads the buffer; its length is an int.
    if (bytes.size() > 1024 * 1024) {
        return nullptr;
    }
    return Bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

std::string bio_contents(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

TfRsaResult<Pkey> checked_rsa(Pkey key, const char* kind) {
    if (!EVP_PKEY_is_a(key.get(), "RSA")) {
        return TfRsaError{std::string(kind) + " is not an RSA key"};
    }
    if (EVP_PKEY_get_bits(key.get()) != tf_rsa_bits) {
        return TfRsaError{std::string(kind) + " has " +
                          std::to_string(EVP_PKEY_get_bits(key.get())) +
                          " bits; the TF handshake uses " + std::to_string(tf_rsa_bits)};
    }
    return key;
}

TfRsaResult<Pkey> load_public(std::string_view pem) {
    ERR_clear_error();
    auto bio = memory_bio(pem);
    if (!bio) {
        return openssl_error("cannot read the public key PEM");
    }
    Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    if (!key) {
        return openssl_error("not a PEM public key (expected BEGIN PUBLIC KEY)");
    }
    return checked_rsa(std::move(key), "the public key");
}

TfRsaResult<Pkey> load_private(std::string_view pem) {
    ERR_clear_error();
    auto bio = memory_bio(pem);
    if (!bio) {
        return openssl_error("cannot read the private key PEM");
    }
    // A null password callback with an empty passphrase: an encrypted key fails here instead
    // of prompting on the terminal.
    char empty[] = "";
    Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, empty));
    if (!key) {
        return openssl_error("not an unencrypted PEM private key");
    }
    return checked_rsa(std::move(key), "the private key");
}

// OAEP with SHA-1 for both the label hash and MGF1, spelled out rather than left to the
// defaults: that is what RSA_PKCS1_OAEP_PADDING means to a TF peer.
bool set_oaep_sha1(EVP_PKEY_CTX* ctx) {
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha1()) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha1()) > 0;
}

} // namespace

TfRsaResult<TfKeyPair> generate_tf_key_pair() {
    ERR_clear_error();
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), tf_rsa_bits) <= 0) {
        return openssl_error("cannot set up RSA key generation");
    }
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_generate(ctx.get(), &raw) <= 0) {
        return openssl_error("RSA key generation failed");
    }
    Pkey key(raw);
    Bio private_bio(BIO_new(BIO_s_mem()));
    Bio public_bio(BIO_new(BIO_s_mem()));
    if (!private_bio || !public_bio ||
        PEM_write_bio_PrivateKey(private_bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                 nullptr) <= 0 ||
        PEM_write_bio_PUBKEY(public_bio.get(), key.get()) <= 0) {
        return openssl_error("cannot write the key pair as PEM");
    }
    return TfKeyPair{bio_contents(private_bio.get()), bio_contents(public_bio.get())};
}

TfRsaResult<std::string> public_key_of(std::string_view private_pem) {
    auto loaded = load_private(private_pem);
    if (auto* error = std::get_if<TfRsaError>(&loaded)) {
        return std::move(*error);
    }
    Bio public_bio(BIO_new(BIO_s_mem()));
    if (!public_bio || PEM_write_bio_PUBKEY(public_bio.get(), std::get<Pkey>(loaded).get()) <= 0) {
        return openssl_error("cannot write the public key as PEM");
    }
    return bio_contents(public_bio.get());
}

TfRsaResult<std::string> encrypt_session_key(std::string_view public_pem,
                                             std::string_view session_key) {
    auto loaded = load_public(public_pem);
    if (auto* error = std::get_if<TfRsaError>(&loaded)) {
        return std::move(*error);
    }
    const auto& key = std::get<Pkey>(loaded);
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) <= 0 || !set_oaep_sha1(ctx.get())) {
        return openssl_error("cannot set up RSA-OAEP encryption");
    }
    const auto* in = reinterpret_cast<const unsigned char*>(session_key.data());
    std::size_t size = 0;
    if (EVP_PKEY_encrypt(ctx.get(), nullptr, &size, in, session_key.size()) <= 0) {
        return openssl_error("RSA-OAEP encryption failed");
    }
    std::string out(size, '\0');
    if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size, in,
                         session_key.size()) <= 0) {
        return openssl_error("RSA-OAEP encryption of a " + std::to_string(session_key.size()) +
                             "-byte session key failed");
    }
    out.resize(size);
    return out;
}

TfRsaResult<TfPrivateKey> TfPrivateKey::parse(std::string_view private_pem) {
    auto loaded = load_private(private_pem);
    if (auto* error = std::get_if<TfRsaError>(&loaded)) {
        return std::move(*error);
    }
    return TfPrivateKey(std::shared_ptr<EVP_PKEY>(std::get<Pkey>(loaded).release(), PkeyFree{}));
}

TfRsaResult<std::string> TfPrivateKey::decrypt(std::string_view ciphertext) const {
    ERR_clear_error();
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
    if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) <= 0 || !set_oaep_sha1(ctx.get())) {
        return openssl_error("cannot set up RSA-OAEP decryption");
    }
    const auto* in = reinterpret_cast<const unsigned char*>(ciphertext.data());
    std::size_t size = 0;
    if (EVP_PKEY_decrypt(ctx.get(), nullptr, &size, in, ciphertext.size()) <= 0) {
        return openssl_error("RSA-OAEP decryption failed");
    }
    std::string out(size, '\0');
    if (EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size, in,
                         ciphertext.size()) <= 0) {
        return openssl_error("RSA-OAEP decryption of " + std::to_string(ciphertext.size()) +
                             " bytes failed (wrong key or damaged ciphertext)");
    }
    out.resize(size);
    return out;
}

TfRsaResult<std::string> decrypt_session_key(std::string_view private_pem,
                                             std::string_view ciphertext) {
    auto key = TfPrivateKey::parse(private_pem);
    if (auto* error = std::get_if<TfRsaError>(&key)) {
        return std::move(*error);
    }
    return std::get<TfPrivateKey>(key).decrypt(ciphertext);
}

TfRsaResult<std::string> random_session_key(std::size_t size) {
    if (size < tf_session_key_min || size > tf_session_key_max) {
        return TfRsaError{"a session key of " + std::to_string(size) + " bytes; it must be " +
                          std::to_string(tf_session_key_min) + " to " +
                          std::to_string(tf_session_key_max)};
    }
    ERR_clear_error();
    std::string key(size, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(size)) != 1) {
        return openssl_error("the random generator failed");
    }
    return key;
}

} // namespace xsime::protocol
