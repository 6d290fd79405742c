// The preflight connection of `xsime-conform run` (run_preflight.hpp).
#include "cli/run_preflight.hpp"

#include <iostream>
#include <memory>
#include <variant>

namespace xsime::cli {

std::optional<std::string> preflight(harness::Transport& transport,
                                     std::chrono::milliseconds timeout) {
    auto probe = transport.connect(timeout);
    if (auto* error = std::get_if<harness::TransportError>(&probe)) {
        const std::string reason =
            (error->kind == harness::TransportError::Kind::handshake ? std::string()
                                                                     : "target unreachable: ") +
            harness::describe(*error);
        std::cerr << "xsime-conform run: " << transport.describe() << ": " << reason
                  << "; no scenario was run\n";
        return reason;
    }
    std::get<std::unique_ptr<harness::Connection>>(probe)->close();
    return std::nullopt;
}

} // namespace xsime::cli
