// Running a case against the target (executor.hpp).
#include "netfuzz/executor.hpp"

#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/tf_framing.hpp"

#include <memory>
#include <variant>

namespace xsime::netfuzz {
namespace {

using harness::Connection;
using harness::TransportError;
using protocol::Frame;

struct LiveSession {
    std::unique_ptr<Connection> connection;
    SessionOutcome outcome;
    std::size_t next = 0;
    bool dead = false;
    std::string sent; // every byte written, for the closing padding
};

void fail(LiveSession& s, std::size_t message, std::string cls, std::string what) {
    if (s.outcome.violation_class.empty()) {
        s.outcome.violation_class = std::move(cls);
        s.outcome.violation = std::move(what);
        s.outcome.failed_message = message;
    }
    s.dead = true;
}

// A transport error while a valid session waits for an answer.
void transport_failed(LiveSession& s, std::size_t message, const TransportError& error,
                      std::string_view waiting_for) {
    if (error.kind == TransportError::Kind::timeout) {
        s.outcome.stalled = true;
        fail(s, message, "no-answer", "no " + std::string(waiting_for) + " within the deadline");
    } else {
        s.outcome.closed = true;
        fail(s, message, "closed",
             "connection ended while waiting for " + std::string(waiting_for) + ": " +
                 harness::describe(error));
    }
}

std::string frame_text(const Frame& f) {
    return "opcode " + std::to_string(f.header.opcode) + " sz " + std::to_string(f.header.sz);
}

// One frame, compared with the status reply `opcode`/0.
void expect_status(LiveSession& s, std::size_t at, std::uint8_t opcode, const ExecOptions& o) {
    auto got = s.connection->receive_frame(o.reply_timeout);
    if (auto* e = std::get_if<TransportError>(&got)) {
        return transport_failed(s, at, *e, "status reply");
    }
    if (auto* p = std::get_if<protocol::ProtocolError>(&got)) {
        return fail(s, at, "malformed", "malformed reply: " + p->reason);
    }
    const auto& f = std::get<Frame>(got);
    if (f.header.opcode != opcode || f.header.sz != 0 || !f.payload.empty()) {
        fail(s, at, "status",
             "expected status opcode " + std::to_string(opcode) + " sz 0, got " + frame_text(f));
    }
}

void expect_push(LiveSession& s, std::size_t at, const SessionScript& script, const Message& m,
                 const ExecOptions& o) {
    auto got = s.connection->receive_frame(o.reply_timeout);
    if (auto* e = std::get_if<TransportError>(&got)) {
        return transport_failed(s, at, *e, "push of the message sent");
    }
    if (auto* p = std::get_if<protocol::ProtocolError>(&got)) {
        return fail(s, at, "malformed", "malformed push: " + p->reason);
    }
    const auto& f = std::get<Frame>(got);
    if (f.header.opcode != protocol::raw(protocol::Opcode::message) || f.header.sz < 0) {
        return fail(s, at, "push-missing", "expected a push, got " + frame_text(f));
    }
    auto push = protocol::parse_push(f.payload);
    if (auto* err = std::get_if<protocol::ParseError>(&push)) {
        return fail(s, at, "push-format", "malformed push payload: " + err->reason);
    }
    const auto& parsed = std::get<protocol::Push>(push);
    if (parsed.sender != script.user) {
        return fail(s, at, "push-sender",
                    "push from '" + parsed.sender + "', not '" + script.user + "'");
    }
    if (parsed.text != m.text) {
        fail(s, at, "push-text",
             "push text of " + std::to_string(parsed.text.size()) + " bytes differs from the " +
                 std::to_string(m.text.size()) + " bytes sent");
    }
}

void expect_echo(LiveSession& s, std::size_t at, const ExecOptions& o) {
    auto got = s.connection->receive_frame(o.reply_timeout);
    if (auto* e = std::get_if<TransportError>(&got)) {
        return transport_failed(s, at, *e, "exit echo");
    }
    if (auto* p = std::get_if<protocol::ProtocolError>(&got)) {
        return fail(s, at, "malformed", "malformed frame before the exit echo: " + p->reason);
    }
    const auto& f = std::get<Frame>(got);
    if (f.header.opcode == protocol::raw(protocol::Opcode::message)) {
        return fail(s, at, "push-extra",
                    "a push no message accounts for (lost order or a "
                    "duplicate): " +
                        frame_text(f));
    }
    if (f.header.opcode != 0 || f.header.sz != 0) {
        fail(s, at, "echo", "expected the exit echo, got " + frame_text(f));
    }
}

// What a valid session's message must be answered with.
void check_answer(LiveSession& s, std::size_t at, const SessionScript& script,
                  const ExecOptions& o) {
    const auto& m = script.messages[at];
    switch (m.kind) {
    case MessageKind::start: {
        auto reply = s.connection->receive_tf(o.reply_timeout);
        if (auto* e = std::get_if<TransportError>(&reply)) {
            return transport_failed(s, at, *e, "XSIME_START reply");
        }
        if (std::get<std::string>(reply) != protocol::tf_ok) {
            fail(s, at, "start", "XSIME_START answered '" + std::get<std::string>(reply) + "'");
        }
        return;
    }
    case MessageKind::org_unit:
        return expect_status(s, at, protocol::raw(protocol::Opcode::org_unit), o);
    case MessageKind::user:
        return expect_status(s, at, protocol::raw(protocol::Opcode::user), o);
    case MessageKind::send:
        return expect_push(s, at, script, m, o);
    case MessageKind::exit:
        return expect_echo(s, at, o);
    default:
        return;
    }
}

// After the drain's write, a correct server echoes opcode 0 or closes (answers to earlier
// messages, which may still be on their way, do not count): true when one of them came.
bool answered(LiveSession& s, harness::Deadline wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (int frames = 0; frames < 256; ++frames) {
        const auto left = std::chrono::duration_cast<harness::Deadline>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        auto got = s.connection->receive_frame(left);
        if (auto* e = std::get_if<TransportError>(&got)) {
            s.outcome.closed = e->kind != TransportError::Kind::timeout;
            return s.outcome.closed;
        }
        if (std::holds_alternative<protocol::ProtocolError>(got)) {
            return true; // a TF reply read as a frame: the server is at the TF level, answering
        }
        const auto& f = std::get<Frame>(got);
        if (f.header.opcode == 0 && f.header.sz == 0) {
            return true;
        }
    }
    return true;
}

// A mutated session at its end: closing_padding (case_model.hpp) completes the TF message or
// frame the bytes left open and then reads as a fatal header, so a correct server answers and
// closes at once. Neither within the deadline is a stall. The written finding replays the same
// padding.
void drain(LiveSession& s, const ExecOptions& o) {
    s.connection->send(closing_padding(s.sent), o.reply_timeout);
    s.outcome.stalled = !answered(s, o.stall_timeout);
}

bool connect(LiveSession& s, harness::Transport& transport, const ExecOptions& o) {
    auto made = transport.connect(o.connect_timeout);
    if (auto* e = std::get_if<TransportError>(&made)) {
        s.outcome.connect_failed = true;
        fail(s, 0, "connect", harness::describe(*e));
        return false;
    }
    s.connection = std::move(std::get<std::unique_ptr<Connection>>(made));
    return true;
}

} // namespace

bool Observation::any(bool SessionOutcome::*flag) const {
    for (const auto& s : sessions) {
        if (s.*flag) {
            return true;
        }
    }
    return false;
}

Observation execute(const Case& fuzz_case, harness::Transport& transport, const std::string& org,
                    const ExecOptions& options) {
    std::vector<LiveSession> live(fuzz_case.sessions.size());
    Observation observation;
    for (const auto index : fuzz_case.schedule) {
        auto& s = live[index];
        const auto& script = fuzz_case.sessions[index];
        s.outcome.valid = script.valid;
        if (s.dead || (!s.connection && !connect(s, transport, options))) {
            continue;
        }
        const auto at = s.next++;
        const auto bytes = wire_bytes(script.messages[at], org);
        s.sent += bytes;
        auto sent = s.connection->send(bytes, options.reply_timeout);
        ++observation.messages_sent;
        if (auto* e = std::get_if<TransportError>(&sent)) {
            if (script.valid) {
                transport_failed(s, at, *e, "the write");
            } else {
                s.outcome.closed = true;
                s.dead = true;
            }
            continue;
        }
        if (script.valid) {
            check_answer(s, at, script, options);
        }
    }
    for (std::size_t i = 0; i < live.size(); ++i) {
        auto& s = live[i];
        s.outcome.valid = fuzz_case.sessions[i].valid;
        if (!s.outcome.valid && s.connection && !s.dead) {
            drain(s, options);
        }
        if (s.connection) {
            s.connection->close();
        }
        observation.sessions.push_back(std::move(s.outcome));
    }
    return observation;
}

bool liveness_probe(harness::Transport& transport, const std::string& org, const std::string& user,
                    const ExecOptions& options, std::string& why, bool& refused) {
    Case probe;
    SessionScript script;
    script.user = user;
    script.messages = {start_message(), setup_message(0, 0), org_ref_message(), user_message(user),
                       exit_message()};
    probe.sessions.push_back(std::move(script));
    probe.schedule = sequential_schedule(probe);
    const auto seen = execute(probe, transport, org, options);
    const auto& outcome = seen.sessions.front();
    why = outcome.violation;
    refused = outcome.connect_failed;
    return outcome.violation_class.empty();
}

} // namespace xsime::netfuzz
