// Running a program to completion with a deadline and captured output, for end-to-end tests.
#include "tests/support/run_process.hpp"

#include "tests/support/spawn.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace xsime::test {

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

int ms_until(steady::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    return static_cast<int>(std::clamp<long long>(left.count(), 0, 60'000));
}

// Reads whatever is available on the open descriptors of `fds` into `sinks` until both
// reach EOF or `deadline` passes. A descriptor at EOF is closed and set to -1.
void drain(int (&fds)[2], std::string* (&sinks)[2], steady::time_point deadline) {
    while (fds[0] >= 0 || fds[1] >= 0) {
        pollfd pfds[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
        const int timeout = ms_until(deadline);
        const int ready = ::poll(pfds, 2, timeout);
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready <= 0) {
            if (timeout == 0 || ready < 0) {
                return;
            }
            continue;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i] < 0 || (pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
                continue;
            }
            char chunk[4096];
            const ssize_t n = ::read(fds[i], chunk, sizeof chunk);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                ::close(fds[i]);
                fds[i] = -1;
                continue;
            }
            sinks[i]->append(chunk, static_cast<std::size_t>(n));
        }
    }
}

} // namespace

ProcessResult run_process(const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                          const std::filesystem::path& cwd) {
    if (args.empty()) {
        throw std::runtime_error("run_process: no program given");
    }
    // Everything the child needs is prepared before fork: between fork and exec the child of
    // a multithreaded parent may only make async-signal-safe calls (no malloc).
    std::vector<std::string> copies = args;
    std::vector<char*> argv;
    for (auto& arg : copies) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    const std::string dir = cwd.string();

    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    }
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        const int saved = errno;
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(saved));
    }
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const auto started = steady::now();
    const pid_t pid = spawn_child(argv.data(), null_fd, out_pipe[1], err_pipe[1],
                                  dir.empty() ? nullptr : dir.c_str());
    const int fork_errno = errno;
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (null_fd >= 0) {
        ::close(null_fd);
    }
    int fds[2] = {out_pipe[0], err_pipe[0]};
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        throw std::runtime_error(std::string("fork: ") + std::strerror(fork_errno));
    }

    ProcessResult result;
    std::string* sinks[2] = {&result.out, &result.err};
    const auto deadline = started + timeout;
    drain(fds, sinks, deadline);

    // Output closed (or the deadline passed): wait for the exit, still within the deadline.
    int status = 0;
    bool reaped = false;
    while (!reaped) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            reaped = true;
            break;
        }
        if (r < 0 && errno != EINTR) {
            break;
        }
        if (steady::now() >= deadline) {
            break;
        }
        std::this_thread::sleep_for(2ms);
    }
    if (!reaped) {
        result.timed_out = true;
        ::kill(pid, SIGKILL);
        // SIGKILL cannot be caught or ignored, so this wait ends.
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        // What the process wrote before it died; bounded, in case a grandchild holds a pipe.
        drain(fds, sinks, steady::now() + 2s);
    }
    for (const int fd : fds) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
    result.status = exit_status_of(status);
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started);
    return result;
}

std::string describe(const ProcessResult& result) {
    std::string text =
        describe(result.status) + " after " + std::to_string(result.elapsed.count()) + " ms";
    if (result.timed_out) {
        text += " (killed at the deadline)";
    }
    return text + "\n--- stdout ---\n" + result.out + "\n--- stderr ---\n" + result.err;
}

} // namespace xsime::test
