// Accept loop, session registry and shutdown of the reference server.
#include "mock_server/server.hpp"

#include "mock_server/connection.hpp"
#include "mock_server/fs_mailbox.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace xsime::mock {

namespace asio = boost::asio;
using asio::ip::tcp;

struct Server::State : std::enable_shared_from_this<Server::State> {
    State(asio::io_context& io_context, ServerConfig cfg)
        : io(io_context), config(std::move(cfg)), acceptor(asio::make_strand(io_context)),
          context(std::make_shared<ConnectionContext>()) {
        context->mailbox = std::make_unique<FsMailbox>(config.root, config.core.faults);
        context->core = config.core;
        context->read_timeout = config.read_timeout;
        context->write_timeout = config.write_timeout;
        if (config.tf) {
            context->tf = std::make_shared<const TfServerSettings>(*config.tf);
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

    asio::awaitable<void> accept_loop() {
        while (acceptor.is_open()) {
            auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io),
                                                               asio::as_tuple(asio::use_awaitable));
            if (ec) {
                if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
                    break;
                }
                // Out of descriptors and the like: keep serving the sessions we have.
                context->log("accept failed: " + ec.message());
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
        auto connection = std::make_shared<Connection>(std::move(socket), context, id);
        {
            std::lock_guard lock(registry_mutex);
            registry.emplace(id, connection);
        }
        connection->start();
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
    asio::co_spawn(
        state_->acceptor.get_executor(), [state = state_] { return state->accept_loop(); },
        asio::detached);
}

void Server::stop() {
    state_->stop();
}

std::size_t Server::session_count() const {
    return state_->active.load();
}

} // namespace xsime::mock
