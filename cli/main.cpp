// Entry point of xsime-conform: registers the subcommands and maps parse errors to exit codes.
#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/help_format.hpp"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <memory>

int main(int argc, char** argv) {
    xsime::cli::remember_command_line(argc, argv); // for the COMMAND file of run --bundle
    // What each tool does is said by the list of registered commands --help prints under
    // this, so the description cannot promise one that is not there.
    CLI::App app{"xsime-conform: conformance testing of the servers and clients of the Instant "
                 "Message eXtension (XSIME) of the TF PROTOCOL.",
                 "xsime-conform"};
    // Before the subcommands are added: they inherit it.
    app.formatter(std::make_shared<xsime::cli::HelpFormatter>());
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
    xsime::cli::setup_cmd_fuzz(app, exit_code);
    // After the subcommands: they would inherit it.
    app.footer("Run 'xsime-conform COMMAND --help' for the options of a command.");
    xsime::cli::tidy_placeholders(app);
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
