// RSA pieces of the TF handshake (OpenSSL 3): key pairs as PEM, RSA-OAEP (SHA-1, MGF1-SHA-1)
// encryption of the session key, and random session keys from a CSPRNG.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

// OpenSSL's EVP_PKEY, declared here so that this header does not pull in OpenSSL's.
struct evp_pkey_st;

namespace xsime::protocol {

// "the server's 2048-bit RSA public key": the encrypted session key is 256 bytes on the wire.
inline constexpr int tf_rsa_bits = 2048;
inline constexpr std::size_t tf_rsa_ciphertext_size = 256;

struct TfRsaError {
    std::string reason; // what failed, then OpenSSL's own error text when it gave one
};

template <typename T>
using TfRsaResult = std::variant<T, TfRsaError>;

struct TfKeyPair {
    std::string private_pem; // PKCS#8 "BEGIN PRIVATE KEY"
    std::string public_pem;  // SubjectPublicKeyInfo "BEGIN PUBLIC KEY"
};

// A fresh 2048-bit RSA key pair (public exponent 65537).
TfRsaResult<TfKeyPair> generate_tf_key_pair();

// The public half ("BEGIN PUBLIC KEY") of an RSA-2048 private key in PEM; fails, naming why,
// on anything else (so a server can check its key file before it listens).
TfRsaResult<std::string> public_key_of(std::string_view private_pem);

// Encrypts the session key with an RSA-2048 public key in PEM ("BEGIN PUBLIC KEY") using
// OAEP with SHA-1 and MGF1-SHA-1 (OpenSSL's RSA_PKCS1_OAEP_PADDING); 256 bytes. Fails on a
// PEM that is not an RSA-2048 public key and on a key longer than OAEP can carry (214 bytes).
TfRsaResult<std::string> encrypt_session_key(std::string_view public_pem,
                                             std::string_view session_key);

// Decrypts a ciphertext from encrypt_session_key with the matching private key in PEM (PKCS#8
// or the traditional "BEGIN RSA PRIVATE KEY"). A wrong key or damaged ciphertext is an error,
// never garbage.
TfRsaResult<std::string> decrypt_session_key(std::string_view private_pem,
                                             std::string_view ciphertext);

// An RSA-2048 private key parsed once, for a server that decrypts a session key per handshake:
// parsing the PEM costs more than the decryption. Copies share the key; decrypt() may run on
// several threads at once (each call has its own OpenSSL context).
class TfPrivateKey {
public:
    // Fails as decrypt_session_key does on the same PEM (same reasons).
    static TfRsaResult<TfPrivateKey> parse(std::string_view private_pem);
    // decrypt_session_key with this key.
    TfRsaResult<std::string> decrypt(std::string_view ciphertext) const;

private:
    explicit TfPrivateKey(std::shared_ptr<evp_pkey_st> key) : key_(std::move(key)) {}
    std::shared_ptr<evp_pkey_st> key_;
};

// `size` bytes from OpenSSL's CSPRNG (RAND_bytes); fails when size is outside 16..214 (the
// session key sizes the protocol allows) or the generator is not seeded.
TfRsaResult<std::string> random_session_key(std::size_t size);

} // namespace xsime::protocol
