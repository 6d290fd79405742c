// Shrinks a case while a finding still reproduces: whole sessions, then whole messages, then
// bytes of the messages that are left (a raw message's bytes, a valid send's text), bounded by
// a budget of re-runs and a deadline.
#pragma once

#include "netfuzz/case_model.hpp"

#include <chrono>
#include <cstddef>
#include <functional>

namespace xsime::netfuzz {

struct MinimiseBudget {
    std::size_t max_runs = 120;
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

// True when the candidate still shows the finding (it runs the case against the target).
using Reproduces = std::function<bool(const Case&)>;

// The smallest case found; `runs` counts the calls of `reproduces`.
Case minimise(Case fuzz_case, const Reproduces& reproduces, const MinimiseBudget& budget,
              std::size_t& runs);

// Without session `index` (the schedule's entries renumbered).
Case without_session(const Case& fuzz_case, std::size_t index);
// Without message `index` of session `session`; the session stays valid only when the
// message was a send (the answers of the others are still known).
Case without_message(const Case& fuzz_case, std::size_t session, std::size_t index);

} // namespace xsime::netfuzz
