// `xsime-conform serve`: run the reference server until SIGINT or SIGTERM.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/key_files.hpp"
#include "mock_server/faults.hpp"
#include "mock_server/server.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <ctime>
#include <functional>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

namespace xsime::cli {

namespace {

struct ServeOptions {
    std::string root;
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::size_t max_sessions = 1024;
    unsigned read_timeout_ms = 10'000;
    unsigned write_timeout_ms = 10'000;
    unsigned threads = 2;
    bool quiet = false;
    std::vector<std::string> faults; // mock_server/faults.hpp names
    std::string transport = "plain";
    std::string key;  // --key: the private key file (tf)
    std::string hash; // --hash (tf)
    std::string proto_version = std::string(default_tf_protocol_version);
};

void log_line(std::string_view line) {
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    std::cerr << stamp << ' ' << line << '\n';
}

int serve(const ServeOptions& options) {
    mock::ServerConfig config;
    config.root = options.root;
    config.host = options.host;
    config.port = options.port;
    config.max_sessions = options.max_sessions;
    config.read_timeout = std::chrono::milliseconds(options.read_timeout_ms);
    config.write_timeout = std::chrono::milliseconds(options.write_timeout_ms);
    if (!options.quiet) {
        config.log = log_line;
    }
    for (const auto& name : options.faults) {
        const auto fault = mock::parse_fault(name);
        if (!fault) {
            std::cerr << "xsime-conform serve: --fault: unknown fault '" << name
                      << "'; known: " << mock::fault_names() << '\n';
            return exit_usage;
        }
        config.core.faults.add(*fault);
    }
    if (options.transport == "tf") {
        if (options.key.empty() || options.hash.empty()) {
            std::cerr << "xsime-conform serve: --transport tf needs --key PRIVATE.pem and --hash "
                         "STR (make a key pair with `xsime-conform keygen DIR`)\n";
            return exit_usage;
        }
        auto key = read_private_key("--key", options.key);
        if (auto* error = std::get_if<KeyFileError>(&key)) {
            std::cerr << "xsime-conform serve: " << error->message << '\n';
            return exit_usage;
        }
        config.tf =
            mock::TfServerSettings{std::get<std::string>(key), options.hash, options.proto_version};
    } else if (!options.key.empty() || !options.hash.empty()) {
        // Silently serving plain would let a user believe the handshake was being tested.
        std::cerr << "xsime-conform serve: --key and --hash only apply with --transport tf\n";
        return exit_usage;
    }
    if (!config.core.faults.empty()) {
        // Said loudly: a faulty server mistaken for the reference one misleads everyone.
        std::cerr << "xsime-conform serve: FAULTS INJECTED: " << config.core.faults.to_string()
                  << '\n';
    }

    boost::asio::io_context io;
    std::unique_ptr<mock::Server> server;
    try {
        server = std::make_unique<mock::Server>(io, config);
    } catch (const boost::system::system_error& e) {
        std::cerr << "xsime-conform serve: cannot listen on " << options.host << ':' << options.port
                  << ": " << e.code().message() << '\n';
        return exit_harness_fault;
    } catch (const std::exception& e) {
        std::cerr << "xsime-conform serve: " << e.what() << '\n';
        return exit_usage;
    }
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    boost::asio::steady_timer poll(io);
    std::chrono::steady_clock::time_point give_up;
    // Sessions get a bounded time to finish their last write; the rest are forced.
    std::function<void()> wait_for_sessions = [&] {
        if (server->session_count() == 0) {
            io.stop();
            return;
        }
        if (std::chrono::steady_clock::now() >= give_up) {
            log_line("shutdown: forcing " + std::to_string(server->session_count()) +
                     " remaining sessions");
            io.stop();
            return;
        }
        poll.expires_after(std::chrono::milliseconds(10));
        poll.async_wait([&](const boost::system::error_code&) { wait_for_sessions(); });
    };
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) {
            return;
        }
        log_line("signal " + std::to_string(signal) + ": shutting down");
        server->stop();
        give_up = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        wait_for_sessions();
    });

    // Announced only once the signal handler is installed: a script that sends SIGTERM
    // as soon as it reads this line must get a clean shutdown.
    const auto endpoint = server->local_endpoint();
    // Scripts read the real port from this line when they asked for port 0.
    std::cout << "listening on " << endpoint.address().to_string() << ':' << endpoint.port()
              << std::endl;
    if (config.tf && !options.quiet) {
        log_line("transport tf: protocol version '" + options.proto_version + "'");
    }
    server->start();

    std::vector<std::thread> workers;
    for (unsigned i = 1; i < options.threads; ++i) {
        workers.emplace_back([&io] { io.run(); });
    }
    io.run();
    for (auto& worker : workers) {
        worker.join();
    }
    return exit_ok;
}

} // namespace

void setup_cmd_serve(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<ServeOptions>();
    auto* cmd = app.add_subcommand(
        "serve", "Run the reference XSIME server on a filesystem mailbox until SIGINT/SIGTERM. "
                 "Prints 'listening on HOST:PORT' on stdout; logs go to stderr.");
    cmd->add_option("--root", options->root,
                    "Mailbox root: org units are folders in it, users folders in those")
        ->required()
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--host", options->host, "Address to listen on")->capture_default_str();
    cmd->add_option("--port", options->port, "TCP port; 0 picks a free one")->capture_default_str();
    cmd->add_option("--max-sessions", options->max_sessions,
                    "Concurrent sessions; further connections are closed at once")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--read-timeout-ms", options->read_timeout_ms,
                    "Drop a client that leaves a frame half sent this long")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--write-timeout-ms", options->write_timeout_ms,
                    "Drop a client whose pending write makes no progress this long")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--threads", options->threads, "I/O threads")
        ->capture_default_str()
        ->check(CLI::Range(1u, 64u));
    cmd->add_flag("--quiet", options->quiet, "Log nothing");
    cmd->add_option("--fault", options->faults,
                    "Inject this deliberate fault, to test a test suite (repeatable; off by "
                    "default; names in docs/reference-server.md)")
        ->type_name("NAME")
        ->allow_extra_args(false);
    cmd->add_option("--transport", options->transport,
                    "plain: TF framing only; tf: every connection runs the TF handshake "
                    "(version, RSA-OAEP session key, hash) and the session cipher")
        ->capture_default_str()
        ->check(CLI::IsMember({"plain", "tf"}));
    cmd->add_option("--key", options->key,
                    "tf: the server's RSA-2048 private key (PEM; `xsime-conform keygen DIR` "
                    "makes one)")
        ->type_name("PRIVATE.pem");
    cmd->add_option("--hash", options->hash, "tf: the hash string clients must send")
        ->type_name("STR");
    cmd->add_option("--proto-version", options->proto_version,
                    "tf: the protocol version clients must send first")
        ->capture_default_str()
        ->type_name("STR");
    cmd->callback([options, &exit_code] { exit_code = serve(*options); });
}

} // namespace xsime::cli
