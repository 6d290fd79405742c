// Entry point of xsime-conform: registers the subcommands and maps parse errors to exit codes.
#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

int main(int argc, char** argv) {
    xsime::cli::remember_command_line(argc, argv); // for the COMMAND file of run --bundle
    CLI::App app{"xsime-conform: conformance harness, reference server and fuzzer for the "
                 "Instant Message eXtension (XSIME) of the TF PROTOCOL."};
    app.require_subcommand(1);
    app.set_version_flag("--version", "xsime-conform " XSIME_VERSION);
    int exit_code = xsime::cli::exit_ok;
    xsime::cli::setup_cmd_run(app, exit_code);
    xsime::cli::setup_cmd_coverage(app, exit_code);
    xsime::cli::setup_cmd_serve(app, exit_code);
    xsime::cli::setup_cmd_keygen(app, exit_code);
    xsime::cli::setup_cmd_client_driver(app, exit_code);
    xsime::cli::setup_cmd_fmt(app, exit_code);
    xsime::cli::setup_cmd_verify_bundle(app, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return xsime::cli::exit_usage;
    } catch (const std::exception& e) {
        std::cerr << "xsime-conform: " << e.what() << '\n';
        return xsime::cli::exit_harness_fault;
    }
    return exit_code;
}
