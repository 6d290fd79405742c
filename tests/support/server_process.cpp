// Starting, watching and stopping the real `xsime-conform serve` process for integration tests.
#include "tests/support/server_process.hpp"

#include "tests/support/files.hpp"
#include "tests/support/spawn.hpp"
#include "tests/support/wait_until.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#ifndef XSIME_CONFORM_BIN
#error "XSIME_CONFORM_BIN must name the xsime-conform executable (set by tests/CMakeLists.txt)"
#endif

namespace xsime::test {

namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

std::string errno_text(std::string_view what) {
    return std::string(what) + ": " + std::strerror(errno);
}

// Each server gets its own stderr file, so several servers may share one TempRoot.
std::atomic<unsigned> server_counter{0};

} // namespace

// ---- TempRoot ----

TempRoot::TempRoot() {
    std::string pattern = "/tmp/xsime-test.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error(errno_text("mkdtemp " + pattern));
    }
    base_ = pattern;
    root_ = base_ / "root";
    std::error_code ec;
    fs::create_directory(root_, ec);
    if (ec) {
        // The destructor will not run for a constructor that throws: clean up here.
        fs::remove_all(base_, ec);
        throw std::runtime_error("cannot create " + root_.string());
    }
}

TempRoot::~TempRoot() {
    // Never throws: a leftover folder in /tmp is not worth aborting the test run.
    std::error_code ignored;
    fs::remove_all(base_, ignored);
}

fs::path TempRoot::make_user(std::string_view org, std::string_view user) const {
    const fs::path dir = root_ / org / user;
    fs::create_directories(dir);
    return dir;
}

fs::path TempRoot::messages(std::string_view org, std::string_view user) const {
    return root_ / org / user / "messages";
}

// ---- ServerProcess ----

ServerProcess::ServerProcess(const TempRoot& root, std::vector<std::string> extra_args,
                             std::chrono::milliseconds start_timeout) {
    stderr_path_ = root.base() / ("server-" + std::to_string(++server_counter) + ".stderr");

    std::vector<std::string> args = {XSIME_CONFORM_BIN,    "serve",  "--root",
                                     root.root().string(), "--port", "0"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    // Everything the child needs is prepared before fork: between fork and exec a
    // multithreaded parent's child may only make async-signal-safe calls (no malloc).
    std::vector<char*> argv;
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);

    int out_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error(errno_text("pipe2"));
    }
    const int err_fd = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (err_fd < 0 || null_fd < 0) {
        const auto message = errno_text("opening the server's stdin/stderr");
        for (const int fd : {out_pipe[0], out_pipe[1], err_fd, null_fd}) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
        throw std::runtime_error(message);
    }

    pid_ = spawn_child(argv.data(), null_fd, out_pipe[1], err_fd, nullptr);
    const int fork_errno = errno;
    ::close(out_pipe[1]);
    ::close(err_fd);
    ::close(null_fd);
    stdout_fd_ = out_pipe[0];
    if (pid_ < 0) {
        ::close(stdout_fd_);
        errno = fork_errno;
        throw std::runtime_error(errno_text("fork"));
    }

    // Read stdout until the listening line; EOF means the server died first.
    const auto deadline = steady::now() + start_timeout;
    std::string seen;
    std::string failure;
    while (true) {
        const auto newline = seen.find('\n');
        if (newline != std::string::npos) {
            const std::string line = seen.substr(0, newline);
            static constexpr std::string_view prefix = "listening on 127.0.0.1:";
            if (line.rfind(prefix, 0) == 0) {
                const int port = std::atoi(line.c_str() + prefix.size());
                if (port > 0 && port < 65536) {
                    port_ = static_cast<std::uint16_t>(port);
                    return;
                }
            }
            failure = "unexpected first line on stdout: '" + line + "'";
            break;
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
        if (left <= 0ms) {
            failure =
                "no 'listening on' line within " + std::to_string(start_timeout.count()) + " ms";
            break;
        }
        pollfd pfd{stdout_fd_, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno != EINTR) {
            failure = errno_text("poll on the server's stdout");
            break;
        }
        if (ready <= 0) {
            continue;
        }
        char chunk[256];
        const ssize_t n = ::read(stdout_fd_, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            failure = "stdout closed before the 'listening on' line";
            if (auto status = wait_exit(2s)) {
                failure += "; the server " + describe(*status);
            }
            break;
        }
        seen.append(chunk, static_cast<std::size_t>(n));
    }
    kill_and_reap();
    throw std::runtime_error("xsime-conform serve did not start: " + failure +
                             "\n--- server stderr ---\n" + stderr_text());
}

ServerProcess::~ServerProcess() {
    kill_and_reap();
}

void ServerProcess::kill_and_reap() {
    if (pid_ > 0 && !exit_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        // SIGKILL cannot be caught or ignored, so this wait ends.
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        exit_ = exit_status_of(status);
    }
    if (stdout_fd_ >= 0) {
        ::close(stdout_fd_);
        stdout_fd_ = -1;
    }
}

bool ServerProcess::running() {
    return !wait_exit(0ms).has_value();
}

std::optional<ExitStatus> ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
    if (exit_) {
        return exit_;
    }
    // Polling waitpid keeps this free of SIGCHLD handlers, which a test binary must not
    // install behind gtest's back.
    const auto deadline = steady::now() + timeout;
    while (true) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exit_ = exit_status_of(status);
            return exit_;
        }
        if (r < 0 && errno != EINTR) {
            throw std::runtime_error(errno_text("waitpid"));
        }
        if (steady::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(5ms);
    }
}

std::optional<ExitStatus> ServerProcess::terminate(std::chrono::milliseconds timeout) {
    if (!exit_) {
        ::kill(pid_, SIGTERM);
    }
    return wait_exit(timeout);
}

std::string ServerProcess::stderr_text() const {
    return read_file(stderr_path_);
}

bool ServerProcess::wait_for_log(std::string_view needle, std::chrono::milliseconds timeout) const {
    return wait_until([&] { return stderr_text().find(needle) != std::string::npos; }, timeout,
                      10ms);
}

} // namespace xsime::test
