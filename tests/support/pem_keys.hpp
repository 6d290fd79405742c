// Test support: fresh key pairs as PEM text (OpenSSL 3), for the tests of what signs and
// verifies: RSA, EC P-256 and Ed25519, and an encrypted private key.
#pragma once

#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdexcept>
#include <string>

namespace xsime::test {

struct PemKeyPair {
    std::string private_pem; // PKCS#8, unencrypted unless made with a passphrase
    std::string public_pem;  // "BEGIN PUBLIC KEY"
};

// "RSA" (2048 bits), "EC" (P-256) or "ED25519"; with `passphrase`, the private key is
// encrypted with AES-256-CBC. Throws std::runtime_error when OpenSSL fails.
inline PemKeyPair make_pem_key_pair(const std::string& type, const std::string& passphrase = "") {
    EVP_PKEY* raw = type == "RSA"  ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048})
                    : type == "EC" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                   : EVP_PKEY_Q_keygen(nullptr, nullptr, type.c_str());
    if (raw == nullptr) {
        throw std::runtime_error("cannot make a " + type + " key");
    }
    const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw, EVP_PKEY_free);
    const auto pem = [](auto write) {
        const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
        if (!bio || write(bio.get()) != 1) {
            throw std::runtime_error("cannot write a PEM key");
        }
        char* data = nullptr;
        const long size = BIO_get_mem_data(bio.get(), &data);
        return std::string(data, static_cast<std::size_t>(size));
    };
    PemKeyPair pair;
    pair.private_pem = pem([&](BIO* bio) {
        if (passphrase.empty()) {
            return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
        }
        return PEM_write_bio_PKCS8PrivateKey(bio, key.get(), EVP_aes_256_cbc(), passphrase.data(),
                                             static_cast<int>(passphrase.size()), nullptr, nullptr);
    });
    pair.public_pem = pem([&](BIO* bio) { return PEM_write_bio_PUBKEY(bio, key.get()); });
    return pair;
}

} // namespace xsime::test
