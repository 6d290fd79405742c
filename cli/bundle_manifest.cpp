// The MANIFEST of a bundle (bundle_manifest.hpp).
#include "cli/bundle_manifest.hpp"

#include <openssl/evp.h>
#include <stdexcept>

namespace xsime::cli {

namespace {

constexpr std::size_t sha256_hex_size = 64;

bool is_hex_digest(std::string_view text) {
    return text.size() == sha256_hex_size &&
           text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// sha256sum's escaping: "\\n" is a newline, "\\\\" a backslash; anything else is an error.
bool unescape(std::string_view escaped, std::string& path) {
    path.clear();
    for (std::size_t i = 0; i < escaped.size(); ++i) {
        if (escaped[i] != '\\') {
            path += escaped[i];
            continue;
        }
        if (++i == escaped.size() || (escaped[i] != 'n' && escaped[i] != '\\')) {
            return false;
        }
        path += escaped[i] == 'n' ? '\n' : '\\';
    }
    return true;
}

} // namespace

std::string sha256_hex(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
        // Only an OpenSSL without SHA-256 gets here: nothing a user can act on.
        throw std::runtime_error("OpenSSL could not compute a SHA-256");
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out += digits[digest[i] >> 4];
        out += digits[digest[i] & 0x0F];
    }
    return out;
}

std::string manifest_line(std::string_view sha256, std::string_view path) {
    if (path.find_first_of("\n\\") == std::string_view::npos) {
        return std::string(sha256) + "  " + std::string(path) + "\n";
    }
    std::string escaped;
    for (const char c : path) {
        escaped += c == '\n' ? "\\n" : c == '\\' ? "\\\\" : std::string(1, c);
    }
    return "\\" + std::string(sha256) + "  " + escaped + "\n";
}

std::string make_manifest(const std::map<std::string, std::string>& files) {
    std::string out;
    for (const auto& [path, bytes] : files) { // a std::map is sorted by path
        out += manifest_line(sha256_hex(bytes), path);
    }
    return out;
}

std::variant<std::map<std::string, std::string>, ManifestError>
parse_manifest(std::string_view text) {
    std::map<std::string, std::string> listed;
    std::size_t number = 0;
    while (!text.empty()) {
        ++number;
        const auto end = text.find('\n');
        if (end == std::string_view::npos) {
            return ManifestError{"line " + std::to_string(number) + " has no final newline"};
        }
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end + 1);
        const bool escaped = !line.empty() && line.front() == '\\';
        line.remove_prefix(escaped ? 1 : 0);
        const bool well_formed = line.size() > sha256_hex_size + 2 &&
                                 is_hex_digest(line.substr(0, sha256_hex_size)) &&
                                 line.substr(sha256_hex_size, 2) == "  ";
        std::string path(well_formed ? line.substr(sha256_hex_size + 2) : "");
        if (!well_formed || (escaped && !unescape(std::string(path), path))) {
            return ManifestError{"line " + std::to_string(number) + " is not \"<sha256>  <path>\""};
        }
        if (!listed.emplace(path, std::string(line.substr(0, sha256_hex_size))).second) {
            return ManifestError{"line " + std::to_string(number) + " lists '" + path +
                                 "' a second time"};
        }
    }
    return listed;
}

std::vector<FileProblem> compare_to_manifest(const std::map<std::string, std::string>& files,
                                             const std::map<std::string, std::string>& listed) {
    std::map<std::string, FileProblem::Kind> problems;
    for (const auto& [path, sha256] : listed) {
        const auto found = files.find(path);
        if (found == files.end()) {
            problems.emplace(path, FileProblem::Kind::missing);
        } else if (sha256_hex(found->second) != sha256) {
            problems.emplace(path, FileProblem::Kind::changed);
        }
    }
    for (const auto& [path, bytes] : files) {
        if (listed.count(path) == 0) {
            problems.emplace(path, FileProblem::Kind::extra);
        }
    }
    std::vector<FileProblem> out;
    for (const auto& [path, kind] : problems) {
        out.push_back({kind, path});
    }
    return out;
}

std::string_view describe(FileProblem::Kind kind) {
    switch (kind) {
    case FileProblem::Kind::changed:
        return "changed: its SHA-256 is not the one MANIFEST lists";
    case FileProblem::Kind::missing:
        return "missing: MANIFEST lists it, the bundle does not hold it";
    case FileProblem::Kind::extra:
        return "extra: the bundle holds it, MANIFEST does not list it";
    }
    return "";
}

} // namespace xsime::cli
