// Test support for integration tests: a temporary mailbox root and the real
// `xsime-conform serve` process started on it, with bounded waits throughout.
#pragma once

#include "tests/support/exit_status.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace xsime::test {

// A folder made with mkdtemp under /tmp, removed with everything in it at destruction.
// The server's root is a subfolder, so that files the tests keep beside it (the server's
// stderr) are not inside the mailbox and "../x" from the root has somewhere to point.
class TempRoot {
public:
    // Throws std::runtime_error when the folder cannot be created.
    TempRoot();
    ~TempRoot();
    TempRoot(const TempRoot&) = delete;
    TempRoot& operator=(const TempRoot&) = delete;

    // /tmp/xsime-test.XXXXXX
    const std::filesystem::path& base() const { return base_; }
    // base()/root: what the server gets as --root.
    const std::filesystem::path& root() const { return root_; }

    // Creates root/org/user (and root/org) and returns that folder. The server creates
    // messages/ and messages/blacklist/ itself when the user logs in.
    std::filesystem::path make_user(std::string_view org, std::string_view user) const;
    // root/org/user/messages: where the server keeps the user's messages.
    std::filesystem::path messages(std::string_view org, std::string_view user) const;

private:
    std::filesystem::path base_;
    std::filesystem::path root_;
};

// `xsime-conform serve --root ROOT --port 0 [extra args]`, started with fork/exec.
// stdout is read until the "listening on 127.0.0.1:PORT" line; stderr (the server's log,
// and any sanitizer report) goes to a file beside the root so tests can assert on it.
// The destructor kills (SIGKILL) and reaps the process if it is still running, so a test
// that fails half way never leaves a server behind.
class ServerProcess {
public:
    // Throws std::runtime_error, quoting the server's stderr, when the process cannot be
    // started or does not print the listening line within `start_timeout`.
    explicit ServerProcess(const TempRoot& root, std::vector<std::string> extra_args = {},
                           std::chrono::milliseconds start_timeout = std::chrono::seconds(10));
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    std::uint16_t port() const { return port_; }
    pid_t pid() const { return pid_; }

    // True while the process has not exited (reaps it if it has).
    bool running();
    // Sends SIGTERM and waits for the exit; std::nullopt if it did not exit in time
    // (the process is then left running, for the destructor to kill).
    std::optional<ExitStatus> terminate(std::chrono::milliseconds timeout);
    // Waits for the exit without sending anything; std::nullopt on timeout.
    std::optional<ExitStatus> wait_exit(std::chrono::milliseconds timeout);

    const std::filesystem::path& stderr_path() const { return stderr_path_; }
    // Everything the server wrote to stderr so far.
    std::string stderr_text() const;
    // Polls the stderr file until it contains `needle`; false if it did not in time.
    bool wait_for_log(std::string_view needle, std::chrono::milliseconds timeout) const;

private:
    void kill_and_reap();

    pid_t pid_ = -1;
    int stdout_fd_ = -1; // kept open so that a late write to stdout cannot raise SIGPIPE
    std::uint16_t port_ = 0;
    std::optional<ExitStatus> exit_;
    std::filesystem::path stderr_path_;
};

} // namespace xsime::test
