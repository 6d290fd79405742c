// Key files are checked when the command starts, so a wrong file fails at once with its name,
// not as a handshake failure in every session.
#include "cli/key_files.hpp"

#include "protocol/tf_cipher.hpp"
#include "protocol/tf_rsa.hpp"

#include <fstream>

namespace xsime::cli {

namespace {

// A PEM key is a few KiB; anything much bigger is the wrong file.
constexpr std::size_t max_key_file = 64 * 1024;

std::variant<std::string, KeyFileError> read_file(std::string_view option,
                                                  const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return KeyFileError{std::string(option) + ": cannot read '" + path + "'"};
    }
    std::string text;
    text.resize(max_key_file + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_key_file) {
        return KeyFileError{std::string(option) + ": '" + path + "' is over 64 KiB: not a PEM key"};
    }
    return text;
}

} // namespace

std::variant<std::string, KeyFileError> read_private_key(std::string_view option,
                                                         const std::string& path) {
    auto text = read_file(option, path);
    if (auto* error = std::get_if<KeyFileError>(&text)) {
        return *error;
    }
    const auto public_key = protocol::public_key_of(std::get<std::string>(text));
    if (const auto* error = std::get_if<protocol::TfRsaError>(&public_key)) {
        return KeyFileError{std::string(option) + ": '" + path + "': " + error->reason};
    }
    return text;
}

std::variant<std::string, KeyFileError> read_public_key(std::string_view option,
                                                        const std::string& path) {
    auto text = read_file(option, path);
    if (auto* error = std::get_if<KeyFileError>(&text)) {
        return *error;
    }
    // Encrypting a throwaway key is the complete check: PEM form, RSA, 2048 bits, OAEP.
    const auto trial = protocol::encrypt_session_key(
        std::get<std::string>(text), std::string(protocol::tf_session_key_min, '\0'));
    if (const auto* error = std::get_if<protocol::TfRsaError>(&trial)) {
        return KeyFileError{std::string(option) + ": '" + path + "': " + error->reason};
    }
    return text;
}

} // namespace xsime::cli
