// The reference client as an application uses it: commands run one after another, each with
// one outcome within a deadline, and events (pushes, errors, the end of the connection)
// reported as they happen. Driven by poll(), so it never blocks its caller.
#pragma once

#include "client/client_core.hpp"
#include "client/client_events.hpp"
#include "client/client_faults.hpp"
#include "client/client_transport.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xsime::client {

// One application command and its arguments (only those of its kind are read).
struct CommandRequest {
    std::uint64_t id = 0;
    Command command = Command::connect;
    Endpoint endpoint;             // connect
    bool unique = false;           // setup
    bool auto_delete = false;      // setup
    std::uint64_t timestamp = 0;   // setup
    std::string path;              // org_unit (the path), user (the name)
    std::vector<std::string> to;   // send
    std::string text;              // send
    std::uint64_t nanoseconds = 0; // interval
};

struct SessionOptions {
    ClientFaults faults;
    // How long a connect (with its handshake), a reply, or a stalled write may take.
    std::chrono::milliseconds timeout{10'000};
};

class ClientSession {
public:
    using Clock = std::chrono::steady_clock;
    using Sink = std::function<void(const ClientEvent&)>;

    ClientSession(SessionOptions options, Sink sink);

    // Queues the command; it runs once every command before it has its outcome.
    void submit(CommandRequest request);

    // poll() integration: the socket (-1 when there is none) and what to wait for on it.
    int fd() const { return transport_ ? transport_->fd() : -1; }
    short wanted_events() const { return transport_ ? transport_->wanted_events() : 0; }
    void on_ready(short revents);
    // The earliest deadline, for poll()'s timeout; on_time() acts on those passed.
    std::optional<Clock::time_point> next_deadline() const;
    void on_time(Clock::time_point now);

    // The application is going away: what waits or is queued fails with `reason`, and the
    // connection closes without a `closed` event (the application closed it).
    void finish(std::string_view reason);

private:
    struct Active {
        std::uint64_t id = 0;
        Command command = Command::connect;
        Clock::time_point deadline;
    };

    void run_queue();
    void run(const CommandRequest& request);
    void connect(const CommandRequest& request);
    CoreOutput dispatch(const CommandRequest& request);
    void apply(CoreOutput out);
    void drop_connection(std::optional<std::string> closed_reason);
    void report(ClientEvent event, std::uint64_t after_byte = 0);
    void release_events();
    std::string timeout_text() const;

    SessionOptions options_;
    Sink sink_;
    std::deque<CommandRequest> queue_;
    std::optional<Active> active_;
    std::unique_ptr<ClientTransport> transport_;
    std::optional<ClientCore> core_;
    // Events in order; an outcome that means "handed to the network" waits until the
    // transport has written up to its byte offset.
    std::deque<std::pair<std::uint64_t, ClientEvent>> held_;
    std::optional<Clock::time_point> write_deadline_;
};

} // namespace xsime::client
