// Runs one case against a live target over a harness transport (plain or tf) with short
// deadlines, and records what came back: per session, the first answer that contradicts the
// grammar's expectation (valid sessions), a stall, a close or a failed connect.
#pragma once

#include "harness/transport.hpp"
#include "netfuzz/case_model.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace xsime::netfuzz {

struct ExecOptions {
    // A correct server answers on loopback within microseconds; these only bound findings.
    harness::Deadline reply_timeout{1000};
    harness::Deadline stall_timeout{250}; // a mutated session: no echo, no close
    harness::Deadline connect_timeout{1000};
};

struct SessionOutcome {
    bool valid = true;
    bool stalled = false;        // nothing and no close within the deadline, even after padding
    bool closed = false;         // the server closed or reset the connection
    bool connect_failed = false; // refused, or the handshake failed
    // A valid session's first deviation: `violation_class` is short and stable ("push-text",
    // "status", ...) for de-duplication, `violation` says what was expected and what came.
    std::string violation_class;
    std::string violation;
    std::size_t failed_message = 0; // index of the message whose answer was wrong
};

struct Observation {
    std::vector<SessionOutcome> sessions;
    std::size_t messages_sent = 0;
    bool any(bool SessionOutcome::*flag) const;
};

// Sends the case's messages in schedule order on one connection per session; org is the org
// unit the fixture made for this case (its users are session_user(0..)).
Observation execute(const Case& fuzz_case, harness::Transport& transport, const std::string& org,
                    const ExecOptions& options);

// A fresh session that logs in as `user` and exits: true when every answer is right;
// `refused` when it could not even connect.
bool liveness_probe(harness::Transport& transport, const std::string& org, const std::string& user,
                    const ExecOptions& options, std::string& why, bool& refused);

} // namespace xsime::netfuzz
