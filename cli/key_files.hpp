// Reading the TF transport's PEM key files for `serve --key` and `run --pubkey`.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace xsime::cli {

// "0.0": the TF protocol version both sides use unless told otherwise.
inline constexpr std::string_view default_tf_protocol_version = "0.0";

struct KeyFileError {
    std::string message; // names the option and the file
};

// The PEM text of `path`, checked to be an unencrypted RSA-2048 private key.
std::variant<std::string, KeyFileError> read_private_key(std::string_view option,
                                                         const std::string& path);
// The PEM text of `path`, checked to be an RSA-2048 public key ("BEGIN PUBLIC KEY").
std::variant<std::string, KeyFileError> read_public_key(std::string_view option,
                                                        const std::string& path);

} // namespace xsime::cli
