// Registration functions of the subcommands, one source file each.
#pragma once

#include <CLI/CLI.hpp>

namespace xsime::cli {

// Each registers its subcommand; its callback stores the process exit code in `exit_code`.
void setup_cmd_serve(CLI::App& app, int& exit_code);
void setup_cmd_run(CLI::App& app, int& exit_code);
void setup_cmd_coverage(CLI::App& app, int& exit_code);
void setup_cmd_keygen(CLI::App& app, int& exit_code);
void setup_cmd_client_driver(CLI::App& app, int& exit_code);
void setup_cmd_fmt(CLI::App& app, int& exit_code);
void setup_cmd_verify_bundle(CLI::App& app, int& exit_code);
void setup_cmd_fuzz(CLI::App& app, int& exit_code);

} // namespace xsime::cli
