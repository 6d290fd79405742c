// Test support: waiting for an observable condition instead of sleeping for a guessed time.
#pragma once

#include <chrono>
#include <thread>

namespace xsime::test {

// Polls `condition` every `every` until it holds or `timeout` has passed; returns whether it
// held (it is checked once more at the deadline, so a slow machine never loses a late success).
template <typename Condition>
bool wait_until(Condition&& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every = std::chrono::milliseconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return condition();
        }
        std::this_thread::sleep_for(every);
    }
    return true;
}

} // namespace xsime::test
