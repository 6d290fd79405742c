// Non-blocking TCP for the reference client, the TF handshake over it, then the session cipher.
#include "client/client_transport.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace xsime::client {

namespace {

std::string errno_text(int error) {
    return std::strerror(error);
}

} // namespace

std::variant<std::unique_ptr<ClientTransport>, std::string>
ClientTransport::open(const Endpoint& endpoint) {
    const std::string where = endpoint.host + ":" + std::to_string(endpoint.port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const int rc =
        ::getaddrinfo(endpoint.host.c_str(), std::to_string(endpoint.port).c_str(), &hints, &found);
    if (rc != 0) {
        return "cannot resolve '" + endpoint.host + "': " + ::gai_strerror(rc);
    }
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, ::freeaddrinfo);
    const int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return "cannot make a socket: " + errno_text(errno);
    }
    // Each frame leaves when written: a client that holds bytes back would delay replies.
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, found->ai_addr, found->ai_addrlen) != 0 && errno != EINPROGRESS) {
        const int error = errno;
        ::close(fd);
        return "cannot connect to " + where + ": " + errno_text(error);
    }
    return std::unique_ptr<ClientTransport>(new ClientTransport(fd, endpoint));
}

ClientTransport::~ClientTransport() {
    ::close(fd_);
}

short ClientTransport::wanted_events() const {
    if (state_ == State::connecting) {
        return POLLOUT;
    }
    return static_cast<short>(POLLIN | (out_.empty() ? 0 : POLLOUT));
}

void ClientTransport::fail(Progress& progress, std::string reason) {
    if (state_ == State::handshaking) {
        // Whatever stopped the handshake, say at which step.
        reason = "TF handshake, " + handshake_->describe(handshake_->step()) + ": " + reason;
    }
    if (!progress.failed) {
        progress.failed = std::move(reason);
    }
    state_ = State::closed;
}

ClientTransport::Progress ClientTransport::on_ready(short revents, ClientCore& core,
                                                    CoreOutput& out) {
    Progress progress;
    if (state_ == State::connecting) {
        if ((revents & (POLLOUT | POLLERR | POLLHUP)) == 0) {
            return progress;
        }
        on_connected(progress);
    }
    if (state_ != State::closed) {
        if (auto error = flush()) {
            fail(progress, *error);
        }
    }
    if (state_ != State::closed && (revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        read_all(core, out, progress);
    }
    return progress;
}

void ClientTransport::on_connected(Progress& progress) {
    int error = 0;
    socklen_t size = sizeof error;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) {
        fail(progress, "cannot connect to " + endpoint_.host + ":" +
                           std::to_string(endpoint_.port) + ": " + errno_text(error));
        return;
    }
    if (!endpoint_.tf) {
        state_ = State::open;
        progress.established = true;
        return;
    }
    handshake_.emplace(*endpoint_.tf);
    state_ = State::handshaking;
    queue_wire(handshake_->begin().wire);
}

void ClientTransport::read_all(ClientCore& core, CoreOutput& out, Progress& progress) {
    std::array<char, 64 * 1024> buffer;
    while (state_ == State::handshaking || state_ == State::open) {
        const auto got = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (got > 0) {
            on_bytes(std::string_view(buffer.data(), static_cast<std::size_t>(got)), core, out,
                     progress);
            continue;
        }
        if (got == 0) {
            fail(progress, state_ == State::handshaking
                               ? "no reply, the server closed the connection"
                               : "the server closed the connection");
        } else if (errno == EINTR) {
            continue;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
            fail(progress, errno == ECONNRESET ? "the connection was reset by the server"
                                               : "reading failed: " + errno_text(errno));
        }
        return;
    }
}

void ClientTransport::on_bytes(std::string_view bytes, ClientCore& core, CoreOutput& out,
                               Progress& progress) {
    if (state_ == State::handshaking) {
        on_handshake(handshake_->receive(bytes), core, out, progress);
    } else if (session_) {
        session_->feed(bytes);
        deliver(core, out);
    } else {
        out.append(core.receive(bytes));
    }
}

void ClientTransport::on_handshake(protocol::TfClientHandshake::Output step, ClientCore& core,
                                   CoreOutput& out, Progress& progress) {
    queue_wire(step.wire);
    if (auto error = flush()) {
        fail(progress, *error);
        return;
    }
    if (step.failure) {
        fail(progress, step.failure->reason);
        return;
    }
    if (!handshake_->done()) {
        return;
    }
    session_.emplace(protocol::TfSession::Side::client, *handshake_->sender(),
                     std::move(*handshake_->receiver()));
    handshake_.reset();
    state_ = State::open;
    progress.established = true;
    deliver(core, out); // anything the server sent right behind its OK
}

// The TF session cuts what arrives into the calls the server packed: TF messages at the TF
// level, frames in the module, as the core says it is reading.
void ClientTransport::deliver(ClientCore& core, CoreOutput& out) {
    while (!core.closed()) {
        if (core.reading_frames()) {
            auto frame = session_->next_frame();
            if (std::holds_alternative<protocol::NeedMore>(frame)) {
                return;
            }
            out.append(core.receive_frame(frame));
        } else {
            auto message = session_->next_tf_message();
            if (std::holds_alternative<protocol::NeedMore>(message)) {
                return;
            }
            out.append(core.receive_tf_message(message));
        }
    }
}

void ClientTransport::queue_wire(std::string_view wire) {
    out_.append(wire);
    queued_ += wire.size();
}

std::optional<std::string> ClientTransport::send(std::string_view plain) {
    if (state_ != State::open) {
        return std::string("the connection is not open");
    }
    queue_wire(session_ ? session_->pack(plain) : std::string(plain));
    auto error = flush();
    if (error) {
        state_ = State::closed;
    }
    return error;
}

std::optional<std::string> ClientTransport::flush() {
    while (!out_.empty()) {
        const auto pending = out_.view();
        const auto sent = ::send(fd_, pending.data(), pending.size(), MSG_NOSIGNAL);
        if (sent >= 0) {
            out_.consume(static_cast<std::size_t>(sent));
            written_ += static_cast<std::uint64_t>(sent);
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return std::nullopt;
        }
        return errno == EPIPE || errno == ECONNRESET ? "the connection was reset by the server"
                                                     : "writing failed: " + errno_text(errno);
    }
    return std::nullopt;
}

} // namespace xsime::client
