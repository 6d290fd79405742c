// A client driver's process: started in its own process group with pipes for stdin, stdout
// and stderr; lines written and read with deadlines; stderr kept (capped) for the transcript.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace xsime::harness {

// How a process ended: exited with `code`, or killed by `signal`.
struct ExitStatus {
    int code = -1;  // the exit status when it exited, else -1
    int signal = 0; // the signal that killed it, else 0
    bool success() const { return signal == 0 && code == 0; }
};

// "exited with status 3", "killed by signal 9 (Killed)".
std::string describe(const ExitStatus& status);

struct LineRead {
    enum class Kind { line, eof, timeout, too_long, cancelled };
    Kind kind = Kind::eof;
    // kind line: the line without its '\n' (a last line without one counts as a line);
    // too_long: the line's first bytes, for a message.
    std::string line;
};

enum class WriteResult {
    written,
    closed,   // the driver closed its stdin (EPIPE), or close_stdin() was called
    timeout,  // the driver did not read its stdin in time
    cancelled // the cancel flag was set
};

class DriverProcess {
public:
    using Clock = std::chrono::steady_clock;
    using TimePoint = Clock::time_point;

    static constexpr std::size_t max_line = 1024 * 1024;
    static constexpr std::size_t max_stderr = 64 * 1024; // the head half and the tail half
    // The longest time any internal wait blocks before looking at the cancel flag again.
    static constexpr std::chrono::milliseconds slice{100};

    DriverProcess() = default;
    // Kills the process group and reaps the driver if it is still there.
    ~DriverProcess();
    DriverProcess(const DriverProcess&) = delete;
    DriverProcess& operator=(const DriverProcess&) = delete;

    // Starts argv[0] (looked up in PATH when it has no '/') with argv[1..], in its own process
    // group, with the harness's working directory and environment, no other descriptors and
    // default signal handling. Returns an error ("cannot run 'x': No such file or directory")
    // or nullopt. `cancel`, when not null, ends every later wait early once it is true.
    std::optional<std::string> start(const std::vector<std::string>& argv,
                                     const std::atomic<bool>* cancel = nullptr);

    // Writes `line` and '\n'. Output of the driver is read meanwhile, so a driver that
    // writes while the harness writes never blocks both. Never raises SIGPIPE.
    WriteResult write_line(std::string_view line, TimePoint deadline);
    // The next line of stdout; stderr is drained while waiting.
    LineRead read_line(TimePoint deadline);
    void close_stdin();

    // Waits for the driver to exit (draining its output meanwhile); nullopt when it is still
    // running at `deadline` or the cancel flag was set. The exit is seen without reaping:
    // the pid stays reserved until kill() or the destructor, so the group kill that follows
    // can never reach a stranger's processes.
    std::optional<ExitStatus> wait_exit(TimePoint deadline);
    // SIGKILL to the whole process group (grandchildren such as `sh -c`'s included) and
    // reaps the driver; waits for that at most two seconds (a process stuck in the kernel).
    void kill();

    // What the driver wrote on stderr: all of it up to max_stderr bytes, beyond that the
    // first and last halves with "[... N bytes left out ...]" between them.
    std::string stderr_text() const;
    // The last `count` non-empty lines of stderr_text(), oldest first.
    std::vector<std::string> stderr_tail(std::size_t count) const;
    std::size_t stderr_bytes() const { return stderr_total_; }

    bool started() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }
    const std::optional<ExitStatus>& exit_status() const { return exit_; }
    bool cancelled() const { return cancel_ != nullptr && cancel_->load(); }

private:
    enum class Pump { progress, idle, cancelled };
    // One poll over stdout, stderr, the exit and (when `want_write`) stdin, for at most one
    // slice or until `deadline`; reads whatever is ready.
    Pump pump(TimePoint deadline, bool want_write, bool& writable);
    void read_stdout();
    void read_stderr();
    void keep_stderr(std::string_view bytes);
    bool check_exit();
    std::optional<LineRead> take_line();
    void close_all();

    pid_t pid_ = -1;
    bool reaped_ = false;
    int stdin_fd_ = -1;
    int stdout_fd_ = -1;
    int stderr_fd_ = -1;
    int pidfd_ = -1; // readable when the driver exits; -1 where the kernel has no pidfd
    const std::atomic<bool>* cancel_ = nullptr;
    std::optional<ExitStatus> exit_;
    std::string out_;         // stdout bytes not yet returned as lines
    bool discarding_ = false; // after too_long: dropping the rest of that line
    std::string err_head_;
    std::string err_tail_;
    std::size_t stderr_total_ = 0;
};

} // namespace xsime::harness
