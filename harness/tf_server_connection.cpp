// The harness as a TF server: the handshake over a socket (protocol::TfServerHandshake
// decides), then the session protocol::TfSession runs.
#include "harness/tf_server_connection.hpp"

#include "harness/transcript.hpp"

namespace xsime::harness {

using steady = std::chrono::steady_clock;
using Handshake = protocol::TfServerHandshake;

namespace {

std::string step_name(Handshake::Step step) {
    switch (step) {
    case Handshake::Step::version:
        return "step 1 (protocol version)";
    case Handshake::Step::key:
        return "step 2 (session key, RSA-OAEP encrypted)";
    case Handshake::Step::hash:
        return "step 3 (hash, ciphered)";
    }
    return "step ?";
}

TransportError handshake_error(Handshake::Step step, const std::string& what) {
    return {TransportError::Kind::handshake,
            "TF handshake with the harness as server, " + step_name(step) + ": " + what};
}

// The client's refused message and what the harness expected, as people read them.
TransportError refusal_error(const Handshake::Refusal& refusal,
                             const protocol::TfServerSettings& settings) {
    std::string what = "the client sent ";
    switch (refusal.step) {
    case Handshake::Step::version:
        what += quote_bytes(refusal.received) + ", the harness expects " +
                quote_bytes(settings.protocol_version);
        break;
    case Handshake::Step::key:
        // A ciphertext is noise to a reader: its first bytes and its size say enough.
        what += quote_bytes(refusal.received, 16);
        break;
    case Handshake::Step::hash:
        what +=
            quote_bytes(refusal.received) + ", the harness expects " + quote_bytes(settings.hash);
        break;
    }
    if (!refusal.detail.empty()) {
        what += " (" + refusal.detail + ")";
    }
    return handshake_error(refusal.step,
                           what + "; answered " + quote_bytes("FAILED " + refusal.reason));
}

} // namespace

std::variant<std::unique_ptr<TfServerConnection>, TransportError>
TfServerConnection::accept(std::unique_ptr<SocketStream> stream,
                           std::shared_ptr<const protocol::TfServerSettings> settings,
                           Deadline timeout) {
    const auto deadline = steady::now() + timeout;
    Handshake handshake(settings);
    while (!handshake.done()) {
        protocol::ByteQueue wire;
        auto more = stream->read_some(wire, deadline);
        if (auto* error = std::get_if<TransportError>(&more)) {
            return handshake_error(handshake.step(), error->message);
        }
        auto out = handshake.receive(wire.view());
        if (!out.wire.empty()) {
            auto written = stream->write(out.wire, deadline);
            const auto* error = std::get_if<TransportError>(&written);
            if (error && !out.refusal) {
                return handshake_error(handshake.step(), "cannot answer: " + error->message);
            }
        }
        if (out.refusal) {
            // As the reference server does: the FAILED reply, then the end of the connection.
            stream->close();
            return refusal_error(*out.refusal, *settings);
        }
    }
    // Ciphered bytes that came behind the hash stay in the receiver the session takes over.
    protocol::TfSession session(protocol::TfSession::Side::server, std::move(*handshake.sender()),
                                std::move(*handshake.receiver()));
    return std::unique_ptr<TfServerConnection>(
        new TfServerConnection(std::move(stream), std::move(session)));
}

} // namespace xsime::harness
