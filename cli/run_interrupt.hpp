// SIGINT and SIGTERM during `xsime-conform run`: the first asks the run to stop (running cases
// are cancelled and their org units removed, no case starts, the reports are written and
// marked interrupted); a second one ends the process at once, by that signal, after removing
// the report files' temporaries so that nothing half-written is left beside them.
#pragma once

#include <atomic>
#include <csignal>
#include <string>

namespace xsime::cli {

// Installs the handlers for its lifetime (one at a time); the previous ones come back after.
class RunInterrupt {
public:
    RunInterrupt();
    ~RunInterrupt();
    RunInterrupt(const RunInterrupt&) = delete;
    RunInterrupt& operator=(const RunInterrupt&) = delete;

    // Turns true at the first signal; set from the handler, so it is polled, not waited on.
    const std::atomic<bool>& requested() const;

private:
    struct sigaction previous_int_ {};
    struct sigaction previous_term_ {};
};

// A temporary file a second signal removes before the process ends. Registered from one
// thread before the run; the handler reads the list without locks. A full list (more than a
// few report files) only means that file is not removed then.
void remove_at_exit_signal(const std::string& path);
// The file was renamed or removed: a late signal must not remove whatever now has its name.
void forget_at_exit_signal(const std::string& path);

} // namespace xsime::cli
