// A program run in the background for tests (child_process.hpp).
#include "tests/support/child_process.hpp"

#include "tests/support/files.hpp"
#include "tests/support/spawn.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace xsime::test {

using namespace std::chrono_literals;

ChildProcess::ChildProcess(const std::vector<std::string>& args, const std::filesystem::path& out,
                           const std::filesystem::path& err, const std::filesystem::path& cwd)
    : out_(out), err_(err) {
    if (args.empty()) {
        throw std::runtime_error("ChildProcess: no program given");
    }
    // Prepared before fork: between fork and exec only async-signal-safe calls are allowed.
    std::vector<std::string> copies = args;
    std::vector<char*> argv;
    for (auto& arg : copies) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    const std::string dir = cwd.string();
    const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
    const int out_fd = ::open(out.c_str(), flags, 0644);
    const int err_fd = ::open(err.c_str(), flags, 0644);
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out_fd >= 0 && err_fd >= 0 && null_fd >= 0) {
        pid_ =
            spawn_child(argv.data(), null_fd, out_fd, err_fd, dir.empty() ? nullptr : dir.c_str());
    }
    const int saved = errno;
    for (const int fd : {out_fd, err_fd, null_fd}) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
    if (pid_ < 0) {
        throw std::runtime_error(std::string("ChildProcess: cannot start ") + args[0] + ": " +
                                 std::strerror(saved));
    }
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0 && !exit_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        // SIGKILL cannot be caught or ignored, so this wait ends.
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

void ChildProcess::signal(int signal) {
    if (!exit_) {
        ::kill(pid_, signal);
    }
}

std::optional<ExitStatus> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // Polling waitpid: a test binary must not install a SIGCHLD handler behind gtest's back.
    while (!exit_) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exit_ = exit_status_of(status);
        } else if (r < 0 && errno != EINTR) {
            throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
        } else if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        } else {
            std::this_thread::sleep_for(2ms);
        }
    }
    return exit_;
}

std::string ChildProcess::out() const {
    return read_file(out_);
}

std::string ChildProcess::err() const {
    return read_file(err_);
}

} // namespace xsime::test
