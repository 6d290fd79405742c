// One poll() loop over the command input and the client's socket, with every wait bounded.
#include "client/driver_loop.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <mutex>
#include <poll.h>
#include <unistd.h>

namespace xsime::client {

namespace {

using Clock = std::chrono::steady_clock;

// Event lines, whole and in order, each written before the next (a lock keeps two writers
// from interleaving half lines). The descriptor is non-blocking while the driver runs so that
// a reader that stops reading costs at most the timeout.
class EventWriter {
public:
    EventWriter(int fd, std::chrono::milliseconds timeout)
        : fd_(fd), flags_(::fcntl(fd, F_GETFL)), timeout_(timeout) {
        if (flags_ >= 0) {
            ::fcntl(fd_, F_SETFL, flags_ | O_NONBLOCK);
        }
    }
    ~EventWriter() {
        if (flags_ >= 0) {
            ::fcntl(fd_, F_SETFL, flags_);
        }
    }
    EventWriter(const EventWriter&) = delete;
    EventWriter& operator=(const EventWriter&) = delete;

    void line(std::string text) {
        const std::lock_guard lock(mutex_);
        text.push_back('\n');
        const auto deadline = Clock::now() + timeout_;
        std::string_view left = text;
        while (ok_ && !left.empty()) {
            const auto written = ::write(fd_, left.data(), left.size());
            if (written > 0) {
                left.remove_prefix(static_cast<std::size_t>(written));
            } else if (written < 0 && errno != EAGAIN && errno != EINTR) {
                fail(std::strerror(errno));
            } else if (!wait_writable(deadline)) {
                fail("nobody read the events for " + std::to_string(timeout_.count()) + " ms");
            }
        }
    }
    bool ok() const { return ok_; }

private:
    bool wait_writable(Clock::time_point deadline) const {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            return false;
        }
        pollfd out{fd_, POLLOUT, 0};
        return ::poll(&out, 1, static_cast<int>(left.count())) >= 0 || errno == EINTR;
    }
    void fail(const std::string& why) {
        ok_ = false;
        std::cerr << "client-driver: cannot write events: " << why << '\n';
    }

    std::mutex mutex_;
    int fd_;
    int flags_;
    std::chrono::milliseconds timeout_;
    bool ok_ = true;
};

// Cuts the command input into lines; a line longer than any command could be is dropped.
class LineReader {
public:
    // Reads once (poll said there is something); false at the end of the input.
    bool read(int fd) {
        char buffer[64 * 1024];
        const auto got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
            return true;
        }
        if (got <= 0) {
            if (!partial_.empty()) {
                lines_.push_back(std::move(partial_)); // a last line without '\n'
                partial_.clear();
            }
            return false;
        }
        for (const char c : std::string_view(buffer, static_cast<std::size_t>(got))) {
            if (c == '\n') {
                lines_.push_back(std::move(partial_));
                partial_.clear();
            } else if (partial_.size() < max_line) {
                partial_.push_back(c);
            }
        }
        return true;
    }
    std::vector<std::string> take() { return std::exchange(lines_, {}); }

private:
    // 16 KiB of text as hex, with room to spare.
    static constexpr std::size_t max_line = 1 << 20;
    std::string partial_;
    std::vector<std::string> lines_;
};

int poll_timeout(std::optional<Clock::time_point> deadline) {
    if (!deadline) {
        return -1;
    }
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

void run_lines(LineReader& reader, ClientSession& session, EventWriter& writer,
               const ConnectDefaults& defaults) {
    for (auto& line : reader.take()) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (line.find_first_not_of(" \t") == std::string::npos) {
            continue;
        }
        auto parsed = parse_command(line, defaults);
        if (auto* bad = std::get_if<BadCommand>(&parsed)) {
            writer.line(bad_command_line(*bad));
        } else {
            session.submit(std::get<CommandRequest>(std::move(parsed)));
        }
    }
}

} // namespace

int run_client_driver(int in_fd, int out_fd, const DriverOptions& options) {
    EventWriter writer(out_fd, options.write_timeout);
    ClientSession session(options.session,
                          [&writer](const ClientEvent& event) { writer.line(event_line(event)); });
    writer.line(hello_line(options.client_name));
    LineReader reader;
    bool input_open = true;
    while (input_open && writer.ok()) {
        const int socket = session.fd();
        pollfd fds[2] = {{in_fd, POLLIN, 0}, {socket, session.wanted_events(), 0}};
        const nfds_t count = socket >= 0 ? 2 : 1;
        if (::poll(fds, count, poll_timeout(session.next_deadline())) < 0 && errno != EINTR) {
            std::cerr << "client-driver: poll: " << std::strerror(errno) << '\n';
            break;
        }
        // The socket first: stdin's commands may replace the connection behind that fd.
        if (count == 2 && fds[1].revents != 0 && session.fd() == socket) {
            session.on_ready(fds[1].revents);
        }
        if (fds[0].revents != 0) {
            input_open = reader.read(in_fd);
            run_lines(reader, session, writer, options.connect);
        }
        session.on_time(Clock::now());
    }
    session.finish("the application ended (stdin closed) before the command finished");
    writer.line(done_line());
    return writer.ok() ? 0 : 3;
}

} // namespace xsime::client
