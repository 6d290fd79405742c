// The Asio side of one client connection: socket reads and writes, the delivery timer and
// the deadlines, all on the connection's strand, around a SessionCore.
#pragma once

#include "mock_server/session_core.hpp"
#include "mock_server/tf_server_channel.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xsime::mock {

// An escaped exception's what(), for the log.
std::string describe_exception(std::exception_ptr failure);

// Shared by the server and all its connections; a connection keeps it alive, so a
// connection that outlives its Server object stays valid.
struct ConnectionContext {
    std::unique_ptr<Mailbox> mailbox;
    UserLocks locks;
    CoreSettings core;
    std::chrono::milliseconds read_timeout{};
    std::chrono::milliseconds write_timeout{};
    std::function<void(std::string_view)> log;         // never empty; thread-safe
    std::function<void(std::uint64_t id)> on_finished; // never empty; once per connection
    // Set: every connection runs the TF handshake and the session cipher (`serve --transport
    // tf`); empty: plain TF framing.
    std::shared_ptr<const TfServerSettings> tf;
};

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(boost::asio::ip::tcp::socket socket, std::shared_ptr<ConnectionContext> context,
               std::uint64_t id);
    ~Connection();

    // Spawns the reader, the delivery loop and the watchdog on the socket's strand. An
    // exception that escapes one of them is logged (which one, its what()) and closes the
    // connection: the other two end, the socket closes, the unique-user hold is released.
    void start();
    // Thread-safe: closes the connection from its strand.
    void stop(std::string reason);

private:
    using clock = std::chrono::steady_clock;

    void spawn(std::string_view role, boost::asio::awaitable<void> (Connection::*loop)());
    void fail(std::string_view role, std::exception_ptr failure) noexcept;
    boost::asio::awaitable<void> read_loop();
    boost::asio::awaitable<void> delivery_loop();
    boost::asio::awaitable<void> watchdog();
    // Queues `out` and, unless a write is already in progress, writes the queue out.
    boost::asio::awaitable<void> flush(CoreOutput out);
    void close_now(std::string_view reason);
    void log(std::string_view line);

    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer delivery_timer_;
    boost::asio::steady_timer watchdog_timer_;
    boost::asio::steady_timer drained_;
    std::shared_ptr<ConnectionContext> context_;
    std::uint64_t id_;
    SessionCore core_;
    std::optional<TfServerChannel> tf_;
    std::vector<char> read_buffer_;

    std::deque<CoreOutput> queue_;
    std::size_t queued_bytes_ = 0;
    bool writing_ = false;
    bool closing_ = false;
    std::chrono::nanoseconds scheduled_interval_{0};
    std::optional<clock::time_point> frame_started_;
    std::optional<clock::time_point> write_started_;
};

} // namespace xsime::mock
