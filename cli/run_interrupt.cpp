// The signal handling of `xsime-conform run` (run_interrupt.hpp). Only async-signal-safe calls
// in the handler: atomics that are lock-free, write, unlink, signal and raise.
#include "cli/run_interrupt.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <unistd.h>

namespace xsime::cli {

namespace {

static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free &&
                  std::atomic<std::size_t>::is_always_lock_free,
              "the signal handler may only touch lock-free atomics");

std::atomic<bool> stop_requested{false};
std::atomic<int> signals_seen{0};

// Temporaries to remove on a second signal. A slot is filled once, then published by `used`,
// and never reused, so the handler never reads a path while it is written.
constexpr std::size_t max_temporaries = 16;
constexpr std::size_t max_path = 4096;
struct Temporary {
    std::array<char, max_path> path{};
    std::atomic<bool> used{false};
};
std::array<Temporary, max_temporaries> temporaries;
std::atomic<std::size_t> temporaries_filled{0};

void say(std::string_view text) {
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, text.data(), text.size());
}

void on_signal(int signal) {
    if (signals_seen.fetch_add(1) == 0) {
        const int saved = errno; // the interrupted code may be about to read it
        stop_requested.store(true);
        say("\nxsime-conform run: interrupted: stopping the running cases and writing the "
            "reports (interrupt again to exit at once, without reports)\n");
        errno = saved;
        return;
    }
    const auto filled = temporaries_filled.load();
    for (std::size_t i = 0; i < filled && i < max_temporaries; ++i) {
        if (temporaries[i].used.load()) {
            ::unlink(temporaries[i].path.data());
        }
    }
    // Ended by the signal itself, as a shell expects of a process it interrupted.
    ::signal(signal, SIG_DFL);
    ::raise(signal);
}

// A signal ignored when the process started stays ignored, as shells expect of a program in
// a background job (started with SIGINT ignored) or under nohup.
void install(int signal, const struct sigaction& action, struct sigaction& previous) {
    ::sigaction(signal, nullptr, &previous);
    if (previous.sa_handler != SIG_IGN) {
        ::sigaction(signal, &action, nullptr);
    }
}

} // namespace

RunInterrupt::RunInterrupt() {
    stop_requested.store(false);
    signals_seen.store(0);
    struct sigaction action {};
    action.sa_handler = on_signal;
    ::sigemptyset(&action.sa_mask);
    // SA_RESTART: a blocking call in another thread (a socket read) is not cut by EINTR; the
    // runner's waits notice the flag within their slice instead.
    action.sa_flags = SA_RESTART;
    install(SIGINT, action, previous_int_);
    install(SIGTERM, action, previous_term_);
}

RunInterrupt::~RunInterrupt() {
    ::sigaction(SIGINT, &previous_int_, nullptr);
    ::sigaction(SIGTERM, &previous_term_, nullptr);
}

const std::atomic<bool>& RunInterrupt::requested() const {
    return stop_requested;
}

void remove_at_exit_signal(const std::string& path) {
    const auto slot = temporaries_filled.load();
    if (slot >= max_temporaries || path.size() >= max_path) {
        return;
    }
    std::memcpy(temporaries[slot].path.data(), path.c_str(), path.size() + 1);
    temporaries[slot].used.store(true);
    temporaries_filled.store(slot + 1);
}

void forget_at_exit_signal(const std::string& path) {
    const auto filled = temporaries_filled.load();
    for (std::size_t i = 0; i < filled && i < max_temporaries; ++i) {
        if (temporaries[i].used.load() && path == temporaries[i].path.data()) {
            temporaries[i].used.store(false);
        }
    }
}

} // namespace xsime::cli
