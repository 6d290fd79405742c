// The child side of spawn_child: only async-signal-safe calls between fork and exec.
#include "tests/support/spawn.hpp"

#include <algorithm>
#include <csignal>
#include <unistd.h>

namespace xsime::test {

namespace {
[[noreturn]] void fail(const char* message, unsigned long size) {
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, message, size);
    ::_exit(127);
}
} // namespace

pid_t spawn_child(char* const argv[], int stdin_fd, int stdout_fd, int stderr_fd, const char* dir) {
    // For kernels without close_range (before 5.9): the descriptors to close one by one.
    const long open_max = std::min(::sysconf(_SC_OPEN_MAX), 65536L);
    const pid_t pid = ::fork();
    if (pid != 0) {
        return pid;
    }
    if (stdin_fd >= 0) {
        ::dup2(stdin_fd, STDIN_FILENO);
    }
    ::dup2(stdout_fd, STDOUT_FILENO);
    ::dup2(stderr_fd, STDERR_FILENO);
    if (::close_range(3, ~0U, 0) != 0) {
        for (int fd = 3; fd < open_max; ++fd) {
            ::close(fd);
        }
    }
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    if (dir != nullptr && ::chdir(dir) != 0) {
        static constexpr char chdir_failed[] = "spawn_child: chdir failed\n";
        fail(chdir_failed, sizeof chdir_failed - 1);
    }
    ::execv(argv[0], argv);
    static constexpr char exec_failed[] = "spawn_child: execv failed\n";
    fail(exec_failed, sizeof exec_failed - 1);
}

} // namespace xsime::test
