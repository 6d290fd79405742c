// The oracles: from what a case observed (executor.hpp) and what the target says when asked
// afterwards, a finding of one kind or none. Crash: the process died, or connections are
// refused afterwards. Hang: a session neither answered nor closed, while a fresh session still
// logs in. Spec: a valid session got an answer that contradicts the spec, or something outside
// the case's org unit changed (jail_watch.hpp).
#pragma once

#include "netfuzz/executor.hpp"
#include "netfuzz/jail_watch.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace xsime::netfuzz {

enum class FindingKind { crash, hang, spec, leak };
std::string_view kind_name(FindingKind kind);

struct Verdict {
    FindingKind kind = FindingKind::spec;
    // kind + what kind of failure, stable across cases: findings are de-duplicated by it.
    std::string signature;
    std::string detail;      // one line for the summary and the scenario's note
    std::size_t session = 0; // the session that showed it
    std::size_t message = 0; // spec: the message whose answer was wrong
};

// What the oracles may ask of the target after a case.
class TargetProbe {
public:
    virtual ~TargetProbe() = default;
    // The server process ended (only known when the fuzzer started it): how, in `how`.
    // `grace`: how long to wait for an exit that may be under way.
    virtual bool died(std::string& how, std::chrono::milliseconds grace) = 0;
    // A fresh session logs in and exits: true when every answer was right. `refused` is set
    // when the connection itself failed.
    virtual bool alive(std::string& why, bool& refused) = 0;
};

// `always_probe`: check liveness after a case that looks clean too. Minimising a crash needs it:
// a server that aborts (printing a sanitizer report) may still be on its way out when the case
// ends, and a candidate must not count as harmless for that.
std::optional<Verdict> judge(const Observation& seen, TargetProbe& probe,
                             bool always_probe = false);

// PATHS-JAIL: a path outside the case's org unit changed while it ran (the root's own entries
// but the fixture's org units, a canary); signature "spec:outside-org-unit".
std::optional<Verdict> judge_jail(const std::vector<JailChange>& changes);

} // namespace xsime::netfuzz
