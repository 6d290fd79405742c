// Blocking reads and writes with deadlines, built on Asio's run_for.
#include "harness/socket_stream.hpp"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

namespace xsime::harness {

namespace asio = boost::asio;
using asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

TransportError from_error_code(const boost::system::error_code& ec, std::string_view peer) {
    if (ec == asio::error::eof) {
        return {TransportError::Kind::closed, std::string(peer) + " closed the connection"};
    }
    if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe) {
        return {TransportError::Kind::reset, "the connection was reset: " + ec.message()};
    }
    if (ec == asio::error::connection_refused) {
        return {TransportError::Kind::refused, "connection refused"};
    }
    return {TransportError::Kind::other, ec.message()};
}

TransportError timeout_error(std::string_view what) {
    return {TransportError::Kind::timeout, "timed out " + std::string(what)};
}

// Starts one asynchronous operation and runs `io` until it completes or `deadline` passes;
// then `cancel` makes it complete as aborted, so nothing is left pending on `io`.
template <typename Start, typename Cancel>
boost::system::error_code run_with_deadline(asio::io_context& io, Start&& start, Cancel&& cancel,
                                            SocketStream::TimePoint deadline, bool& timed_out) {
    boost::system::error_code result = asio::error::would_block;
    start(result);
    io.restart();
    const auto now = steady::now();
    io.run_for(deadline > now ? deadline - now : steady::duration::zero());
    timed_out = false;
    if (result == asio::error::would_block) {
        timed_out = true;
        cancel();
        io.restart();
        io.run();
    }
    return result;
}

} // namespace

SocketStream::SocketStream(std::string_view peer) : socket_(io_), peer_(peer) {}

template <typename Op>
boost::system::error_code SocketStream::run_until(Op&& start, TimePoint deadline, bool& timed_out) {
    return run_with_deadline(
        io_, std::forward<Op>(start),
        [this] {
            boost::system::error_code ignored;
            socket_.cancel(ignored);
        },
        deadline, timed_out);
}

std::variant<std::unique_ptr<SocketStream>, TransportError>
SocketStream::connect(const std::string& host, std::uint16_t port, Deadline timeout) {
    std::unique_ptr<SocketStream> stream(new SocketStream("the server"));
    boost::system::error_code ec;
    tcp::resolver resolver(stream->io_);
    auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) {
        return TransportError{TransportError::Kind::other,
                              "cannot resolve '" + host + "': " + ec.message()};
    }
    bool timed_out = false;
    ec = stream->run_until(
        [&](boost::system::error_code& out) {
            asio::async_connect(
                stream->socket_, endpoints,
                [&out](const boost::system::error_code& e, const tcp::endpoint&) { out = e; });
        },
        steady::now() + timeout, timed_out);
    if (timed_out) {
        return timeout_error("connecting to " + host + ":" + std::to_string(port));
    }
    if (ec) {
        auto error = from_error_code(ec, stream->peer_);
        error.message =
            "cannot connect to " + host + ":" + std::to_string(port) + ": " + error.message;
        return error;
    }
    stream->socket_.set_option(tcp::no_delay(true), ec);
    return stream;
}

std::variant<std::unique_ptr<SocketStream>, TransportError>
SocketStream::accept(tcp::acceptor& acceptor, Deadline timeout) {
    std::unique_ptr<SocketStream> stream(new SocketStream("the client"));
    // The accepted socket belongs to the stream's own io_context (Asio allows the acceptor's
    // to differ), so the stream owns everything it runs later.
    auto& io = static_cast<asio::io_context&>(acceptor.get_executor().context());
    bool timed_out = false;
    auto ec = run_with_deadline(
        io,
        [&](boost::system::error_code& out) {
            acceptor.async_accept(stream->socket_,
                                  [&out](const boost::system::error_code& e) { out = e; });
        },
        [&acceptor] {
            boost::system::error_code ignored;
            acceptor.cancel(ignored);
        },
        steady::now() + timeout, timed_out);
    if (timed_out) {
        return timeout_error("waiting for a connection");
    }
    if (ec) {
        auto error = from_error_code(ec, stream->peer_);
        error.message = "cannot accept a connection: " + error.message;
        return error;
    }
    stream->socket_.set_option(tcp::no_delay(true), ec);
    return stream;
}

std::variant<std::monostate, TransportError> SocketStream::write(std::string_view bytes,
                                                                 Deadline timeout) {
    return write(bytes, steady::now() + timeout);
}

std::variant<std::monostate, TransportError> SocketStream::write(std::string_view bytes,
                                                                 TimePoint deadline) {
    bool timed_out = false;
    auto ec = run_until(
        [&](boost::system::error_code& out) {
            asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                              [&out](const boost::system::error_code& e, std::size_t) { out = e; });
        },
        deadline, timed_out);
    if (timed_out) {
        return timeout_error("writing " + std::to_string(bytes.size()) + " bytes");
    }
    if (ec) {
        return from_error_code(ec, peer_);
    }
    return std::monostate{};
}

std::variant<std::monostate, TransportError> SocketStream::read_some(protocol::ByteQueue& into,
                                                                     TimePoint deadline) {
    std::array<char, 4096> chunk;
    std::size_t got = 0;
    bool timed_out = false;
    auto ec = run_until(
        [&](boost::system::error_code& out) {
            socket_.async_read_some(
                asio::buffer(chunk),
                [&out, &got](const boost::system::error_code& e, std::size_t n) {
                    got = n;
                    out = e;
                });
        },
        deadline, timed_out);
    into.append(std::string_view(chunk.data(), got));
    if (timed_out) {
        return timeout_error("waiting for data");
    }
    if (ec) {
        return from_error_code(ec, peer_);
    }
    return std::monostate{};
}

void SocketStream::close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
}

} // namespace xsime::harness
