// The signature of a bundle's MANIFEST (MANIFEST.sig): made with the private key of
// `run --sign KEY.pem`, checked with the public key of `verify-bundle --pubkey PUB.pem`.
// RSA (PKCS#1 v1.5) and EC (ECDSA) keys sign a SHA-256 digest, Ed25519 and Ed448 keys the
// message itself; the signature is raw, so that `openssl dgst -sha256 -verify PUB.pem
// -signature MANIFEST.sig MANIFEST` checks an RSA or EC one too.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

typedef struct evp_pkey_st EVP_PKEY;

namespace xsime::cli {

struct SignatureError {
    std::string message; // what failed, with OpenSSL's reason when it gave one
};

struct PkeyFree {
    void operator()(EVP_PKEY* key) const;
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// An unencrypted PEM private key (PKCS#8 or the traditional RSA/EC forms) of `path`.
std::variant<Pkey, SignatureError> load_signing_key(const std::string& path);
// A PEM public key ("BEGIN PUBLIC KEY"), or the public half of a PEM private key, of `path`.
std::variant<Pkey, SignatureError> load_verifying_key(const std::string& path);

std::variant<std::string, SignatureError> sign(EVP_PKEY* key, std::string_view message);
// True when `signature` is `key`'s signature of `message`.
bool verify(EVP_PKEY* key, std::string_view message, std::string_view signature);

} // namespace xsime::cli
