// Receiving on a session, once for both units (TF replies and XSIME frames), and describing
// what arrived for failure messages.
#include "harness/session_events.hpp"

#include "protocol/header.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_framing.hpp"

#include <algorithm>
#include <cstdio>

namespace xsime::harness {

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

// How long to wait for the rest of an unexpected frame, only to describe it.
constexpr milliseconds describe_wait = 200ms;

Event make_event(Event::Kind kind) {
    Event event;
    event.kind = kind;
    return event;
}

} // namespace

std::string ms_text(milliseconds d) {
    return std::to_string(d.count()) + " ms";
}

bool is_push(const protocol::Frame& frame) {
    return frame.header.opcode == protocol::raw(protocol::Opcode::message) && frame.header.sz >= 0;
}

std::string endianness_hint(std::int32_t sz) {
    const auto value = static_cast<std::uint32_t>(sz);
    const auto swapped =
        static_cast<std::int32_t>(((value & 0xffu) << 24) | ((value & 0xff00u) << 8) |
                                  ((value >> 8) & 0xff00u) | (value >> 24));
    if (swapped == sz || swapped < 0 || swapped > protocol::max_payload) {
        return {};
    }
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08x", value);
    return " (sz " + std::string(hex) + " read little-endian is " + std::to_string(swapped) +
           ": the sz looks little-endian; the spec requires big-endian)";
}

Event EventReceiver::classify(Session& session, const TransportError& error,
                              steady::time_point started, steady::time_point deadline) {
    Event event;
    switch (error.kind) {
    case TransportError::Kind::closed:
    case TransportError::Kind::reset:
        event.kind = Event::Kind::closed;
        event.reset = error.kind == TransportError::Kind::reset;
        event.text = harness::describe(error);
        event.partial = session.connection->buffered();
        transcript_.closed(session.name,
                           (event.reset ? "reset by the target: " : "closed by the target: ") +
                               event.text);
        return event;
    case TransportError::Kind::timeout:
        event.kind = Event::Kind::timeout;
        event.partial = session.connection->buffered();
        event.waited = to_ms(steady::now() - started);
        event.scenario_cut = deadline >= scenario_deadline_;
        if (event.partial > 0) {
            transcript_.note(session.name, std::to_string(event.partial) +
                                               " bytes received without a complete frame");
        }
        return event;
    default:
        event.kind = Event::Kind::error;
        event.text = harness::describe(error);
        transcript_.note(session.name, "receive failed: " + event.text);
        return event;
    }
}

std::string EventReceiver::describe_frame(const protocol::Frame& frame) const {
    return harness_is_server_ ? describe_client_frame(frame) : describe_server_frame(frame);
}

Event EventReceiver::next(Session& session, Unit unit, steady::time_point deadline) {
    const auto started = steady::now();
    while (true) {
        if (cancel_.load()) {
            return make_event(Event::Kind::cancelled);
        }
        const auto budget = std::clamp(to_ms(deadline - steady::now()), 0ms, wait_slice);
        std::optional<TransportError> error;
        if (unit == Unit::tf_reply) {
            auto got = session.connection->receive_tf(budget);
            if (auto* body = std::get_if<std::string>(&got)) {
                transcript_.received(session.name, protocol::encode_tf_message(*body),
                                     describe_tf_reply(*body));
                auto event = make_event(Event::Kind::tf_reply);
                event.text = std::move(*body);
                return event;
            }
            error = std::get<TransportError>(std::move(got));
        } else {
            auto got = session.connection->receive_frame(budget);
            if (auto* frame = std::get_if<protocol::Frame>(&got)) {
                transcript_.received(session.name, frame_bytes(*frame), describe_frame(*frame));
                auto event = make_event(Event::Kind::frame);
                event.frame = std::move(*frame);
                return event;
            }
            if (auto* bad = std::get_if<protocol::ProtocolError>(&got)) {
                transcript_.received(session.name, protocol::encode_header(bad->header),
                                     describe_protocol_error(*bad) +
                                         endianness_hint(bad->header.sz));
                auto event = make_event(Event::Kind::protocol_error);
                event.protocol_error = std::move(*bad);
                return event;
            }
            error = std::get<TransportError>(std::move(got));
        }
        if (error->kind == TransportError::Kind::timeout && steady::now() < deadline) {
            continue;
        }
        return classify(session, *error, started, deadline);
    }
}

Event EventReceiver::pending(Session& session) {
    const auto deadline = std::min(steady::now() + describe_wait, scenario_deadline_);
    return next(session, session.level == SessionLevel::tf ? Unit::tf_reply : Unit::frame,
                deadline);
}

std::string EventReceiver::describe(const Event& event) const {
    switch (event.kind) {
    case Event::Kind::frame:
        return describe_frame(event.frame);
    case Event::Kind::tf_reply:
        return "TF reply " + quote_bytes(event.text);
    case Event::Kind::protocol_error:
        return "protocol error: " + event.protocol_error.reason +
               endianness_hint(event.protocol_error.header.sz);
    case Event::Kind::closed: {
        std::string text =
            event.reset ? "connection reset by the target" : "connection closed by the target";
        if (event.partial > 0) {
            text += " after " + std::to_string(event.partial) + " bytes of an incomplete frame";
        }
        return text;
    }
    case Event::Kind::timeout: {
        std::string text = "nothing within " + ms_text(event.waited);
        if (event.partial > 0) {
            text += " but " + std::to_string(event.partial) + " bytes of an incomplete frame";
        }
        return text;
    }
    case Event::Kind::cancelled:
        return std::string(cancelled_message);
    case Event::Kind::error:
        return "transport error: " + event.text;
    }
    return {};
}

Stop EventReceiver::unexpected(const Event& event, const std::string& expected) const {
    const auto actual = describe(event);
    switch (event.kind) {
    case Event::Kind::frame:
    case Event::Kind::tf_reply:
        return fail("unexpected " + actual + " (expected " + expected + ")", expected, actual);
    case Event::Kind::protocol_error:
        return fail("protocol error from the target: " + one_line(event.protocol_error.reason) +
                        endianness_hint(event.protocol_error.header.sz) + " (expected " + expected +
                        ")",
                    expected, actual);
    case Event::Kind::closed:
        return fail(std::string("connection closed by the target") +
                        (event.reset ? " (reset)" : "") + " while expecting " + expected +
                        (event.partial > 0 ? " (" + std::to_string(event.partial) +
                                                 " bytes of an incomplete frame arrived first)"
                                           : ""),
                    expected, actual);
    case Event::Kind::timeout: {
        std::string message =
            "nothing received within " + ms_text(event.waited) + " (expected " + expected + ")";
        if (event.partial > 0) {
            message += "; only " + std::to_string(event.partial) +
                       " bytes of an incomplete frame arrived (a slow drip or a half frame)";
        }
        if (event.scenario_cut) {
            message +=
                "; the scenario deadline of " + ms_text(scenario_timeout_) + " ended the wait";
        }
        return fail(message, expected, actual);
    }
    case Event::Kind::cancelled:
        return cancelled_stop();
    case Event::Kind::error:
        return fail("transport error while expecting " + expected + ": " + one_line(event.text),
                    expected, actual);
    }
    return fail("unexpected event");
}

} // namespace xsime::harness
