// The one connection `xsime-conform run` makes before the run, so that an unreachable target,
// a refused TF handshake or a target that speaks the other transport is said once, clearly,
// instead of by every case after its timeout.
#pragma once

#include "harness/transport.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace xsime::cli {

struct PreflightOptions {
    bool tf = false; // --transport tf
    // Ask a plain target one unknown TF command: a TF-handshake server takes it for the
    // protocol version and refuses it. Only for --target: the embedded server is started with
    // the transport asked for, and a --server-fault must not be mistaken for the wrong one.
    bool probe_plain = false;
    std::chrono::milliseconds timeout{5000};
};

// Connects once (and, plain with probe_plain, sends one unknown TF command) and closes. On
// failure, prints the reason once on stderr and returns it: the run then reports every case
// as not run for that reason. Nothing when the target answered as expected.
std::optional<std::string> preflight(harness::Transport& transport,
                                     const PreflightOptions& options);

} // namespace xsime::cli
