// Test support: how a child process ended, decoded once from a wait status (waitpid, pclose),
// and running a shell command to collect what it prints (xmllint in the reporter tests).
#pragma once

#include <string>

namespace xsime::test {

// How a process ended: exited with `code`, or killed by `signal`.
struct ExitStatus {
    int code = -1;  // WEXITSTATUS when the process exited, else -1
    int signal = 0; // WTERMSIG when a signal killed it, else 0
    bool success() const { return signal == 0 && code == 0; }
};

// Decodes a status from waitpid(2) or pclose(3). A status that is neither an exit nor a
// signal (stopped) gives code -1, signal 0: never success().
ExitStatus exit_status_of(int wait_status);

// "exited with status 1", "killed by signal 9 (Killed)", for assertion messages.
std::string describe(const ExitStatus& status);

struct ShellResult {
    ExitStatus status;  // of `sh -c`; code -1 when the shell could not be started
    std::string output; // stdout and stderr, interleaved as written
};

// Runs `command` with /bin/sh (popen), stderr joined to stdout, and waits for it. For
// commands of the test environment (xmllint) whose arguments the test controls; no deadline.
ShellResult run_shell(const std::string& command);

} // namespace xsime::test
