// Unit tests of the TF handshake's RSA pieces: key pairs, RSA-OAEP (SHA-1) session-key
// exchange, clean failures on wrong keys and garbage, and the CSPRNG session key.
#include "protocol/tf_rsa.hpp"

#include <gtest/gtest.h>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <optional>
#include <string>

namespace xsime::protocol {
namespace {

template <typename T>
T value_of(TfRsaResult<T> result) {
    if (auto* error = std::get_if<TfRsaError>(&result)) {
        ADD_FAILURE() << "unexpected error: " << error->reason;
        return T{};
    }
    return std::get<T>(std::move(result));
}

template <typename T>
std::string error_of(const TfRsaResult<T>& result) {
    if (const auto* error = std::get_if<TfRsaError>(&result)) {
        return error->reason;
    }
    ADD_FAILURE() << "expected an error, got a value";
    return {};
}

// Key generation is slow under sanitizers: two pairs for the whole suite.
class TfRsa : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        first_ = value_of(generate_tf_key_pair());
        second_ = value_of(generate_tf_key_pair());
    }
    static TfKeyPair first_;
    static TfKeyPair second_;
};
TfKeyPair TfRsa::first_;
TfKeyPair TfRsa::second_;

// Decrypts with OpenSSL directly, padding and digests chosen here, independent of tf_rsa.
std::optional<std::string> decrypt_explicitly(const std::string& private_pem,
                                              const std::string& ciphertext, int padding,
                                              const EVP_MD* oaep_md) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size())), BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    if (!key) {
        return std::nullopt;
    }
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
        EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr), EVP_PKEY_CTX_free);
    if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding) <= 0) {
        return std::nullopt;
    }
    if (oaep_md != nullptr && (EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), oaep_md) <= 0 ||
                               EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), oaep_md) <= 0)) {
        return std::nullopt;
    }
    std::string out(512, '\0');
    std::size_t size = out.size();
    const auto* in = reinterpret_cast<const unsigned char*>(ciphertext.data());
    if (EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size, in,
                         ciphertext.size()) <= 0) {
        return std::nullopt;
    }
    out.resize(size);
    return out;
}

TEST_F(TfRsa, KeyPairIsPem) {
    EXPECT_EQ(first_.private_pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
    EXPECT_EQ(first_.public_pem.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
    EXPECT_NE(first_.private_pem, second_.private_pem);
}

TEST_F(TfRsa, SessionKeyRoundTripsAndCiphertextIs256Bytes) {
    for (const std::size_t size : {std::size_t{16}, std::size_t{100}, std::size_t{214}}) {
        const auto key = value_of(random_session_key(size));
        ASSERT_EQ(key.size(), size);
        const auto ciphertext = value_of(encrypt_session_key(first_.public_pem, key));
        EXPECT_EQ(ciphertext.size(), tf_rsa_ciphertext_size);
        EXPECT_EQ(value_of(decrypt_session_key(first_.private_pem, ciphertext)), key);
    }
}

// OAEP is randomised: the same key never gives the same ciphertext twice.
TEST_F(TfRsa, EncryptionIsRandomised) {
    const std::string key(32, 'k');
    EXPECT_NE(value_of(encrypt_session_key(first_.public_pem, key)),
              value_of(encrypt_session_key(first_.public_pem, key)));
}

TEST_F(TfRsa, PaddingIsOaepWithSha1) {
    const auto key = value_of(random_session_key(64));
    const auto ciphertext = value_of(encrypt_session_key(first_.public_pem, key));
    EXPECT_EQ(
        decrypt_explicitly(first_.private_pem, ciphertext, RSA_PKCS1_OAEP_PADDING, EVP_sha1()),
        std::optional<std::string>(key));
    // Another digest or padding must not decrypt it: SHA-1 is what the peer expects.
    EXPECT_EQ(
        decrypt_explicitly(first_.private_pem, ciphertext, RSA_PKCS1_OAEP_PADDING, EVP_sha256()),
        std::nullopt);
    EXPECT_NE(decrypt_explicitly(first_.private_pem, ciphertext, RSA_NO_PADDING, nullptr),
              std::optional<std::string>(key));
}

TEST_F(TfRsa, PublicKeyOfAPrivateKeyIsItsPair) {
    EXPECT_EQ(value_of(public_key_of(first_.private_pem)), first_.public_pem);
    EXPECT_NE(value_of(public_key_of(second_.private_pem)), first_.public_pem);
    EXPECT_NE(error_of(public_key_of(first_.public_pem)).find("private key"), std::string::npos);
    EXPECT_FALSE(error_of(public_key_of("garbage")).empty());
}

TEST_F(TfRsa, WrongPrivateKeyFailsCleanly) {
    const auto ciphertext = value_of(encrypt_session_key(first_.public_pem, std::string(16, 'a')));
    const auto reason = error_of(decrypt_session_key(second_.private_pem, ciphertext));
    EXPECT_NE(reason.find("decryption"), std::string::npos) << reason;
}

TEST_F(TfRsa, DamagedOrShortCiphertextFailsCleanly) {
    auto ciphertext = value_of(encrypt_session_key(first_.public_pem, std::string(16, 'a')));
    ciphertext[100] = static_cast<char>(ciphertext[100] ^ 0x40);
    EXPECT_FALSE(error_of(decrypt_session_key(first_.private_pem, ciphertext)).empty());
    EXPECT_FALSE(error_of(decrypt_session_key(first_.private_pem, "short")).empty());
    EXPECT_FALSE(error_of(decrypt_session_key(first_.private_pem, "")).empty());
}

TEST_F(TfRsa, GarbagePemFailsCleanly) {
    const std::string garbage =
        "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n";
    for (const std::string& pem : {std::string(), std::string("garbage"), garbage,
                                   first_.public_pem.substr(0, first_.public_pem.size() / 2)}) {
        const auto enc = error_of(encrypt_session_key(pem, std::string(16, 'a')));
        EXPECT_NE(enc.find("public key"), std::string::npos) << enc;
        const auto dec = error_of(decrypt_session_key(pem, std::string(256, 'a')));
        EXPECT_NE(dec.find("private key"), std::string::npos) << dec;
    }
    // Each key where the other is expected.
    EXPECT_FALSE(error_of(encrypt_session_key(first_.private_pem, std::string(16, 'a'))).empty());
    EXPECT_FALSE(error_of(decrypt_session_key(first_.public_pem, std::string(256, 'a'))).empty());
}

// A passphrase-protected key is refused as a value; it must never prompt on the terminal (a
// server started by CI has none).
TEST_F(TfRsa, EncryptedPrivateKeyIsRefusedWithoutPrompting) {
    std::unique_ptr<BIO, decltype(&BIO_free)> in(
        BIO_new_mem_buf(first_.private_pem.data(), static_cast<int>(first_.private_pem.size())),
        BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    ASSERT_TRUE(key);
    std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), BIO_free);
    char passphrase[] = "secret";
    ASSERT_GT(PEM_write_bio_PKCS8PrivateKey(out.get(), key.get(), EVP_aes_128_cbc(), nullptr, 0,
                                            nullptr, passphrase),
              0);
    char* data = nullptr;
    const long size = BIO_get_mem_data(out.get(), &data);
    const std::string encrypted_pem(data, static_cast<std::size_t>(size));
    ASSERT_NE(encrypted_pem.find("ENCRYPTED PRIVATE KEY"), std::string::npos);
    const auto ciphertext = value_of(encrypt_session_key(first_.public_pem, std::string(16, 'a')));
    EXPECT_NE(error_of(decrypt_session_key(encrypted_pem, ciphertext)).find("private key"),
              std::string::npos);
}

TEST_F(TfRsa, SessionKeyLongerThanOaepCarriesIsRefused) {
    EXPECT_FALSE(error_of(encrypt_session_key(first_.public_pem, std::string(215, 'a'))).empty());
}

TEST(TfRsaRandom, SessionKeySizesAreChecked) {
    EXPECT_NE(error_of(random_session_key(15)).find("15 bytes"), std::string::npos);
    EXPECT_NE(error_of(random_session_key(215)).find("215 bytes"), std::string::npos);
    const auto a = value_of(random_session_key(16));
    const auto b = value_of(random_session_key(16));
    EXPECT_EQ(a.size(), 16u);
    EXPECT_NE(a, b);
}

} // namespace
} // namespace xsime::protocol
