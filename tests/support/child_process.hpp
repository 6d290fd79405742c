// Test support: a program started in the background, its stdout and stderr going to files, so
// that a test can watch what it does, signal it mid-way and wait for its exit with a deadline
// (the `run` interruption tests; run_process.hpp is for programs run to completion).
#pragma once

#include "tests/support/exit_status.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace xsime::test {

class ChildProcess {
public:
    // Starts args[0] (a path) with args[1..], stdin from /dev/null, stdout and stderr written
    // to `out` and `err` (created or truncated), in `cwd` when it is not empty. Throws
    // std::runtime_error when the files cannot be opened or fork fails.
    ChildProcess(const std::vector<std::string>& args, const std::filesystem::path& out,
                 const std::filesystem::path& err, const std::filesystem::path& cwd = {});
    // Kills (SIGKILL) and reaps the process if it is still running.
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    // Sends `signal` unless the process has been reaped.
    void signal(int signal);
    // Waits for the exit; std::nullopt when it did not exit within `timeout`.
    std::optional<ExitStatus> wait_exit(std::chrono::milliseconds timeout);
    // Everything written so far.
    std::string out() const;
    std::string err() const;

private:
    pid_t pid_ = -1;
    std::optional<ExitStatus> exit_;
    std::filesystem::path out_;
    std::filesystem::path err_;
};

} // namespace xsime::test
