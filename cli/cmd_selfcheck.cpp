// `xsime-conform selfcheck`: a short smoke test against the embedded or a given server.
#include "cli/commands.hpp"
#include "cli/embedded_server.hpp"
#include "cli/exit_codes.hpp"
#include "harness/self_check.hpp"

#include <iostream>
#include <memory>
#include <optional>

namespace xsime::cli {

namespace {

struct SelfCheckOptions {
    std::string target; // HOST:PORT; empty: the embedded server
    std::string root;
};

int selfcheck(const SelfCheckOptions& options) {
    std::optional<EmbeddedServer> embedded;
    harness::SelfCheckTarget target;
    if (options.target.empty()) {
        embedded.emplace();
        target = {embedded->host(), embedded->port(), embedded->root()};
        std::cout << "self-check against the embedded reference server on " << target.host << ':'
                  << target.port << '\n';
    } else {
        const auto colon = options.target.rfind(':');
        if (colon == std::string::npos || options.root.empty()) {
            std::cerr << "xsime-conform selfcheck: --target needs HOST:PORT and --root DIR\n";
            return exit_usage;
        }
        target.host = options.target.substr(0, colon);
        try {
            target.port = static_cast<std::uint16_t>(std::stoul(options.target.substr(colon + 1)));
        } catch (const std::exception&) {
            std::cerr << "xsime-conform selfcheck: --target: bad port in '" << options.target
                      << "'\n";
            return exit_usage;
        }
        target.root = options.root;
        std::cout << "self-check against " << options.target << '\n';
    }
    const auto result = harness::run_self_check(target, std::cout);
    std::cout << "self-check: " << result.passed << " passed, " << result.failed << " failed\n";
    if (result.unreachable) {
        return exit_harness_fault;
    }
    return result.failed == 0 ? exit_ok : exit_nonconformant;
}

} // namespace

void setup_cmd_selfcheck(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<SelfCheckOptions>();
    auto* cmd = app.add_subcommand(
        "selfcheck", "Run a short smoke test (enter, log in two users, deliver one message, "
                     "exit and re-enter) against the embedded reference server, or --target.");
    cmd->add_option("--target", options->target, "HOST:PORT of a server to check instead");
    cmd->add_option("--root", options->root,
                    "The target's mailbox root on this machine (required with --target)")
        ->check(CLI::ExistingDirectory);
    cmd->callback([options, &exit_code] { exit_code = selfcheck(*options); });
}

} // namespace xsime::cli
