// The MANIFEST of a `run --bundle` archive: the SHA-256 of every other file, one
// "<sha256>  <path>" line each, sorted by path, in the format `sha256sum -c` reads; and the
// comparison `verify-bundle` makes between a manifest and the files it finds.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xsime::cli {

inline constexpr std::string_view manifest_name = "MANIFEST";
inline constexpr std::string_view signature_name = "MANIFEST.sig";

// SHA-256 of `bytes`, 64 lowercase hex digits (OpenSSL EVP).
std::string sha256_hex(std::string_view bytes);

// One manifest line with its newline. A path holding '\n' or '\\' is escaped as sha256sum
// does: the line starts with '\\', and the path has "\\n" and "\\\\" for them.
std::string manifest_line(std::string_view sha256, std::string_view path);

// The manifest of `files` (path -> bytes): a line per file, sorted by path.
std::string make_manifest(const std::map<std::string, std::string>& files);

// path -> sha256 as a manifest lists them; an error names the first bad line.
struct ManifestError {
    std::string message;
};
std::variant<std::map<std::string, std::string>, ManifestError>
parse_manifest(std::string_view text);

// What verification found wrong with one file.
struct FileProblem {
    enum class Kind { changed, missing, extra } kind;
    std::string path;
};

// The files of the bundle (path -> bytes, the manifest and its signature excluded) against
// the manifest's hashes: each file whose bytes changed, each listed file missing, each file
// not listed; sorted by path. Empty: they match.
std::vector<FileProblem> compare_to_manifest(const std::map<std::string, std::string>& files,
                                             const std::map<std::string, std::string>& listed);

// "changed: its SHA-256 differs from MANIFEST's", ...: the words verify-bundle prints.
std::string_view describe(FileProblem::Kind kind);

} // namespace xsime::cli
