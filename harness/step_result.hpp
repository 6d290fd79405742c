// How a step ends: nothing (it passed) or a Stop that ends the case with a verdict and why.
#pragma once

#include "harness/result.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace xsime::harness {

struct Stop {
    Verdict verdict = Verdict::fail;
    std::string message;
    std::string expected;
    std::string actual;
    std::string skip_reason;
};
using StepResult = std::optional<Stop>; // nullopt: the step passed

inline Stop fail(std::string message, std::string expected = {}, std::string actual = {}) {
    return Stop{Verdict::fail, std::move(message), std::move(expected), std::move(actual), {}};
}

inline Stop harness_error(std::string message) {
    return Stop{Verdict::error, std::move(message), {}, {}, {}};
}

inline Stop skip(std::string reason) {
    return Stop{Verdict::skipped, reason, {}, {}, reason};
}

// What a case stopped by the run's cancel flag says. The flag cannot tell why it was set:
// run_suite restates this for a case an interruption stopped.
inline constexpr std::string_view cancelled_message = "run deadline reached";

inline Stop cancelled_stop() {
    return harness_error(std::string(cancelled_message));
}

} // namespace xsime::harness
