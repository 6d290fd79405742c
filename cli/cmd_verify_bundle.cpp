// `xsime-conform verify-bundle FILE [--pubkey PUB.pem]`: checks a `run --bundle` archive. Every
// file's SHA-256 against MANIFEST, each changed, missing or extra file named; with --pubkey,
// MANIFEST.sig against MANIFEST. Exit 0 all match, 1 a mismatch, 2 unreadable or usage.
#include "cli/bundle_archive.hpp"
#include "cli/bundle_manifest.hpp"
#include "cli/bundle_signature.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace xsime::cli {

namespace {

struct VerifyOptions {
    std::string file;
    std::string pubkey;
};

int unreadable(const std::string& message) {
    std::cerr << "xsime-conform verify-bundle: " << message << '\n';
    return exit_usage;
}

// One line per problem, "PATH: what", on stdout; the problems are the command's answer.
void report(const std::string& path, std::string_view what, int& problems) {
    std::cout << path << ": " << what << '\n';
    ++problems;
}

// The members by path; a path twice or an entry that is not a file is a problem of its own.
std::map<std::string, std::string> by_path(std::vector<ArchiveMember>& members, int& problems) {
    std::map<std::string, std::string> files;
    for (ArchiveMember& member : members) {
        if (!member.regular) {
            report(member.path, "not a regular file (a bundle holds only files)", problems);
        } else if (!files.emplace(member.path, std::move(member.bytes)).second) {
            report(member.path, "held twice in the archive", problems);
        }
    }
    return files;
}

// MANIFEST.sig against MANIFEST with the --pubkey key.
void check_signature(const VerifyOptions& options, EVP_PKEY* key,
                     std::map<std::string, std::string>& files, const std::string& manifest,
                     int& problems) {
    const auto found = files.find(std::string(signature_name));
    if (key == nullptr) {
        if (found != files.end()) {
            std::cout << "note: MANIFEST.sig is present but not checked (give --pubkey)\n";
        }
    } else if (found == files.end()) {
        report(std::string(signature_name), "missing: the bundle is not signed", problems);
    } else if (!verify(key, manifest, found->second)) {
        report(std::string(signature_name),
               "bad signature: MANIFEST was changed, or not signed with the private key of " +
                   options.pubkey,
               problems);
    }
    if (found != files.end()) {
        files.erase(found);
    }
}

// The last line, and the exit code: 1 when any problem was named.
int verdict(const VerifyOptions& options, int problems, std::size_t files, bool signature) {
    if (problems > 0) {
        std::cout << "FAILED: " << problems << (problems == 1 ? " problem" : " problems") << " in "
                  << options.file << '\n';
        return exit_nonconformant;
    }
    std::cout << "OK: " << files << " files match MANIFEST"
              << (signature ? ", and MANIFEST.sig is its signature by " + options.pubkey : "")
              << '\n';
    return exit_ok;
}

int verify_bundle(const VerifyOptions& options) {
    Pkey key;
    if (!options.pubkey.empty()) {
        auto loaded = load_verifying_key(options.pubkey);
        if (auto* error = std::get_if<SignatureError>(&loaded)) {
            return unreadable("--pubkey: " + error->message);
        }
        key = std::move(std::get<Pkey>(loaded));
    }
    auto read = read_tar_gz(options.file);
    if (auto* error = std::get_if<ArchiveError>(&read)) {
        return unreadable("'" + options.file +
                          "' cannot be read as a bundle (.tar.gz): " + error->message);
    }
    int problems = 0;
    auto files = by_path(std::get<std::vector<ArchiveMember>>(read), problems);
    const auto manifest_file = files.find(std::string(manifest_name));
    if (manifest_file == files.end()) {
        report(std::string(manifest_name), "missing: nothing in the bundle can be checked",
               problems);
        return verdict(options, problems, 0, key != nullptr);
    }
    const std::string manifest = std::move(manifest_file->second);
    files.erase(manifest_file);
    check_signature(options, key.get(), files, manifest, problems);
    const auto listed = parse_manifest(manifest);
    if (const auto* error = std::get_if<ManifestError>(&listed)) {
        report(std::string(manifest_name), "malformed: " + error->message, problems);
        return verdict(options, problems, 0, key != nullptr);
    }
    const auto& hashes = std::get<std::map<std::string, std::string>>(listed);
    for (const FileProblem& problem : compare_to_manifest(files, hashes)) {
        report(problem.path, describe(problem.kind), problems);
    }
    return verdict(options, problems, hashes.size(), key != nullptr);
}

} // namespace

void setup_cmd_verify_bundle(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<VerifyOptions>();
    auto* cmd = app.add_subcommand(
        "verify-bundle",
        "Check a bundle written by 'run --bundle': recompute the SHA-256 of every file and "
        "compare with MANIFEST, naming each file that changed, is missing or is extra; with "
        "--pubkey, also check MANIFEST.sig. Exit codes: 0 everything matches, 1 a mismatch, "
        "2 the file cannot be read as a bundle, or a usage error.");
    cmd->add_option("file", options->file, "The bundle (.tar.gz)")->required()->type_name("FILE");
    cmd->add_option("--pubkey", options->pubkey,
                    "The signer's PEM public key: MANIFEST.sig must be its signature of "
                    "MANIFEST (a bundle without one fails)")
        ->type_name("PUB.pem");
    cmd->callback([options, &exit_code] { exit_code = verify_bundle(*options); });
}

} // namespace xsime::cli
