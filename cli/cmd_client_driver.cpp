// `xsime-conform client-driver HOST PORT`: the reference client behind the client driver
// protocol (docs/client-driver.md), on stdin and stdout.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "client/client_faults.hpp"
#include "client/driver_loop.hpp"

#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace xsime::cli {

namespace {

struct ClientDriverOptions {
    std::string host;
    int port = 0;
    std::vector<std::string> faults;
    bool list_faults = false;
    int timeout_ms = 10'000;
};

void list_client_faults() {
    for (const auto& info : client::client_fault_table()) {
        std::cout << info.name << ": " << info.breaks << " (clauses: " << info.clauses << ")\n";
    }
}

int client_driver(const ClientDriverOptions& options) {
    if (options.list_faults) {
        list_client_faults();
        return exit_ok;
    }
    if (options.host.empty() || options.port <= 0 || options.port > 65535) {
        std::cerr << "xsime-conform client-driver: HOST and PORT (1..65535) are required\n";
        return exit_usage;
    }
    client::DriverOptions driver;
    driver.connect = {options.host, static_cast<std::uint16_t>(options.port)};
    driver.client_name = "xsime-conform reference client " XSIME_VERSION;
    driver.session.timeout = std::chrono::milliseconds(options.timeout_ms);
    for (const auto& name : options.faults) {
        const auto fault = client::client_fault_named(name);
        if (!fault) {
            std::cerr << "xsime-conform client-driver: unknown client fault '" << name
                      << "' (see --list-client-faults)\n";
            return exit_usage;
        }
        driver.session.faults.enable(*fault);
        std::cerr << "client-driver: fault " << name << " is on\n";
    }
    // A harness that stops reading must not kill the driver before it can say so on stderr.
    std::signal(SIGPIPE, SIG_IGN);
    return client::run_client_driver(STDIN_FILENO, STDOUT_FILENO, driver);
}

} // namespace

void setup_cmd_client_driver(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<ClientDriverOptions>();
    auto* cmd = app.add_subcommand(
        "client-driver",
        "The reference XSIME client behind the client driver protocol (docs/client-driver.md): "
        "JSON commands on stdin, JSON events on stdout. HOST and PORT are used when a connect "
        "command names no host or port.");
    cmd->add_option("host", options->host, "Server host for connect commands without one")
        ->type_name("HOST");
    cmd->add_option("port", options->port, "Server port for connect commands without one")
        ->type_name("PORT");
    cmd->add_option("--client-fault", options->faults,
                    "Run with a deliberate defect (repeatable); see --list-client-faults")
        ->type_name("NAME")
        ->allow_extra_args(false);
    cmd->add_flag("--list-client-faults", options->list_faults,
                  "List the client faults with what each breaks and the clauses, then exit");
    cmd->add_option("--timeout-ms", options->timeout_ms,
                    "Deadline of a connect (with the TF handshake), of a reply and of a stalled "
                    "write")
        ->type_name("MS")
        ->capture_default_str()
        ->check(CLI::Range(1, 600'000));
    cmd->callback([options, &exit_code] { exit_code = client_driver(*options); });
}

} // namespace xsime::cli
