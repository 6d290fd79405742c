// The client under test of `xsime-conform run --exec CMD` or `--reference-client`: how its
// driver is started, and over which transport the harness plays the server.
#pragma once

#include "cli/run_options.hpp"
#include "harness/client_case.hpp"

#include <string>
#include <variant>

namespace xsime::cli {

// The reference client is this executable's `client-driver` subcommand (with its faults);
// --transport tf makes the run's TF server identity (a fresh key pair, a random hash).
std::variant<harness::ClientUnderTest, RunStop> open_client(const RunOptions& options);

// What reports name as the target: "client: CMD" or "reference client".
std::string client_target_text(const RunOptions& options);

} // namespace xsime::cli
