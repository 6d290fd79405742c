// The reference client's connection: a non-blocking TCP socket, and over the tf transport the
// TF handshake and the session cipher, between the client core and the network.
#pragma once

#include "client/client_core.hpp"
#include "protocol/byte_queue.hpp"
#include "protocol/tf_client_handshake.hpp"
#include "protocol/tf_session.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::client {

struct Endpoint {
    std::string host;
    std::uint16_t port = 0;
    std::optional<protocol::TfClientSettings> tf; // the tf transport; plain without it
};

// Driven by poll(): the owner polls fd() for wanted_events() and calls on_ready(). Nothing here
// blocks, so the owner bounds every wait with its own deadlines.
class ClientTransport {
public:
    // Starts a non-blocking connect; the reason when not even that is possible.
    static std::variant<std::unique_ptr<ClientTransport>, std::string>
    open(const Endpoint& endpoint);
    ~ClientTransport();
    ClientTransport(const ClientTransport&) = delete;
    ClientTransport& operator=(const ClientTransport&) = delete;

    int fd() const { return fd_; }
    short wanted_events() const;
    // Connected, and over tf past the handshake.
    bool established() const { return state_ == State::open; }

    struct Progress {
        bool established = false;          // the connect (and handshake) finished in this call
        std::optional<std::string> failed; // the connection is unusable, and why
    };
    // After poll() reported `revents` on fd(): connects, runs the handshake, writes what is
    // queued, and hands what the server sent to `core`, appending the core's output to `out`.
    Progress on_ready(short revents, ClientCore& core, CoreOutput& out);

    // Queues the core's bytes (ciphered over tf) and writes what the socket takes now; the
    // reason when the connection failed.
    std::optional<std::string> send(std::string_view plain);

    // Wire bytes queued and written since the connection opened: a byte counts as handed to
    // the network once written() passes its offset.
    std::uint64_t queued() const { return queued_; }
    std::uint64_t written() const { return written_; }
    bool output_pending() const { return !out_.empty(); }

private:
    enum class State { connecting, handshaking, open, closed };

    ClientTransport(int fd, Endpoint endpoint) : fd_(fd), endpoint_(std::move(endpoint)) {}
    void on_connected(Progress& progress);
    void read_all(ClientCore& core, CoreOutput& out, Progress& progress);
    void on_bytes(std::string_view bytes, ClientCore& core, CoreOutput& out, Progress& progress);
    void on_handshake(protocol::TfClientHandshake::Output step, ClientCore& core, CoreOutput& out,
                      Progress& progress);
    void deliver(ClientCore& core, CoreOutput& out);
    void queue_wire(std::string_view wire);
    std::optional<std::string> flush();
    void fail(Progress& progress, std::string reason);

    int fd_ = -1;
    Endpoint endpoint_;
    State state_ = State::connecting;
    std::optional<protocol::TfClientHandshake> handshake_;
    std::optional<protocol::TfSession> session_;
    protocol::ByteQueue out_;
    std::uint64_t queued_ = 0;
    std::uint64_t written_ = 0;
};

} // namespace xsime::client
