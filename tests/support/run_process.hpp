// Test support: run a program to completion with a deadline, capturing stdout, stderr and
// how it ended (for end-to-end tests of the command line).
#pragma once

#include "tests/support/server_process.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace xsime::test {

struct ProcessResult {
    ExitStatus status;
    std::string out;        // everything written to stdout
    std::string err;        // everything written to stderr
    bool timed_out = false; // the deadline passed and the process was killed (SIGKILL)
    std::chrono::milliseconds elapsed{0};
};

// Runs args[0] (a path, not searched in PATH) with args[1..] via fork/exec, stdin from
// /dev/null, in `cwd` when it is not empty. Never waits longer than `timeout`: then the
// process is killed, reaped, and timed_out is set. Throws std::runtime_error only when the
// process cannot be started (pipe or fork fails); an exec failure is exit code 127.
ProcessResult run_process(const std::vector<std::string>& args,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60),
                          const std::filesystem::path& cwd = {});

// "exited with status 1 after 123 ms\n--- stdout ---\n...\n--- stderr ---\n...", for
// assertion messages.
std::string describe(const ProcessResult& result);

} // namespace xsime::test
