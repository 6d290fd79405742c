// Accept loop, session registry and shutdown of the reference server.
#include "mock_server/server.hpp"

#include "mock_server/connection.hpp"
#include "mock_server/fs_mailbox.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace xsime::mock {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
// An accept that fails (out of descriptors) is retried after this pause, not in a busy loop.
constexpr auto accept_retry_pause = std::chrono::milliseconds(100);
// The accept loop is started again after an unexpected exception, unless this many follow
// one another with no connection admitted in between: then it cannot recover.
constexpr int max_accept_restarts = 10;
} // namespace

struct Server::State : std::enable_shared_from_this<Server::State> {
    State(asio::io_context& io_context, ServerConfig cfg)
        : io(io_context), config(std::move(cfg)), acceptor(asio::make_strand(io_context)),
          context(std::make_shared<ConnectionContext>()) {
        auto mailbox = std::make_unique<FsMailbox>(config.root, config.core.faults);
        leftovers = mailbox->removed_leftovers();
        context->mailbox =
            config.wrap_mailbox ? config.wrap_mailbox(std::move(mailbox)) : std::move(mailbox);
        context->core = config.core;
        context->read_timeout = config.read_timeout;
        context->write_timeout = config.write_timeout;
        if (config.tf) {
            // The key is parsed here once, not at every client's key message.
            auto tf = *config.tf;
            tf.parse_private_key();
            context->tf = std::make_shared<const TfServerSettings>(std::move(tf));
        }
        // Serialised here so the user's sink never sees two lines interleaved.
        context->log = [sink = config.log,
                        mutex = std::make_shared<std::mutex>()](std::string_view line) {
            if (sink) {
                std::lock_guard lock(*mutex);
                sink(line);
            }
        };
    }

    void bind() {
        const tcp::endpoint endpoint(asio::ip::make_address(config.host), config.port);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen();
        std::weak_ptr<State> weak = shared_from_this();
        context->on_finished = [weak](std::uint64_t id) {
            if (auto self = weak.lock()) {
                self->finished(id);
            }
        };
    }

    void start_accepting() {
        asio::co_spawn(
            acceptor.get_executor(), [self = shared_from_this()] { return self->accept_loop(); },
            [self = shared_from_this()](std::exception_ptr failure) {
                if (failure) {
                    self->accept_loop_failed(std::move(failure));
                }
            });
    }

    // co_spawn's completion handler, on the acceptor's strand: nothing may escape it. The loop
    // is restarted (or the acceptor closed) before the line is logged: the sink may throw too.
    void accept_loop_failed(std::exception_ptr failure) noexcept {
        try {
            std::string line = "accept loop failed: " + describe_exception(std::move(failure));
            if (!acceptor.is_open()) {
                line += " (while stopping)";
            } else if (++accept_restarts > max_accept_restarts) {
                boost::system::error_code ignored;
                acceptor.close(ignored);
                line += "; " + std::to_string(accept_restarts) +
                        " failures in a row, no longer accepting connections (open sessions "
                        "are still served)";
            } else {
                start_accepting();
                line += "; accepting again";
            }
            context->log(line);
        } catch (...) {
            // Out of memory, or the log sink failed as well: the line is lost, not the server.
        }
    }

    asio::awaitable<void> accept_loop() {
        asio::steady_timer pause(acceptor.get_executor());
        while (acceptor.is_open()) {
            auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io),
                                                               asio::as_tuple(asio::use_awaitable));
            if (ec) {
                if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
                    break;
                }
                // Out of descriptors and the like: keep serving the sessions we have.
                context->log("accept failed: " + ec.message());
                pause.expires_after(accept_retry_pause);
                co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
                continue;
            }
            admit(std::move(socket));
        }
    }

    void admit(tcp::socket socket) {
        const auto id = ++next_id;
        if (active.load() >= config.max_sessions) {
            context->log("session " + std::to_string(id) + ": refused, " +
                         std::to_string(config.max_sessions) + " sessions already open");
            boost::system::error_code ignored;
            socket.close(ignored);
            return;
        }
        ++active;
        std::shared_ptr<Connection> connection;
        try {
            connection = std::make_shared<Connection>(std::move(socket), context, id);
        } catch (...) {
            --active; // once constructed, ~Connection gives the slot back
            throw;
        }
        {
            std::lock_guard lock(registry_mutex);
            registry.emplace(id, connection);
        }
        connection->start();
        accept_restarts = 0;
    }

    void finished(std::uint64_t id) {
        --active;
        std::lock_guard lock(registry_mutex);
        registry.erase(id);
    }

    void stop() {
        asio::post(acceptor.get_executor(), [self = shared_from_this()] {
            boost::system::error_code ignored;
            self->acceptor.close(ignored);
        });
        // The strong references are taken under the lock but dropped outside it: ours may
        // be the last one (the connection finished on another thread meanwhile), and then
        // ~Connection calls finished(), which takes registry_mutex again.
        std::vector<std::shared_ptr<Connection>> connections;
        {
            std::lock_guard lock(registry_mutex);
            for (auto& [id, weak] : registry) {
                if (auto connection = weak.lock()) {
                    connections.push_back(std::move(connection));
                }
            }
        }
        for (const auto& connection : connections) {
            connection->stop("server shutting down");
        }
    }

    asio::io_context& io;
    ServerConfig config;
    tcp::acceptor acceptor;
    std::shared_ptr<ConnectionContext> context;
    std::mutex registry_mutex;
    std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> registry;
    std::atomic<std::size_t> active{0};
    std::atomic<std::uint64_t> next_id{0};
    int accept_restarts = 0;   // on the acceptor's strand only
    std::size_t leftovers = 0; // temporary files the mailbox removed at start
};

Server::Server(asio::io_context& io, ServerConfig config)
    : state_(std::make_shared<State>(io, std::move(config))) {
    state_->bind();
}

Server::~Server() {
    // Connections may outlive this object (they share the context); stop them.
    state_->stop();
}

tcp::endpoint Server::local_endpoint() const {
    return state_->acceptor.local_endpoint();
}

void Server::start() {
    if (state_->leftovers > 0) {
        state_->context->log("removed " + std::to_string(state_->leftovers) +
                             " leftover temporary file(s) from '" +
                             (state_->config.root / ".xsime-tmp").string() + "'");
    }
    state_->start_accepting();
}

void Server::stop() {
    state_->stop();
}

std::size_t Server::session_count() const {
    return state_->active.load();
}

} // namespace xsime::mock
