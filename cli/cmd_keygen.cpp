// `xsime-conform keygen DIR`: writes the RSA-2048 key pair of a TF server as DIR/private.pem
// and DIR/public.pem.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "protocol/tf_rsa.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace xsime::cli {

namespace {

namespace fs = std::filesystem;

struct KeygenOptions {
    std::string dir;
    bool force = false;
};

int fail(int code, const std::string& message) {
    std::cerr << "xsime-conform keygen: " << message << '\n';
    return code;
}

// Writes `text` to `path` with `mode`. Without `force` the file must not exist (O_EXCL, so a
// file appearing between the check and the write is not clobbered either). The mode is set
// again after opening: an existing file keeps its old mode under O_TRUNC, and a private key
// must not stay world-readable. An empty result is success, else the reason.
std::string write_file(const fs::path& path, std::string_view text, mode_t mode, bool force) {
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
    const int fd = ::open(path.c_str(), flags, mode);
    if (fd < 0) {
        return "cannot create " + path.string() + ": " + std::strerror(errno);
    }
    std::string error;
    if (::fchmod(fd, mode) != 0) {
        error = "cannot set the mode of " + path.string() + ": " + std::strerror(errno);
    }
    while (error.empty() && !text.empty()) {
        const auto written = ::write(fd, text.data(), text.size());
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            error = "cannot write " + path.string() + ": " + std::strerror(errno);
            break;
        }
        text.remove_prefix(static_cast<std::size_t>(written));
    }
    if (::close(fd) != 0 && error.empty()) {
        error = "cannot write " + path.string() + ": " + std::strerror(errno);
    }
    return error;
}

int keygen(const KeygenOptions& options) {
    const fs::path dir = options.dir;
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
        return fail(exit_usage, dir.string() + " exists and is not a directory");
    }
    if (!fs::exists(dir, ec) && !fs::create_directories(dir, ec)) {
        return fail(exit_harness_fault, "cannot create " + dir.string() + ": " + ec.message());
    }
    const auto private_path = dir / "private.pem";
    const auto public_path = dir / "public.pem";
    if (!options.force) {
        for (const auto& path : {private_path, public_path}) {
            if (fs::symlink_status(path, ec).type() != fs::file_type::not_found) {
                return fail(exit_usage,
                            path.string() +
                                " already exists; pass --force to replace the key pair");
            }
        }
    }

    auto generated = protocol::generate_tf_key_pair();
    if (const auto* error = std::get_if<protocol::TfRsaError>(&generated)) {
        return fail(exit_harness_fault, error->reason);
    }
    const auto& pair = std::get<protocol::TfKeyPair>(generated);
    if (auto error = write_file(private_path, pair.private_pem, 0600, options.force);
        !error.empty()) {
        return fail(exit_harness_fault, error);
    }
    if (auto error = write_file(public_path, pair.public_pem, 0644, options.force);
        !error.empty()) {
        // A private key without its public half is useless and would block the next run.
        fs::remove(private_path, ec);
        return fail(exit_harness_fault, error);
    }
    std::cout << "wrote " << private_path.string() << " (mode 0600: the server's secret) and "
              << public_path.string() << " (for clients)\n";
    return exit_ok;
}

} // namespace

void setup_cmd_keygen(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<KeygenOptions>();
    auto* cmd = app.add_subcommand(
        "keygen", "Write a 2048-bit RSA key pair for the TF handshake: DIR/private.pem (mode "
                  "0600, the TF server's secret) and DIR/public.pem (for its clients). Exit 2 "
                  "when a file exists (see --force), 3 when writing fails.");
    cmd->add_option("dir", options->dir, "Directory for the key pair; created when missing")
        ->type_name("DIR")
        ->required();
    cmd->add_flag("--force", options->force, "Replace an existing private.pem and public.pem");
    cmd->callback([options, &exit_code] { exit_code = keygen(*options); });
}

} // namespace xsime::cli
