// The crash, hang, spec and outside-org-unit oracles (oracles.hpp).
#include "netfuzz/oracles.hpp"

namespace xsime::netfuzz {

std::string_view kind_name(FindingKind kind) {
    switch (kind) {
    case FindingKind::crash:
        return "crash";
    case FindingKind::hang:
        return "hang";
    case FindingKind::spec:
        return "spec";
    case FindingKind::leak:
        return "leak";
    }
    return "spec";
}

namespace {

Verdict make(FindingKind kind, std::string what, std::string detail, std::size_t session = 0,
             std::size_t message = 0) {
    return {kind, std::string(kind_name(kind)) + ":" + what, std::move(detail), session, message};
}

// The first session with `flag`, or with a violation when flag is null.
std::optional<std::size_t> first(const Observation& seen, bool SessionOutcome::*flag) {
    for (std::size_t i = 0; i < seen.sessions.size(); ++i) {
        const auto& s = seen.sessions[i];
        if (flag ? s.*flag : (s.valid && !s.violation_class.empty())) {
            return i;
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<Verdict> judge(const Observation& seen, TargetProbe& probe, bool always_probe) {
    std::string how;
    if (probe.died(how, std::chrono::milliseconds(0))) {
        return make(FindingKind::crash, how, "the server process " + how);
    }
    const auto stalled = first(seen, &SessionOutcome::stalled);
    const auto violated = first(seen, nullptr);
    // Mutated sessions end closed (their padding breaks the stream): no reason to probe. A
    // crash that closed them shows in died() (--exec) or as the next case's refused connect.
    const bool suspicious =
        always_probe || stalled || violated || seen.any(&SessionOutcome::connect_failed);
    if (!suspicious) {
        return std::nullopt;
    }
    std::string why;
    bool refused = false;
    if (!probe.alive(why, refused)) {
        // A process that aborts may still be on its way out when the probe is refused.
        if (probe.died(how, std::chrono::milliseconds(500))) {
            return make(FindingKind::crash, how, "the server process " + how);
        }
        if (refused) {
            return make(FindingKind::crash, "refused",
                        "connections are refused after the case: " + why);
        }
        return make(FindingKind::hang, "server", "a fresh session no longer logs in: " + why);
    }
    if (stalled) {
        return make(FindingKind::hang, "session",
                    "a session neither answered nor closed, while a fresh session logs in",
                    *stalled);
    }
    if (violated) {
        const auto& s = seen.sessions[*violated];
        return make(FindingKind::spec, s.violation_class, s.violation, *violated, s.failed_message);
    }
    return std::nullopt; // closes of mutated sessions and transient connect failures
}

std::optional<Verdict> judge_jail(const std::vector<JailChange>& changes) {
    if (changes.empty()) {
        return std::nullopt;
    }
    const auto& first = changes.front();
    auto detail = "'" + first.path + "' " + first.what + " outside the case's org unit";
    if (changes.size() > 1) {
        detail += " (and " + std::to_string(changes.size() - 1) + " more changes)";
    }
    return make(FindingKind::spec, "outside-org-unit", std::move(detail));
}

} // namespace xsime::netfuzz
