// Test support for the client driver: the driver loop run in-process on two pipes, and a tiny
// loopback server that the test scripts byte by byte. Every wait is bounded.
#pragma once

#include "client/driver_loop.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace xsime::test {

using namespace std::chrono_literals;
using Json = nlohmann::json;

// Generous for what must happen on a loaded machine; tests that wait for a silence use less.
inline constexpr auto driver_io_timeout = 5000ms;

inline int poll_ms(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<long long>(left.count(), 0));
}

// run_client_driver on a thread: the test writes command lines and reads event lines.
class InProcessDriver {
public:
    explicit InProcessDriver(client::DriverOptions options = defaults()) {
        if (::pipe(in_) != 0 || ::pipe(out_) != 0) {
            throw std::runtime_error("pipe failed");
        }
        thread_ = std::thread([this, options] {
            status_ = client::run_client_driver(in_[0], out_[1], options);
            ::close(out_[1]); // the reader sees the end
        });
    }
    ~InProcessDriver() {
        close_input();
        thread_.join();
        ::close(in_[0]);
        ::close(out_[0]);
    }
    InProcessDriver(const InProcessDriver&) = delete;
    InProcessDriver& operator=(const InProcessDriver&) = delete;

    static client::DriverOptions defaults() {
        client::DriverOptions options;
        options.client_name = "test client";
        options.session.timeout = 5000ms;
        return options;
    }

    void line(const std::string& text) {
        const std::string bytes = text + "\n";
        if (::write(in_[1], bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
            throw std::runtime_error("cannot write to the driver");
        }
    }
    void command(Json command) { line(command.dump()); }
    void close_input() {
        if (in_[1] >= 0) {
            ::close(in_[1]);
            in_[1] = -1;
        }
    }

    // The next event line, parsed; nullopt when none comes in time (or the output ended).
    std::optional<Json> event(std::chrono::milliseconds timeout = driver_io_timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            if (const auto end = pending_.find('\n'); end != std::string::npos) {
                auto text = pending_.substr(0, end);
                pending_.erase(0, end + 1);
                return Json::parse(text);
            }
            pollfd fd{out_[0], POLLIN, 0};
            if (::poll(&fd, 1, poll_ms(deadline)) <= 0) {
                return std::nullopt;
            }
            char buffer[65536];
            const auto got = ::read(out_[0], buffer, sizeof buffer);
            if (got <= 0) {
                return std::nullopt;
            }
            pending_.append(buffer, static_cast<std::size_t>(got));
        }
    }
    // The next event, which must exist (a test failure is thrown as an exception otherwise).
    Json next(std::chrono::milliseconds timeout = driver_io_timeout) {
        auto got = event(timeout);
        if (!got) {
            throw std::runtime_error("no event from the driver in time");
        }
        return *got;
    }
    // Closes stdin, waits for the thread; the driver's return value.
    int finish() {
        close_input();
        thread_.join();
        thread_ = std::thread([] {});
        return status_;
    }

private:
    int in_[2] = {-1, -1};
    int out_[2] = {-1, -1};
    std::thread thread_;
    int status_ = -1;
    std::string pending_;
};

// One connection's server side on 127.0.0.1, scripted by the test.
class FakeServer {
public:
    FakeServer() {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
            ::listen(listener_, 4) != 0 ||
            ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
            throw std::runtime_error("cannot listen on 127.0.0.1");
        }
        port_ = ntohs(address.sin_port);
    }
    ~FakeServer() {
        close_client();
        ::close(listener_);
    }
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    std::uint16_t port() const { return port_; }
    bool accept(std::chrono::milliseconds timeout = driver_io_timeout) {
        pollfd fd{listener_, POLLIN, 0};
        if (::poll(&fd, 1, static_cast<int>(timeout.count())) <= 0) {
            return false;
        }
        client_ = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        return client_ >= 0;
    }
    // Exactly `n` bytes, or fewer when they do not come in time.
    std::string read(std::size_t n, std::chrono::milliseconds timeout = driver_io_timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::string got;
        while (got.size() < n) {
            pollfd fd{client_, POLLIN, 0};
            if (::poll(&fd, 1, poll_ms(deadline)) <= 0) {
                break;
            }
            char buffer[65536];
            const auto size = ::recv(client_, buffer, std::min(sizeof buffer, n - got.size()), 0);
            if (size <= 0) {
                break;
            }
            got.append(buffer, static_cast<std::size_t>(size));
        }
        return got;
    }
    // True when the client closes within `timeout` without sending anything.
    bool sees_close(std::chrono::milliseconds timeout = driver_io_timeout) {
        pollfd fd{client_, POLLIN, 0};
        if (::poll(&fd, 1, static_cast<int>(timeout.count())) <= 0) {
            return false;
        }
        char byte;
        return ::recv(client_, &byte, 1, 0) == 0;
    }
    void write(std::string_view bytes) {
        if (::send(client_, bytes.data(), bytes.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(bytes.size())) {
            throw std::runtime_error("cannot write to the client");
        }
    }
    void close_client() {
        if (client_ >= 0) {
            ::close(client_);
            client_ = -1;
        }
    }

private:
    int listener_ = -1;
    int client_ = -1;
    std::uint16_t port_ = 0;
};

} // namespace xsime::test
