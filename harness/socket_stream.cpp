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

TransportError from_error_code(const boost::system::error_code& ec) {
    if (ec == asio::error::eof) {
        return {TransportError::Kind::closed, "the server closed the connection"};
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

} // namespace

SocketStream::SocketStream() : socket_(io_) {}

template <typename Op>
boost::system::error_code SocketStream::run_until(Op&& start, TimePoint deadline, bool& timed_out) {
    boost::system::error_code result = asio::error::would_block;
    start(result);
    io_.restart();
    const auto now = steady::now();
    io_.run_for(deadline > now ? deadline - now : steady::duration::zero());
    timed_out = false;
    if (result == asio::error::would_block) {
        // The operation is still pending: cancel it and let it complete as aborted.
        timed_out = true;
        boost::system::error_code ignored;
        socket_.cancel(ignored);
        io_.restart();
        io_.run();
    }
    return result;
}

std::variant<std::unique_ptr<SocketStream>, TransportError>
SocketStream::connect(const std::string& host, std::uint16_t port, Deadline timeout) {
    std::unique_ptr<SocketStream> stream(new SocketStream());
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
        auto error = from_error_code(ec);
        error.message =
            "cannot connect to " + host + ":" + std::to_string(port) + ": " + error.message;
        return error;
    }
    stream->socket_.set_option(tcp::no_delay(true), ec);
    return stream;
}

std::variant<std::monostate, TransportError> SocketStream::write(std::string_view bytes,
                                                                 Deadline timeout) {
    bool timed_out = false;
    auto ec = run_until(
        [&](boost::system::error_code& out) {
            asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                              [&out](const boost::system::error_code& e, std::size_t) { out = e; });
        },
        steady::now() + timeout, timed_out);
    if (timed_out) {
        return timeout_error("writing " + std::to_string(bytes.size()) + " bytes");
    }
    if (ec) {
        return from_error_code(ec);
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
        return from_error_code(ec);
    }
    return std::monostate{};
}

void SocketStream::close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
}

} // namespace xsime::harness
