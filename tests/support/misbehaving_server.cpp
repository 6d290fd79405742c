// A deliberately broken XSIME server on loopback: plain POSIX sockets and one thread per
// connection, every blocking call bounded by a 50 ms poll so that shutdown is prompt.
#include "tests/support/misbehaving_server.hpp"

#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"
#include "protocol/stream_decoder.hpp"
#include "protocol/tf_framing.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <random>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace xsime::test {

namespace {

using namespace std::chrono_literals;
using protocol::Opcode;

constexpr int poll_ms = 50;
constexpr auto drip_delay = 400ms;
constexpr std::size_t garbage_size = 64;
constexpr unsigned garbage_seed = 20240611;

std::string system_error(std::string_view what) {
    return std::string(what) + ": " + std::strerror(errno);
}

// A header with `sz` in little-endian byte order: the classic porting bug.
std::string little_endian_header(std::uint8_t opcode, std::int32_t sz) {
    const auto value = static_cast<std::uint32_t>(sz);
    std::string out(1, static_cast<char>(opcode));
    for (int shift = 0; shift < 32; shift += 8) {
        out.push_back(static_cast<char>((value >> shift) & 0xffu));
    }
    return out;
}

class Connection {
public:
    Connection(int fd, MisbehavingServer::Mode mode, const std::atomic<bool>& stop)
        : fd_(fd), mode_(mode), stop_(stop) {}
    ~Connection() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }

    void run() {
        while (!stop_.load()) {
            if (!read_some()) {
                return;
            }
            if (!(in_module_ ? handle_frames() : handle_tf())) {
                return;
            }
        }
    }

private:
    using Mode = MisbehavingServer::Mode;

    // Appends whatever arrives; false on close, error or stop.
    bool read_some() {
        while (!stop_.load()) {
            pollfd p{fd_, POLLIN, 0};
            const int ready = ::poll(&p, 1, poll_ms);
            if (ready < 0 && errno != EINTR) {
                return false;
            }
            if (ready <= 0) {
                continue;
            }
            char chunk[4096];
            const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) {
                return false;
            }
            if (in_module_) {
                decoder_.feed(std::string_view(chunk, static_cast<std::size_t>(n)));
            } else {
                tf_buffer_.append(chunk, static_cast<std::size_t>(n));
            }
            return true;
        }
        return false;
    }

    bool write_all(std::string_view bytes) {
        while (!bytes.empty()) {
            if (stop_.load()) {
                return false;
            }
            pollfd p{fd_, POLLOUT, 0};
            const int ready = ::poll(&p, 1, poll_ms);
            if (ready < 0 && errno != EINTR) {
                return false;
            }
            if (ready <= 0) {
                continue;
            }
            const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                continue;
            }
            if (n <= 0) {
                return false;
            }
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    // One byte at a time with a pause before each: a correct reply that takes long.
    bool drip(std::string_view bytes) {
        for (const char c : bytes) {
            const auto until = std::chrono::steady_clock::now() + drip_delay;
            while (std::chrono::steady_clock::now() < until) {
                if (stop_.load()) {
                    return false;
                }
                std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
                    10ms, until - std::chrono::steady_clock::now()));
            }
            if (!write_all(std::string_view(&c, 1))) {
                return false;
            }
        }
        return true;
    }

    bool reply(std::string_view bytes) {
        return mode_ == Mode::slow_drip ? drip(bytes) : write_all(bytes);
    }

    bool handle_tf() {
        while (true) {
            auto step = protocol::decode_tf_message(tf_buffer_);
            if (std::holds_alternative<protocol::NeedMore>(step.result)) {
                return true;
            }
            if (std::holds_alternative<protocol::TfError>(step.result)) {
                return false;
            }
            const auto command = std::get<std::string>(step.result);
            tf_buffer_.erase(0, step.consumed);
            if (command != protocol::tf_xsime_start) {
                if (!write_all(protocol::encode_tf_message(protocol::tf_unknown))) {
                    return false;
                }
                continue;
            }
            // Entering the module is done right: the misbehaviour starts after it.
            if (!write_all(protocol::encode_tf_message(protocol::tf_ok))) {
                return false;
            }
            in_module_ = true;
            decoder_.feed(tf_buffer_);
            tf_buffer_.clear();
            if (mode_ == Mode::garbage) {
                std::mt19937 rng(garbage_seed);
                std::string noise;
                for (std::size_t i = 0; i < garbage_size; ++i) {
                    noise.push_back(static_cast<char>(rng() & 0xffu));
                }
                if (!write_all(noise)) {
                    return false;
                }
            }
            return handle_frames();
        }
    }

    bool handle_frames() {
        while (true) {
            auto next = decoder_.next();
            if (std::holds_alternative<protocol::NeedMore>(next)) {
                return true;
            }
            if (const auto* error = std::get_if<protocol::ProtocolError>(&next)) {
                if (error->fatal) {
                    return false;
                }
                continue;
            }
            if (!handle(std::get<protocol::Frame>(next))) {
                return false;
            }
            if (!in_module_) {
                // Back at the TF level after the exit echo: the rest is TF messages.
                tf_buffer_ = decoder_.take_buffered();
                decoder_ = protocol::StreamDecoder(protocol::Direction::to_server);
                return handle_tf();
            }
        }
    }

    // The status reply the mode makes of a correct `sz`-only reply.
    std::string status(Opcode opcode, std::int32_t sz) const {
        switch (mode_) {
        case Mode::little_endian_sz:
            return little_endian_header(protocol::raw(opcode), sz);
        case Mode::ascii_opcode:
            return protocol::encode_header(
                protocol::Header{static_cast<std::uint8_t>('0' + protocol::raw(opcode)), sz});
        default:
            return protocol::encode_header(protocol::Header{protocol::raw(opcode), sz});
        }
    }

    bool handle(const protocol::Frame& frame) {
        if (mode_ == Mode::reset) {
            // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            linger option{1, 0};
            ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &option, sizeof option);
            ::close(fd_);
            fd_ = -1;
            return false;
        }
        if (mode_ == Mode::silence || mode_ == Mode::garbage) {
            return true;
        }
        switch (static_cast<Opcode>(frame.header.opcode)) {
        case Opcode::org_unit:
        case Opcode::user: {
            if (mode_ == Mode::wrong_opcode) {
                return reply(protocol::encode_header(protocol::Header{3, 0}));
            }
            if (frame.header.opcode == protocol::raw(Opcode::user)) {
                const auto slash = frame.payload.rfind('/');
                user_ =
                    slash == std::string::npos ? frame.payload : frame.payload.substr(slash + 1);
            }
            return reply(status(static_cast<Opcode>(frame.header.opcode), protocol::status_ok));
        }
        case Opcode::message: {
            // Every message comes straight back to its sender as a push.
            auto parsed = protocol::parse_send(frame.payload);
            const auto* request = std::get_if<protocol::SendRequest>(&parsed);
            if (!request || mode_ == Mode::wrong_opcode) {
                return true;
            }
            const auto payload = protocol::format_push_payload(
                static_cast<std::uint64_t>(std::time(nullptr)), user_, request->text);
            const auto sz = static_cast<std::int32_t>(payload.size());
            std::string push = mode_ == Mode::little_endian_sz
                                   ? little_endian_header(protocol::raw(Opcode::message), sz)
                                   : status(Opcode::message, sz);
            push += payload;
            return reply(push);
        }
        case Opcode::exit:
            in_module_ = false;
            return reply(status(Opcode::exit, protocol::status_ok));
        case Opcode::setup:
        case Opcode::interval:
            return true;
        }
        return true;
    }

    int fd_;
    Mode mode_;
    const std::atomic<bool>& stop_;
    bool in_module_ = false;
    std::string tf_buffer_;
    protocol::StreamDecoder decoder_{protocol::Direction::to_server};
    std::string user_;
};

} // namespace

std::string_view MisbehavingServer::name(Mode mode) {
    switch (mode) {
    case Mode::wrong_opcode:
        return "wrong_opcode";
    case Mode::little_endian_sz:
        return "little_endian_sz";
    case Mode::silence:
        return "silence";
    case Mode::reset:
        return "reset";
    case Mode::garbage:
        return "garbage";
    case Mode::slow_drip:
        return "slow_drip";
    case Mode::ascii_opcode:
        return "ascii_opcode";
    }
    return "unknown";
}

MisbehavingServer::MisbehavingServer(Mode mode) : mode_(mode) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) {
        throw std::runtime_error(system_error("socket"));
    }
    const int yes = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        const auto message = system_error("bind/listen on 127.0.0.1:0");
        ::close(listener_);
        throw std::runtime_error(message);
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

MisbehavingServer::~MisbehavingServer() {
    stop_.store(true);
    if (acceptor_.joinable()) {
        acceptor_.join();
    }
    ::close(listener_);
    std::lock_guard lock(mutex_);
    for (auto& thread : connections_) {
        thread.join();
    }
}

void MisbehavingServer::accept_loop() {
    while (!stop_.load()) {
        pollfd p{listener_, POLLIN, 0};
        if (::poll(&p, 1, poll_ms) <= 0) {
            continue;
        }
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        const int yes = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
        std::lock_guard lock(mutex_);
        connections_.emplace_back([this, fd] { serve(fd); });
    }
}

void MisbehavingServer::serve(int fd) {
    Connection(fd, mode_, stop_).run();
}

} // namespace xsime::test
