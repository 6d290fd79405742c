// The driver's process and pipes: posix_spawn, non-blocking pipes polled together, a pidfd for
// the exit, and SIGPIPE kept away from the harness.
#include "harness/driver_process.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>

namespace xsime::harness {

namespace {

using std::chrono::milliseconds;

constexpr std::size_t read_chunk = 64 * 1024;
constexpr std::size_t too_long_shown = 200; // bytes of an over-long line kept for the message

void close_fd(int& fd) {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
    (void)pid;
    return -1;
#endif
}

// write(2) with SIGPIPE blocked in this thread and, when the write raised it, the signal taken
// back before unblocking: the harness learns EPIPE and no other thread or handler sees a thing.
ssize_t write_without_sigpipe(int fd, const char* data, std::size_t size) {
    sigset_t pipe_only;
    ::sigemptyset(&pipe_only);
    ::sigaddset(&pipe_only, SIGPIPE);
    sigset_t pending;
    ::sigpending(&pending);
    const bool was_pending = ::sigismember(&pending, SIGPIPE) == 1;
    sigset_t old;
    ::pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    const ssize_t n = ::write(fd, data, size);
    const int saved = errno;
    if (n < 0 && saved == EPIPE && !was_pending) {
        const timespec no_wait{};
        while (::sigtimedwait(&pipe_only, nullptr, &no_wait) < 0 && errno == EINTR) {
        }
    }
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    errno = saved;
    return n;
}

// The parent's end of a pipe: non-blocking, so that every wait is a poll with a deadline.
void set_nonblocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

struct SpawnSetup {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    SpawnSetup(int in, int out, int err) {
        ::posix_spawn_file_actions_init(&actions);
        ::posix_spawn_file_actions_adddup2(&actions, in, STDIN_FILENO);
        ::posix_spawn_file_actions_adddup2(&actions, out, STDOUT_FILENO);
        ::posix_spawn_file_actions_adddup2(&actions, err, STDERR_FILENO);
        // A driver must not hold the harness's sockets (the scenario's listener) open.
        ::posix_spawn_file_actions_addclosefrom_np(&actions, 3);
        ::posix_spawnattr_init(&attr);
        // Its own group, so that kill() reaches what `sh -c` or a wrapper script started.
        ::posix_spawnattr_setpgroup(&attr, 0);
        sigset_t none;
        ::sigemptyset(&none);
        ::posix_spawnattr_setsigmask(&attr, &none);
        sigset_t defaults; // an ignored disposition survives exec: give the driver the defaults
        ::sigemptyset(&defaults);
        for (const int signal : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
            ::sigaddset(&defaults, signal);
        }
        ::posix_spawnattr_setsigdefault(&attr, &defaults);
        ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                              POSIX_SPAWN_SETSIGDEF);
    }
    ~SpawnSetup() {
        ::posix_spawn_file_actions_destroy(&actions);
        ::posix_spawnattr_destroy(&attr);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
};

} // namespace

std::string describe(const ExitStatus& status) {
    if (status.signal != 0) {
        const char* name = ::strsignal(status.signal);
        return "killed by signal " + std::to_string(status.signal) + " (" +
               (name != nullptr ? name : "?") + ")";
    }
    return "exited with status " + std::to_string(status.code);
}

DriverProcess::~DriverProcess() {
    kill();
    close_all();
}

std::optional<std::string> DriverProcess::start(const std::vector<std::string>& argv,
                                                const std::atomic<bool>* cancel) {
    if (argv.empty() || argv.front().empty()) {
        return std::string("cannot run the driver: the command is empty");
    }
    if (pid_ > 0) {
        return std::string("cannot run '" + argv.front() + "': a driver is already running");
    }
    cancel_ = cancel;
    std::array<int, 2> in{-1, -1}, out{-1, -1}, err{-1, -1};
    if (::pipe2(in.data(), O_CLOEXEC) != 0 || ::pipe2(out.data(), O_CLOEXEC) != 0 ||
        ::pipe2(err.data(), O_CLOEXEC) != 0) {
        const std::string why = std::strerror(errno);
        for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
            close_fd(fd);
        }
        return "cannot run '" + argv.front() + "': no pipes: " + why;
    }
    std::vector<char*> args;
    for (const auto& word : argv) {
        args.push_back(const_cast<char*>(word.c_str()));
    }
    args.push_back(nullptr);
    int rc = 0;
    {
        SpawnSetup setup(in[0], out[1], err[1]);
        // glibc reports a failed exec as the result (ENOENT, EACCES...), not as a child's 127.
        rc = ::posix_spawnp(&pid_, args[0], &setup.actions, &setup.attr, args.data(), environ);
    }
    close_fd(in[0]);
    close_fd(out[1]);
    close_fd(err[1]);
    stdin_fd_ = in[1];
    stdout_fd_ = out[0];
    stderr_fd_ = err[0];
    if (rc != 0) {
        pid_ = -1;
        close_all();
        return "cannot run '" + argv.front() + "': " + std::strerror(rc);
    }
    for (const int fd : {stdin_fd_, stdout_fd_, stderr_fd_}) {
        set_nonblocking(fd);
    }
    pidfd_ = open_pidfd(pid_);
    return std::nullopt;
}

void DriverProcess::close_all() {
    close_fd(stdin_fd_);
    close_fd(stdout_fd_);
    close_fd(stderr_fd_);
    close_fd(pidfd_);
}

void DriverProcess::close_stdin() {
    close_fd(stdin_fd_);
}

bool DriverProcess::check_exit() {
    if (exit_ || pid_ <= 0) {
        return exit_.has_value();
    }
    siginfo_t info{};
    // WNOWAIT: the zombie keeps the pid (and so the group id) ours until kill() reaps it.
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid != pid_) {
        return false;
    }
    ExitStatus status;
    if (info.si_code == CLD_EXITED) {
        status.code = info.si_status;
    } else {
        status.signal = info.si_status;
    }
    exit_ = status;
    return true;
}

DriverProcess::Pump DriverProcess::pump(TimePoint deadline, bool want_write, bool& writable) {
    if (cancelled()) {
        return Pump::cancelled;
    }
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    // Without a pidfd the exit is only seen by asking, so ask often.
    const milliseconds longest = (pidfd_ < 0 && !exit_) ? milliseconds(10) : slice;
    const auto wait = std::clamp(left + milliseconds(1), milliseconds(0), longest);
    std::array<pollfd, 4> fds{};
    std::size_t count = 0;
    const auto watch = [&](int fd, short events) {
        fds[count++] = pollfd{fd, events, 0};
        return count - 1;
    };
    // Bounded: a driver that floods stdout while nobody reads lines waits for the harness.
    const bool read_out = stdout_fd_ >= 0 && out_.size() < 2 * max_line;
    const std::size_t out_at = read_out ? watch(stdout_fd_, POLLIN) : fds.size();
    const std::size_t err_at = stderr_fd_ >= 0 ? watch(stderr_fd_, POLLIN) : fds.size();
    const std::size_t exit_at = (pidfd_ >= 0 && !exit_) ? watch(pidfd_, POLLIN) : fds.size();
    const std::size_t in_at =
        (want_write && stdin_fd_ >= 0) ? watch(stdin_fd_, POLLOUT) : fds.size();
    const int ready = ::poll(fds.data(), count, static_cast<int>(wait.count()));
    if (ready < 0) {
        return Pump::progress; // EINTR: the caller looks at its deadline and polls again
    }
    const auto fired = [&](std::size_t at) { return at < count && fds[at].revents != 0; };
    if (fired(out_at)) {
        read_stdout();
    }
    if (fired(err_at)) {
        read_stderr();
    }
    if (fired(exit_at) || pidfd_ < 0) {
        check_exit();
    }
    writable = fired(in_at);
    if (cancelled()) {
        return Pump::cancelled;
    }
    return ready > 0 ? Pump::progress : Pump::idle;
}

void DriverProcess::read_stdout() {
    char buffer[read_chunk];
    while (stdout_fd_ >= 0 && out_.size() < 2 * max_line) {
        const ssize_t n = ::read(stdout_fd_, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n == 0 || errno != EAGAIN) {
                close_fd(stdout_fd_); // EOF (or a broken pipe): no more lines will come
            }
            return;
        }
        std::string_view chunk(buffer, static_cast<std::size_t>(n));
        if (discarding_) { // the rest of an over-long line, up to its end
            const auto end = chunk.find('\n');
            if (end == std::string_view::npos) {
                continue;
            }
            discarding_ = false;
            chunk.remove_prefix(end + 1);
        }
        out_.append(chunk);
    }
}

void DriverProcess::read_stderr() {
    char buffer[read_chunk];
    while (stderr_fd_ >= 0) {
        const ssize_t n = ::read(stderr_fd_, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n == 0 || errno != EAGAIN) {
                close_fd(stderr_fd_);
            }
            return;
        }
        keep_stderr(std::string_view(buffer, static_cast<std::size_t>(n)));
    }
}

void DriverProcess::keep_stderr(std::string_view bytes) {
    stderr_total_ += bytes.size();
    const std::size_t half = max_stderr / 2;
    if (err_head_.size() < half) {
        const std::size_t take = std::min(half - err_head_.size(), bytes.size());
        err_head_.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
    }
    err_tail_.append(bytes);
    if (err_tail_.size() > half) {
        err_tail_.erase(0, err_tail_.size() - half);
    }
}

std::optional<LineRead> DriverProcess::take_line() {
    const auto end = out_.find('\n');
    if (end != std::string::npos && end <= max_line) {
        LineRead read{LineRead::Kind::line, out_.substr(0, end)};
        out_.erase(0, end + 1);
        return read;
    }
    if (end != std::string::npos || out_.size() > max_line) {
        LineRead read{LineRead::Kind::too_long, out_.substr(0, too_long_shown)};
        if (end != std::string::npos) {
            out_.erase(0, end + 1);
        } else {
            out_.clear();
            discarding_ = true;
        }
        return read;
    }
    return std::nullopt;
}

LineRead DriverProcess::read_line(TimePoint deadline) {
    bool expired = false;
    for (;;) {
        if (auto read = take_line()) {
            return *read;
        }
        if (stdout_fd_ < 0) {
            if (!out_.empty()) { // a last line without '\n'
                return LineRead{LineRead::Kind::line, std::exchange(out_, {})};
            }
            return LineRead{LineRead::Kind::eof, {}};
        }
        if (expired) {
            return LineRead{LineRead::Kind::timeout, {}};
        }
        expired = Clock::now() >= deadline; // one more look at what is ready, then give up
        bool writable = false;
        if (pump(deadline, false, writable) == Pump::cancelled) {
            return LineRead{LineRead::Kind::cancelled, {}};
        }
    }
}

WriteResult DriverProcess::write_line(std::string_view line, TimePoint deadline) {
    std::string data(line);
    data.push_back('\n');
    std::size_t done = 0;
    bool expired = false;
    while (done < data.size()) {
        if (stdin_fd_ < 0) {
            return WriteResult::closed;
        }
        const ssize_t n = write_without_sigpipe(stdin_fd_, data.data() + done, data.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno != EAGAIN) {
            close_stdin(); // EPIPE: the driver closed its stdin or exited
            return WriteResult::closed;
        }
        if (expired) {
            if (done > 0) {
                close_stdin(); // half a line is in the pipe: nothing after it could be read
            }
            return WriteResult::timeout;
        }
        expired = Clock::now() >= deadline;
        bool writable = false;
        if (pump(deadline, true, writable) == Pump::cancelled) {
            return WriteResult::cancelled;
        }
    }
    return WriteResult::written;
}

std::optional<ExitStatus> DriverProcess::wait_exit(TimePoint deadline) {
    bool expired = false;
    for (;;) {
        if (check_exit()) {
            // What it wrote before exiting is in the pipes: keep it for the caller.
            read_stdout();
            read_stderr();
            return exit_;
        }
        if (expired || pid_ <= 0) {
            return std::nullopt;
        }
        expired = Clock::now() >= deadline;
        bool writable = false;
        if (pump(deadline, false, writable) == Pump::cancelled) {
            return std::nullopt;
        }
    }
}

void DriverProcess::kill() {
    if (pid_ <= 0 || reaped_) {
        return;
    }
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL); // in case the driver moved itself to another group
    const auto give_up = Clock::now() + std::chrono::seconds(2);
    for (;;) {
        int status = 0;
        const pid_t got = ::waitpid(pid_, &status, WNOHANG);
        if (got == pid_ || (got < 0 && errno != EINTR)) {
            reaped_ = true;
            if (got == pid_ && !exit_) {
                exit_ = WIFEXITED(status) ? ExitStatus{WEXITSTATUS(status), 0}
                                          : ExitStatus{-1, WTERMSIG(status)};
            }
            return;
        }
        if (Clock::now() >= give_up) {
            return; // stuck in the kernel: leave the zombie rather than hang the run
        }
        pollfd exit_fd{pidfd_, POLLIN, 0};
        if (pidfd_ >= 0) {
            ::poll(&exit_fd, 1, 10);
        } else {
            std::this_thread::sleep_for(milliseconds(5));
        }
    }
}

std::string DriverProcess::stderr_text() const {
    if (stderr_total_ <= err_head_.size() + err_tail_.size()) {
        return err_head_ + err_tail_;
    }
    const std::size_t left_out = stderr_total_ - err_head_.size() - err_tail_.size();
    return err_head_ + "\n[... " + std::to_string(left_out) + " bytes left out ...]\n" + err_tail_;
}

std::vector<std::string> DriverProcess::stderr_tail(std::size_t count) const {
    const std::string text = stderr_text();
    std::vector<std::string> lines;
    std::size_t end = text.size();
    while (lines.size() < count && end > 0) {
        const std::size_t start = text.rfind('\n', end - 1);
        const std::size_t from = start == std::string::npos ? 0 : start + 1;
        std::string line = text.substr(from, end - from);
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (!line.empty()) {
            lines.push_back(std::move(line));
        }
        end = start == std::string::npos ? 0 : start;
    }
    std::reverse(lines.begin(), lines.end());
    return lines;
}

} // namespace xsime::harness
