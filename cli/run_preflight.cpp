// The preflight connection of `xsime-conform run` (run_preflight.hpp).
#include "cli/run_preflight.hpp"

#include "reports/report_text.hpp"

#include <iostream>
#include <memory>
#include <string_view>
#include <variant>

namespace xsime::cli {

namespace {

// A command no server knows: a plain server answers UNKNOWN, a TF-handshake server takes it
// for the protocol version and refuses it ("FAILED protocol version '...' ...").
constexpr std::string_view probe_command = "XSIME_CONFORM_PREFLIGHT";
constexpr std::string_view failed = "FAILED"; // a TF refusal: "FAILED reason"
constexpr std::size_t shown_bytes = 120;

std::string shown(std::string_view reply) {
    std::string text = reports::readable(reply.substr(0, shown_bytes), reports::Newlines::escape);
    return "'" + text + (reply.size() > shown_bytes ? "...'" : "'");
}

// Plain: why the target seems to expect the TF handshake, or nothing. A timeout says nothing
// about the transport: a slow server is left to the cases.
std::optional<std::string> tf_server_sign(harness::Connection& connection,
                                          std::chrono::milliseconds timeout) {
    auto reply = connection.command(probe_command, timeout);
    if (auto* error = std::get_if<harness::TransportError>(&reply)) {
        using Kind = harness::TransportError::Kind;
        if (error->kind == Kind::closed || error->kind == Kind::reset) {
            return "it closed the connection at the first TF message";
        }
        if (error->kind == Kind::other) {
            return "its reply is not a TF message (" + harness::describe(*error) + ")";
        }
        return std::nullopt;
    }
    const auto& body = std::get<std::string>(reply);
    if (body.rfind(failed, 0) == 0 && body.find("protocol version") != body.npos) {
        return "it answered " + shown(body);
    }
    return std::nullopt;
}

// Tf: a handshake refused at step 1 with a reply that is neither OK nor FAILED (a plain
// server's UNKNOWN, or not a TF message at all). Reads the message harness/tf_connection.cpp
// makes: "TF handshake, step 1 (...): the server answered '...'" or "...: the reply is not a
// TF message: ...".
bool plain_server_sign(const harness::TransportError& error) {
    if (error.kind != harness::TransportError::Kind::handshake ||
        error.message.rfind("TF handshake, step 1 ", 0) != 0) {
        return false;
    }
    if (error.message.find("): the reply is not a TF message") != std::string::npos) {
        return true;
    }
    constexpr std::string_view answered = "): the server answered '";
    const auto at = error.message.find(answered);
    return at != std::string::npos &&
           error.message.compare(at + answered.size(), failed.size(), failed) != 0;
}

std::optional<std::string> refuse(harness::Transport& transport, const std::string& reason) {
    std::cerr << "xsime-conform run: " << transport.describe() << ": " << reason
              << "; no scenario was run\n";
    return reason;
}

} // namespace

std::optional<std::string> preflight(harness::Transport& transport,
                                     const PreflightOptions& options) {
    auto probe = transport.connect(options.timeout);
    if (auto* error = std::get_if<harness::TransportError>(&probe)) {
        const bool handshake = error->kind == harness::TransportError::Kind::handshake;
        std::string reason =
            (handshake ? std::string() : "target unreachable: ") + harness::describe(*error);
        if (options.tf && plain_server_sign(*error)) {
            reason += "; the target does not speak the TF handshake: use --transport plain";
        }
        return refuse(transport, reason);
    }
    auto& connection = *std::get<std::unique_ptr<harness::Connection>>(probe);
    if (!options.tf && options.probe_plain) {
        if (const auto sign = tf_server_sign(connection, options.timeout)) {
            connection.close();
            return refuse(transport, "the target seems to speak the TF handshake (" + *sign +
                                         "): use --transport tf --pubkey FILE --hash STR");
        }
    }
    connection.close();
    return std::nullopt;
}

} // namespace xsime::cli
