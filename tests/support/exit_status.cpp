// Decoding wait statuses and running shell commands for the tests.
#include "tests/support/exit_status.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/wait.h>

namespace xsime::test {

ExitStatus exit_status_of(int wait_status) {
    ExitStatus out;
    if (WIFEXITED(wait_status)) {
        out.code = WEXITSTATUS(wait_status);
    } else if (WIFSIGNALED(wait_status)) {
        out.signal = WTERMSIG(wait_status);
    }
    return out;
}

std::string describe(const ExitStatus& status) {
    if (status.signal != 0) {
        return "killed by signal " + std::to_string(status.signal) + " (" +
               ::strsignal(status.signal) + ")";
    }
    return "exited with status " + std::to_string(status.code);
}

ShellResult run_shell(const std::string& command) {
    ShellResult result;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) {
        result.output = "popen failed: " + std::string(std::strerror(errno));
        return result;
    }
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
        result.output.append(buffer, n);
    }
    const int status = ::pclose(pipe);
    if (status != -1) {
        result.status = exit_status_of(status);
    }
    return result;
}

} // namespace xsime::test
