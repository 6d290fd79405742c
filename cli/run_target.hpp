// The target of `xsime-conform run`: the embedded reference server or --target, the transport
// to it (plain, or tf with its keys and settings) and the host that prepares fixtures.
#pragma once

#include "cli/embedded_server.hpp"
#include "cli/run_options.hpp"
#include "harness/fixture_host.hpp"
#include "harness/tf_connection.hpp"
#include "harness/transport.hpp"

#include <memory>
#include <string>
#include <variant>

namespace xsime::cli {

// Members are destroyed in reverse order: the fixture host (which may use the transport)
// first, the embedded server last.
struct RunTarget {
    std::unique_ptr<EmbeddedServer> embedded; // set when no --target is given
    std::string text;                         // "embedded" or --target, as reports show it
    harness::TfSettings tf_settings;          // used with --transport tf
    std::unique_ptr<harness::Transport> transport;
    bool remote_fixtures = false; // fixtures through TF commands, not in a local folder
    std::unique_ptr<harness::FixtureHost> fixture;
};

// Reads --pubkey (a bad key file is a usage error) or makes a key pair for the embedded
// server (a failure is a harness fault), starts the embedded server when there is no
// --target, and makes the transport and the fixture host.
std::variant<RunTarget, RunStop> open_target(const RunOptions& options, const RunPlan& plan);

} // namespace xsime::cli
