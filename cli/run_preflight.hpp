// The one connection `xsime-conform run` makes before the run, so that an unreachable target
// or a refused TF handshake is said once, clearly, instead of by every case after its timeout.
#pragma once

#include "harness/transport.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace xsime::cli {

// Connects once and closes. On failure, prints the reason once on stderr and returns it: the
// run then reports every case as not run for that reason. Nothing when the target answered.
std::optional<std::string> preflight(harness::Transport& transport,
                                     std::chrono::milliseconds timeout);

} // namespace xsime::cli
