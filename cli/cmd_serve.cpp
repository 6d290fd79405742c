// `xsime-conform serve`: run the reference server until SIGINT or SIGTERM. serve() calls the
// phases in order: check the options into a server configuration, listen, install the
// shutdown on signals, announce, and run the I/O threads until the shutdown stops them.
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
#include <optional>
#include <string>
#include <thread>
#include <variant>
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
    bool list_faults = false;
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

// An expected failure: what to tell the user (after "xsime-conform serve: ") and the exit code.
struct ServeStop {
    int exit_code = exit_usage;
    std::string message;
};

// Prints the stop's message and returns its exit code.
int stop_serve(const ServeStop& stop) {
    std::cerr << "xsime-conform serve: " << stop.message << '\n';
    return stop.exit_code;
}

// --fault names into faults; the first unknown one stops, listing the known ones.
std::optional<ServeStop> add_faults(const std::vector<std::string>& names, mock::Faults& faults) {
    for (const auto& name : names) {
        const auto fault = mock::parse_fault(name);
        if (!fault) {
            return ServeStop{exit_usage, "--fault: unknown fault '" + name +
                                             "'; known: " + mock::fault_names()};
        }
        faults.add(*fault);
    }
    return std::nullopt;
}

// The TF settings for --transport tf (key file read and checked), nullopt for plain.
std::variant<std::optional<mock::TfServerSettings>, ServeStop>
tf_settings(const ServeOptions& options) {
    if (options.transport != "tf") {
        if (!options.key.empty() || !options.hash.empty()) {
            // Silently serving plain would let a user believe the handshake was being tested.
            return ServeStop{exit_usage, "--key and --hash only apply with --transport tf"};
        }
        return std::nullopt;
    }
    if (options.key.empty() || options.hash.empty()) {
        return ServeStop{exit_usage, "--transport tf needs --key PRIVATE.pem and --hash STR "
                                     "(make a key pair with `xsime-conform keygen DIR`)"};
    }
    auto key = read_private_key("--key", options.key);
    if (auto* error = std::get_if<KeyFileError>(&key)) {
        return ServeStop{exit_usage, error->message};
    }
    return mock::TfServerSettings{std::get<std::string>(key), options.hash, options.proto_version};
}

// Phase 1: the options checked and turned into the server's configuration.
std::variant<mock::ServerConfig, ServeStop> server_config(const ServeOptions& options) {
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
    if (auto stop = add_faults(options.faults, config.core.faults)) {
        return *stop;
    }
    auto tf = tf_settings(options);
    if (auto* stop = std::get_if<ServeStop>(&tf)) {
        return *stop;
    }
    config.tf = std::get<std::optional<mock::TfServerSettings>>(std::move(tf));
    return config;
}

// Phase 2: bind and listen. A busy or unusable address is the machine's problem (a harness
// fault); anything else the server rejects is the user's (a usage error).
std::variant<std::unique_ptr<mock::Server>, ServeStop> open_server(boost::asio::io_context& io,
                                                                   const mock::ServerConfig& config,
                                                                   const ServeOptions& options) {
    try {
        return std::make_unique<mock::Server>(io, config);
    } catch (const boost::system::system_error& e) {
        return ServeStop{exit_harness_fault, "cannot listen on " + options.host + ':' +
                                                 std::to_string(options.port) + ": " +
                                                 e.code().message()};
    } catch (const std::exception& e) {
        return ServeStop{exit_usage, e.what()};
    }
}

// Phase 3: on SIGINT or SIGTERM, stop accepting, then stop the io_context once the sessions
// are gone. They get a bounded time to finish their last write; the rest are forced.
// Installs its handler on construction; must outlive io.run().
class Shutdown {
public:
    Shutdown(boost::asio::io_context& io, mock::Server& server)
        : io_(io), server_(server), signals_(io, SIGINT, SIGTERM), poll_(io) {
        signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
            if (!ec) {
                begin(signal);
            }
        });
    }
    Shutdown(const Shutdown&) = delete;
    Shutdown& operator=(const Shutdown&) = delete;

private:
    void begin(int signal) {
        log_line("signal " + std::to_string(signal) + ": shutting down");
        server_.stop();
        give_up_ = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        wait_for_sessions();
    }

    void wait_for_sessions() {
        if (server_.session_count() == 0) {
            io_.stop();
            return;
        }
        if (std::chrono::steady_clock::now() >= give_up_) {
            log_line("shutdown: forcing " + std::to_string(server_.session_count()) +
                     " remaining sessions");
            io_.stop();
            return;
        }
        poll_.expires_after(std::chrono::milliseconds(10));
        poll_.async_wait([this](const boost::system::error_code&) { wait_for_sessions(); });
    }

    boost::asio::io_context& io_;
    mock::Server& server_;
    boost::asio::signal_set signals_;
    boost::asio::steady_timer poll_;
    std::chrono::steady_clock::time_point give_up_;
};

// Scripts read the real port from the "listening on" line when they asked for port 0.
void announce(const mock::Server& server, const mock::ServerConfig& config,
              const ServeOptions& options) {
    const auto endpoint = server.local_endpoint();
    std::cout << "listening on " << endpoint.address().to_string() << ':' << endpoint.port()
              << std::endl;
    if (config.tf && !options.quiet) {
        log_line("transport tf: protocol version '" + options.proto_version + "'");
    }
}

// Runs the io_context on `threads` threads (this one included) until Shutdown stops it.
void run_io(boost::asio::io_context& io, unsigned threads) {
    std::vector<std::thread> workers;
    for (unsigned i = 1; i < threads; ++i) {
        workers.emplace_back([&io] { io.run(); });
    }
    io.run();
    for (auto& worker : workers) {
        worker.join();
    }
}

// --list-faults: one line per fault, "name<TAB>clause ids (comma-separated)<TAB>what it
// breaks", for scripts that check what a faulty server's run reports.
int list_faults() {
    for (const auto& info : mock::all_faults()) {
        std::cout << info.name << '\t' << info.clauses << '\t' << info.breaks << '\n';
    }
    return exit_ok;
}

int serve(const ServeOptions& options) {
    if (options.list_faults) {
        return list_faults();
    }
    if (options.root.empty()) {
        // Not CLI11's required(): --list-faults needs no root.
        return stop_serve(ServeStop{exit_usage, "--root is required"});
    }
    const auto configured = server_config(options);
    if (const auto* stop = std::get_if<ServeStop>(&configured)) {
        return stop_serve(*stop);
    }
    const auto& config = std::get<mock::ServerConfig>(configured);
    if (!config.core.faults.empty()) {
        // Said loudly: a faulty server mistaken for the reference one misleads everyone.
        std::cerr << "xsime-conform serve: FAULTS INJECTED: " << config.core.faults.to_string()
                  << '\n';
    }
    boost::asio::io_context io;
    auto listening = open_server(io, config, options);
    if (const auto* stop = std::get_if<ServeStop>(&listening)) {
        return stop_serve(*stop);
    }
    auto& server = *std::get<std::unique_ptr<mock::Server>>(listening);
    Shutdown shutdown(io, server);
    // Announced only once the signal handler is installed: a script that sends SIGTERM
    // as soon as it reads this line must get a clean shutdown.
    announce(server, config, options);
    server.start();
    run_io(io, options.threads);
    return exit_ok;
}

// The mailbox, the address, and the limits of each connection.
void add_listening_options(CLI::App& cmd, ServeOptions& options) {
    cmd.add_option("--root", options.root,
                   "Mailbox root: org units are folders in it, users folders in those "
                   "(required)")
        ->type_name("DIR")
        ->check(CLI::ExistingDirectory)
        ->group("Mailbox");
    const std::string group = "Listening";
    cmd.add_option("--host", options.host, "Address to listen on")
        ->type_name("ADDRESS")
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--port", options.port, "TCP port; 0 picks a free one")
        ->type_name("PORT")
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--max-sessions", options.max_sessions,
                   "Concurrent sessions; further connections are closed at once")
        ->type_name("N")
        ->capture_default_str()
        ->check(CLI::PositiveNumber)
        ->group(group);
    cmd.add_option("--read-timeout-ms", options.read_timeout_ms,
                   "Drop a client that leaves a frame half sent this long")
        ->type_name("MS")
        ->capture_default_str()
        ->check(CLI::PositiveNumber)
        ->group(group);
    cmd.add_option("--write-timeout-ms", options.write_timeout_ms,
                   "Drop a client whose pending write makes no progress this long")
        ->type_name("MS")
        ->capture_default_str()
        ->check(CLI::PositiveNumber)
        ->group(group);
    cmd.add_option("--threads", options.threads, "I/O threads, 1 to 64")
        ->type_name("N")
        ->capture_default_str()
        ->check(CLI::Range(1u, 64u))
        ->group(group);
    cmd.add_flag("--quiet", options.quiet, "Log nothing")->group(group);
}

// The TF handshake and session cipher on every connection.
void add_tf_options(CLI::App& cmd, ServeOptions& options) {
    const std::string group = "TF transport";
    cmd.add_option("--transport", options.transport,
                   "plain: TF framing only; tf: every connection runs the TF handshake "
                   "(version, RSA-OAEP session key, hash) and the session cipher")
        ->type_name("plain|tf")
        ->capture_default_str()
        ->check(CLI::IsMember({"plain", "tf"}))
        ->group(group);
    cmd.add_option("--key", options.key,
                   "tf: the server's RSA-2048 private key (PEM; `xsime-conform keygen DIR` "
                   "makes one)")
        ->type_name("PRIVATE.pem")
        ->group(group);
    cmd.add_option("--hash", options.hash, "tf: the hash string clients must send")
        ->type_name("STR")
        ->group(group);
    cmd.add_option("--proto-version", options.proto_version,
                   "tf: the protocol version clients must send first")
        ->capture_default_str()
        ->type_name("STR")
        ->group(group);
}

// Deliberate faults, to test a test suite.
void add_fault_options(CLI::App& cmd, ServeOptions& options) {
    const std::string group = "Faults (off by default)";
    cmd.add_option("--fault", options.faults,
                   "Inject this deliberate fault, to test a test suite (repeatable; names in "
                   "docs/reference-server.md)")
        ->type_name("NAME")
        ->allow_extra_args(false)
        ->group(group);
    cmd.add_flag("--list-faults", options.list_faults,
                 "Print every fault as NAME<TAB>CLAUSE IDS<TAB>DESCRIPTION and exit")
        ->group(group);
}

} // namespace

void setup_cmd_serve(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<ServeOptions>();
    auto* cmd = app.add_subcommand(
        "serve", "Run the reference XSIME server on a filesystem mailbox until SIGINT/SIGTERM. "
                 "Prints 'listening on HOST:PORT' on stdout; logs go to stderr.");
    add_listening_options(*cmd, *options);
    add_tf_options(*cmd, *options);
    add_fault_options(*cmd, *options);
    cmd->callback([options, &exit_code] { exit_code = serve(*options); });
}

} // namespace xsime::cli
