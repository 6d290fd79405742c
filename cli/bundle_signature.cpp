// The signature of a bundle's MANIFEST (bundle_signature.hpp), with OpenSSL 3's EVP.
#include "cli/bundle_signature.hpp"

#include <fstream>
#include <iterator>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace xsime::cli {

namespace {

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// OpenSSL's newest queued reason, or "" (and the queue emptied, so it does not leak into a
// later message).
std::string openssl_reason() {
    const unsigned long code = ERR_peek_last_error();
    ERR_clear_error();
    if (code == 0) {
        return "";
    }
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return std::string(": ") + text;
}

// The digest to sign with: SHA-256, except for the keys that hash by themselves.
const EVP_MD* digest_for(EVP_PKEY* key) {
    const int id = EVP_PKEY_get_base_id(key);
    return id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? nullptr : EVP_sha256();
}

// A passphrase prompt would hang a CI job: an encrypted key is refused instead.
int no_passphrase(char*, int, int, void*) {
    return -1;
}

std::variant<Pkey, SignatureError> load_key(const std::string& path, bool private_key) {
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) {
        return SignatureError{"cannot read the key file '" + path + "'"};
    }
    const std::string pem{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    EVP_PKEY* key = nullptr;
    if (bio && private_key) {
        key = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
    } else if (bio) {
        key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
        if (key == nullptr) { // a private key file holds its public half too
            BIO_reset(bio.get());
            key = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
        }
    }
    if (key == nullptr) {
        return SignatureError{"'" + path + "' is not an unencrypted PEM " +
                              (private_key ? "private" : "public") + " key" + openssl_reason()};
    }
    return Pkey(key);
}

} // namespace

void PkeyFree::operator()(EVP_PKEY* key) const {
    EVP_PKEY_free(key);
}

std::variant<Pkey, SignatureError> load_signing_key(const std::string& path) {
    return load_key(path, true);
}

std::variant<Pkey, SignatureError> load_verifying_key(const std::string& path) {
    return load_key(path, false);
}

std::variant<std::string, SignatureError> sign(EVP_PKEY* key, std::string_view message) {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    const auto* data = reinterpret_cast<const unsigned char*>(message.data());
    std::size_t size = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, digest_for(key), nullptr, key) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &size, data, message.size()) != 1) {
        return SignatureError{"cannot sign with this key" + openssl_reason()};
    }
    std::string signature(size, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                       message.size()) != 1) {
        return SignatureError{"signing failed" + openssl_reason()};
    }
    signature.resize(size); // an ECDSA signature may be shorter than the bound
    return signature;
}

bool verify(EVP_PKEY* key, std::string_view message, std::string_view signature) {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    const bool ok =
        ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, digest_for(key), nullptr, key) == 1 &&
        EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                         signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                         message.size()) == 1;
    ERR_clear_error(); // a bad signature queues an error nobody else should see
    return ok;
}

} // namespace xsime::cli
