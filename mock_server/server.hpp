// The reference server: an Asio acceptor that runs one SessionCore per connection.
#pragma once

#include "mock_server/mailbox.hpp"
#include "mock_server/session_core.hpp"
#include "mock_server/tf_server_channel.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace xsime::mock {

struct ServerConfig {
    std::filesystem::path root;
    std::string host = "127.0.0.1";
    std::uint16_t port = 0; // 0: the system picks a free port
    // Connections beyond this are accepted and closed at once, with a log line.
    std::size_t max_sessions = 1024;
    // A client that leaves a frame half sent for this long is dropped.
    std::chrono::milliseconds read_timeout{10'000};
    // A client that stops reading (a write makes no progress) is dropped.
    std::chrono::milliseconds write_timeout{10'000};
    CoreSettings core;
    // Set: the TF transport (handshake and session cipher) on every connection.
    std::optional<TfServerSettings> tf;
    // Receives one line per event; may be called from any I/O thread, one call at a time.
    std::function<void(std::string_view)> log;
    // Empty: the server keeps its messages in an FsMailbox on `root`. Set: that mailbox is
    // handed through it first (a seam for tests: a decorator that injects failures).
    std::function<std::unique_ptr<Mailbox>(std::unique_ptr<Mailbox>)> wrap_mailbox;
};

class Server {
public:
    // Binds and listens at once, so local_endpoint() is known before start();
    // throws boost::system::system_error when the address cannot be bound, and
    // std::runtime_error when the root is unusable.
    Server(boost::asio::io_context& io, ServerConfig config);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    boost::asio::ip::tcp::endpoint local_endpoint() const;
    void start();
    // Stops accepting and closes every session; thread-safe. io_context::run returns
    // once the sessions have finished their last write or hit their write deadline.
    void stop();
    std::size_t session_count() const;

    struct State;

private:
    std::shared_ptr<State> state_;
};

} // namespace xsime::mock
