// RSA pieces of the TF handshake (OpenSSL 3): key pairs as PEM, RSA-OAEP (SHA-1, MGF1-SHA-1)
// encryption of the session key, and random session keys from a CSPRNG.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

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

// `size` bytes from OpenSSL's CSPRNG (RAND_bytes); fails when size is outside 16..214 (the
// session key sizes the protocol allows) or the generator is not seeded.
TfRsaResult<std::string> random_session_key(std::size_t size);

} // namespace xsime::protocol
