// Runs one scenario step by step: lazy connections, deadlines on every wait, ${} expansion,
// matchers and captures, and the transcript of everything sent and received.
#include "harness/scenario_runner.hpp"

#include "harness/expand.hpp"
#include "harness/matcher.hpp"
#include "harness/transcript.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_framing.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <thread>
#include <utility>
#include <variant>

namespace xsime::harness {

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;
using protocol::Opcode;

// The longest single blocking call while waiting, so that `cancel` is seen promptly.
constexpr milliseconds slice = 100ms;
// How long to wait for the rest of an unexpected frame, only to describe it.
constexpr milliseconds describe_wait = 200ms;
constexpr milliseconds mailbox_poll = 20ms;

milliseconds to_ms(steady::duration d) {
    return std::chrono::duration_cast<milliseconds>(d);
}

std::string ms_text(milliseconds d) {
    return std::to_string(d.count()) + " ms";
}

std::uint64_t unix_now() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

// A sz that is sane only when read little-endian is a classic porting bug; say so.
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

bool is_push(const protocol::Frame& frame) {
    return frame.header.opcode == protocol::raw(Opcode::message) && frame.header.sz >= 0;
}

bool reply_matches(std::string_view expected, std::string_view reply) {
    // DESIGN.md: match the FAILED prefix, not the wording of the reason.
    return reply == expected || (expected.starts_with("FAILED") && reply.starts_with("FAILED"));
}

std::string_view action_key(const Step& step) {
    return std::visit(
        [](const auto& action) -> std::string_view {
            using T = std::decay_t<decltype(action)>;
            if constexpr (std::is_same_v<T, LoginStep>) {
                return "login";
            } else if constexpr (std::is_same_v<T, StartStep>) {
                return "start";
            } else if constexpr (std::is_same_v<T, TfCommandStep>) {
                return "tf";
            } else if constexpr (std::is_same_v<T, SetupStep>) {
                return "setup";
            } else if constexpr (std::is_same_v<T, PathStep>) {
                return action.opcode == protocol::raw(Opcode::user) ? "user" : "org_unit";
            } else if constexpr (std::is_same_v<T, IntervalStep>) {
                return "interval";
            } else if constexpr (std::is_same_v<T, SendStep>) {
                return "send";
            } else if constexpr (std::is_same_v<T, ExitStep>) {
                return "exit";
            } else if constexpr (std::is_same_v<T, ExpectStep>) {
                return "expect";
            } else if constexpr (std::is_same_v<T, ExpectNothingStep>) {
                return "expect_nothing";
            } else if constexpr (std::is_same_v<T, ExpectCloseStep>) {
                return "expect_close";
            } else if constexpr (std::is_same_v<T, AnyOfStep>) {
                return "any_of";
            } else if constexpr (std::is_same_v<T, MailboxStep>) {
                return "mailbox";
            } else if constexpr (std::is_same_v<T, SendRawStep>) {
                return "send_raw";
            } else if constexpr (std::is_same_v<T, SendChunksStep>) {
                return "send_chunks";
            } else if constexpr (std::is_same_v<T, CloseStep>) {
                return "close";
            } else {
                return "sleep";
            }
        },
        step.action);
}

// Why a case stopped before its end.
struct Stop {
    Verdict verdict = Verdict::fail;
    std::string message;
    std::string expected;
    std::string actual;
    std::string skip_reason;
};
using StepResult = std::optional<Stop>; // nullopt: the step passed

Stop fail(std::string message, std::string expected = {}, std::string actual = {}) {
    return Stop{Verdict::fail, std::move(message), std::move(expected), std::move(actual), {}};
}

Stop harness_error(std::string message) {
    return Stop{Verdict::error, std::move(message), {}, {}, {}};
}

Stop cancelled_stop() {
    return harness_error("run deadline reached");
}

enum class SessionLevel { tf, module };

struct Session {
    std::string name;
    std::unique_ptr<Connection> connection;
    SessionLevel level = SessionLevel::tf;
};

// One thing that happened on a connection while the runner waited.
struct Event {
    enum class Kind { frame, tf_reply, protocol_error, closed, timeout, cancelled, error };
    Kind kind = Kind::timeout;
    protocol::Frame frame;
    protocol::ProtocolError protocol_error{};
    std::string text;          // tf_reply: the body; closed/error: the transport's words
    bool reset = false;        // closed: by a reset rather than an orderly close
    std::size_t partial = 0;   // timeout/closed: bytes buffered without a complete unit
    milliseconds waited{0};    // timeout: how long the wait lasted
    bool scenario_cut = false; // timeout: the scenario deadline ended the wait
};

Event make_event(Event::Kind kind) {
    Event event;
    event.kind = kind;
    return event;
}

// Expands the string fields of one step; the first unknown name is kept as the error.
class Expander {
public:
    Expander(const Variables& variables, std::string base)
        : variables_(variables), base_(std::move(base)) {}

    std::string operator()(std::string_view text, std::string_view field) {
        if (error_) {
            return {};
        }
        auto result = expand(text, variables_);
        if (auto* failure = std::get_if<ExpandError>(&result)) {
            error_ = harness_error(failure->reason + " in " + base_ + "/" + std::string(field));
            return {};
        }
        return std::move(std::get<std::string>(result));
    }
    Bytes bytes(const Bytes& in, std::string_view field) {
        if (in.literal) {
            return in;
        }
        return Bytes{(*this)(in.value, field), false};
    }
    std::optional<std::string> optional(const std::optional<std::string>& in,
                                        std::string_view field) {
        if (!in) {
            return std::nullopt;
        }
        return (*this)(*in, field);
    }
    std::optional<Bytes> optional(const std::optional<Bytes>& in, std::string_view field) {
        if (!in) {
            return std::nullopt;
        }
        return bytes(*in, field);
    }
    FrameMatch match(const FrameMatch& in, const std::string& prefix) {
        FrameMatch out = in;
        out.payload = optional(in.payload, prefix + "payload");
        out.payload_regex = optional(in.payload_regex, prefix + "payload_regex");
        out.from = optional(in.from, prefix + "from");
        out.text = optional(in.text, prefix + "text");
        out.text_regex = optional(in.text_regex, prefix + "text_regex");
        return out;
    }
    const std::optional<Stop>& error() const { return error_; }

private:
    const Variables& variables_;
    std::string base_;
    std::optional<Stop> error_;
};

class Runner {
public:
    Runner(const Scenario& scenario, Transport& transport, FixtureHost& fixture,
           const RunnerOptions& options, const std::atomic<bool>& cancel)
        : scenario_(scenario), transport_(transport), fixture_(fixture), options_(options),
          cancel_(cancel), started_(steady::now()),
          scenario_timeout_(scenario.timeout_ms ? milliseconds(*scenario.timeout_ms)
                                                : options.scenario_timeout),
          scenario_deadline_(started_ + scenario_timeout_), transcript_(started_) {}

    CaseResult run();

private:
    StepResult run_step(const Step& step, std::size_t index);

    // ---- sessions and deadlines ----
    std::variant<Session*, Stop> session_for(const Step& step);
    StepResult ensure_connected(Session& session);
    steady::time_point deadline_after(milliseconds budget) const {
        return std::min(steady::now() + budget, scenario_deadline_);
    }
    milliseconds left(steady::time_point deadline) const {
        return std::max(to_ms(deadline - steady::now()), 0ms);
    }
    bool cancelled() const { return cancel_.load(); }
    // Sleeps until `until` in slices; false if cancelled first.
    bool sleep_until(steady::time_point until) const;
    Stop scenario_deadline_stop(std::string_view during) const {
        return fail("scenario deadline of " + ms_text(scenario_timeout_) + " reached during " +
                    std::string(during));
    }

    // ---- sending ----
    // Sends each part as one Connection::send call and records them as one transcript entry.
    StepResult send_parts(Session& session, std::initializer_list<std::string_view> parts,
                          Layer layer);
    StepResult send_frame(Session& session, std::string_view frame);
    StepResult send_tf(Session& session, std::string_view body);

    // ---- receiving ----
    Event next_frame(Session& session, steady::time_point deadline);
    Event next_tf(Session& session, steady::time_point deadline);
    Event classify(Session& session, const TransportError& error, steady::time_point started,
                   steady::time_point deadline);
    // Reads whatever just arrived (bytes are buffered) to describe it.
    Event pending_event(Session& session);
    std::string describe_event(const Event& event) const;
    // The failure for an event that is not what `expected` describes.
    Stop unexpected(const Event& event, const std::string& expected) const;

    // ---- composite exchanges ----
    StepResult tf_exchange(Session& session, std::string_view command,
                           const std::optional<std::string>& expect_reply, bool enters_module);
    StepResult expect_status(Session& session, std::uint8_t opcode, std::int32_t status,
                             const std::string& what);

    // ---- steps ----
    StepResult login(Session& session, const LoginStep& step, Expander& x);
    StepResult exit_module(Session& session, const ExitStep& step);
    StepResult expect(Session& session, const ExpectStep& step);
    StepResult expect_nothing(Session& session, const ExpectNothingStep& step);
    StepResult expect_close(Session& session, const ExpectCloseStep& step);
    StepResult any_of(Session& session, const AnyOfStep& step);
    StepResult mailbox(const MailboxStep& step, Expander& x);
    StepResult send_chunks(Session& session, const SendChunksStep& step, Expander& x);
    StepResult sleep_step(const SleepStep& step);

    const Scenario& scenario_;
    Transport& transport_;
    FixtureHost& fixture_;
    const RunnerOptions& options_;
    const std::atomic<bool>& cancel_;
    steady::time_point started_;
    milliseconds scenario_timeout_;
    steady::time_point scenario_deadline_;
    TranscriptRecorder transcript_;
    std::string org_;
    Variables variables_; // ${org} and the captures
    std::map<std::string, Session> sessions_;
    std::string step_base_; // "/steps/3/expect", for error messages
};

bool Runner::sleep_until(steady::time_point until) const {
    while (true) {
        if (cancelled()) {
            return false;
        }
        const auto now = steady::now();
        if (now >= until) {
            return true;
        }
        std::this_thread::sleep_for(std::min<steady::duration>(slice, until - now));
    }
}

std::variant<Session*, Stop> Runner::session_for(const Step& step) {
    std::string name = step.session;
    if (name.empty()) {
        if (scenario_.sessions.size() != 1) {
            return harness_error("step " + step_base_ +
                                 " names no session and the scenario declares " +
                                 std::to_string(scenario_.sessions.size()));
        }
        name = scenario_.sessions.front();
    }
    auto [it, inserted] = sessions_.try_emplace(name);
    if (inserted) {
        it->second.name = name;
    }
    return &it->second;
}

StepResult Runner::ensure_connected(Session& session) {
    if (session.connection) {
        return std::nullopt;
    }
    if (cancelled()) {
        return cancelled_stop();
    }
    const auto budget = left(deadline_after(options_.step_timeout));
    if (budget <= 0ms) {
        return scenario_deadline_stop("connect");
    }
    auto result = transport_.connect(budget);
    if (auto* error = std::get_if<TransportError>(&result)) {
        transcript_.note(session.name, "connect failed: " + describe(*error));
        // A refused TF handshake names its step and the server's answer already.
        return harness_error(error->kind == TransportError::Kind::handshake
                                 ? one_line(describe(*error))
                                 : "target unreachable: " + one_line(describe(*error)));
    }
    session.connection = std::move(std::get<std::unique_ptr<Connection>>(result));
    session.level = SessionLevel::tf;
    transcript_.note(session.name, "connected (" + transport_.describe() + ")");
    return std::nullopt;
}

StepResult Runner::send_parts(Session& session, std::initializer_list<std::string_view> parts,
                              Layer layer) {
    std::string all;
    for (const auto part : parts) {
        all += part;
    }
    const auto decoded = describe_client_bytes(all, layer);
    transcript_.sent(session.name, all, decoded);
    for (const auto part : parts) {
        if (part.empty()) {
            continue;
        }
        if (cancelled()) {
            return cancelled_stop();
        }
        const auto budget = left(deadline_after(options_.step_timeout));
        if (budget <= 0ms) {
            return scenario_deadline_stop("a send");
        }
        auto sent = session.connection->send(part, budget);
        const auto* error = std::get_if<TransportError>(&sent);
        if (!error) {
            continue;
        }
        const auto what = decoded;
        switch (error->kind) {
        case TransportError::Kind::closed:
        case TransportError::Kind::reset:
            transcript_.closed(session.name, "closed by the target: " + describe(*error));
            return fail(std::string("connection closed by the target") +
                            (error->kind == TransportError::Kind::reset ? " (reset)" : "") +
                            " while the harness was sending " + what + ": " +
                            one_line(describe(*error)),
                        "the target reads " + what, "connection closed");
        case TransportError::Kind::timeout:
            transcript_.note(session.name, "send timed out: " + describe(*error));
            return fail("could not send within " + ms_text(budget) +
                            " (the target is not reading): " + what,
                        "the target reads " + what, "send timed out");
        default:
            transcript_.note(session.name, "send failed: " + describe(*error));
            return fail("send failed (" + one_line(describe(*error)) + "): " + what);
        }
    }
    return std::nullopt;
}

StepResult Runner::send_frame(Session& session, std::string_view frame) {
    // Header and body are two sends, as real peers write them (two cipher calls over tf).
    const auto split = std::min(frame.size(), protocol::header_size);
    return send_parts(session, {frame.substr(0, split), frame.substr(split)}, Layer::xsime);
}

StepResult Runner::send_tf(Session& session, std::string_view body) {
    const auto message = protocol::encode_tf_message(body);
    const std::string_view whole(message);
    return send_parts(
        session,
        {whole.substr(0, protocol::tf_length_size), whole.substr(protocol::tf_length_size)},
        Layer::tf);
}

Event Runner::classify(Session& session, const TransportError& error, steady::time_point started,
                       steady::time_point deadline) {
    Event event;
    switch (error.kind) {
    case TransportError::Kind::closed:
    case TransportError::Kind::reset:
        event.kind = Event::Kind::closed;
        event.reset = error.kind == TransportError::Kind::reset;
        event.text = describe(error);
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
        event.text = describe(error);
        transcript_.note(session.name, "receive failed: " + event.text);
        return event;
    }
}

Event Runner::next_frame(Session& session, steady::time_point deadline) {
    const auto started = steady::now();
    while (true) {
        if (cancelled()) {
            return make_event(Event::Kind::cancelled);
        }
        const auto now = steady::now();
        const auto budget = std::clamp(to_ms(deadline - now), 0ms, slice);
        auto got = session.connection->receive_frame(budget);
        if (auto* frame = std::get_if<protocol::Frame>(&got)) {
            transcript_.received(session.name, frame_bytes(*frame), describe_server_frame(*frame));
            auto event = make_event(Event::Kind::frame);
            event.frame = std::move(*frame);
            return event;
        }
        if (auto* error = std::get_if<protocol::ProtocolError>(&got)) {
            transcript_.received(session.name, protocol::encode_header(error->header),
                                 describe_protocol_error(*error) +
                                     endianness_hint(error->header.sz));
            auto event = make_event(Event::Kind::protocol_error);
            event.protocol_error = std::move(*error);
            return event;
        }
        const auto& error = std::get<TransportError>(got);
        if (error.kind == TransportError::Kind::timeout && steady::now() < deadline) {
            continue;
        }
        return classify(session, error, started, deadline);
    }
}

Event Runner::next_tf(Session& session, steady::time_point deadline) {
    const auto started = steady::now();
    while (true) {
        if (cancelled()) {
            return make_event(Event::Kind::cancelled);
        }
        const auto budget = std::clamp(to_ms(deadline - steady::now()), 0ms, slice);
        auto got = session.connection->receive_tf(budget);
        if (auto* body = std::get_if<std::string>(&got)) {
            transcript_.received(session.name, protocol::encode_tf_message(*body),
                                 describe_tf_reply(*body));
            auto event = make_event(Event::Kind::tf_reply);
            event.text = std::move(*body);
            return event;
        }
        const auto& error = std::get<TransportError>(got);
        if (error.kind == TransportError::Kind::timeout && steady::now() < deadline) {
            continue;
        }
        return classify(session, error, started, deadline);
    }
}

Event Runner::pending_event(Session& session) {
    const auto deadline = std::min(steady::now() + describe_wait, scenario_deadline_);
    return session.level == SessionLevel::tf ? next_tf(session, deadline)
                                             : next_frame(session, deadline);
}

std::string Runner::describe_event(const Event& event) const {
    switch (event.kind) {
    case Event::Kind::frame:
        return describe_server_frame(event.frame);
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
        return "run deadline reached";
    case Event::Kind::error:
        return "transport error: " + event.text;
    }
    return {};
}

Stop Runner::unexpected(const Event& event, const std::string& expected) const {
    const auto actual = describe_event(event);
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

StepResult Runner::tf_exchange(Session& session, std::string_view command,
                               const std::optional<std::string>& expect_reply, bool enters_module) {
    if (auto stop = send_tf(session, command)) {
        return stop;
    }
    const std::string expected = "a TF reply" +
                                 (expect_reply ? " " + quote_bytes(*expect_reply) : std::string()) +
                                 " to " + quote_bytes(command);
    auto event = next_tf(session, deadline_after(options_.step_timeout));
    if (event.kind != Event::Kind::tf_reply) {
        return unexpected(event, expected);
    }
    if (expect_reply && !reply_matches(*expect_reply, event.text)) {
        const auto actual = "TF reply " + quote_bytes(event.text);
        if (*expect_reply == protocol::tf_ok && event.text.starts_with("FAILED")) {
            return fail(std::string(command) + " failed: " + quote_bytes(event.text), expected,
                        actual);
        }
        return fail(std::string(command) + " answered " + quote_bytes(event.text) + " (expected " +
                        quote_bytes(*expect_reply) + ")",
                    expected, actual);
    }
    if (enters_module && event.text == protocol::tf_ok) {
        session.level = SessionLevel::module;
    }
    return std::nullopt;
}

StepResult Runner::expect_status(Session& session, std::uint8_t opcode, std::int32_t status,
                                 const std::string& what) {
    const auto expected =
        protocol::describe_opcode(opcode) + " status " + std::to_string(status) + " " + what;
    const auto deadline = deadline_after(options_.step_timeout);
    while (true) {
        auto event = next_frame(session, deadline);
        if (event.kind != Event::Kind::frame) {
            return unexpected(event, expected);
        }
        const auto& frame = event.frame;
        if (frame.header.opcode == opcode && frame.header.sz == status && frame.payload.empty()) {
            return std::nullopt;
        }
        if (is_push(frame)) {
            continue; // asynchronous delivery may come first; recorded in the transcript
        }
        const auto actual = describe_event(event);
        if (frame.header.opcode == opcode && frame.payload.empty()) {
            return fail(protocol::describe_opcode(opcode) + " " + what + " answered status " +
                            std::to_string(frame.header.sz) + " (expected " +
                            std::to_string(status) + ")" + endianness_hint(frame.header.sz),
                        expected, actual);
        }
        return fail("unexpected " + actual + " (expected " + expected + ")", expected, actual);
    }
}

StepResult Runner::login(Session& session, const LoginStep& step, Expander& x) {
    const auto user = x(step.user, "user");
    const auto org_unit = x(step.org_unit.value_or("/${org}"), "org_unit");
    if (x.error()) {
        return x.error();
    }
    if (auto stop = ensure_connected(session)) {
        return stop;
    }
    if (session.level != SessionLevel::module) {
        if (auto stop = tf_exchange(session, protocol::tf_xsime_start, std::string(protocol::tf_ok),
                                    true)) {
            return stop;
        }
    }
    if (auto stop = send_frame(session, protocol::encode_setup(step.flags, step.timestamp))) {
        return stop;
    }
    if (auto stop = send_frame(session, protocol::encode_org_unit(org_unit))) {
        return stop;
    }
    if (auto stop = expect_status(session, protocol::raw(Opcode::org_unit), protocol::status_ok,
                                  "for org unit " + quote_bytes(org_unit))) {
        return stop;
    }
    if (auto stop = send_frame(session, protocol::encode_user(user))) {
        return stop;
    }
    if (auto stop = expect_status(session, protocol::raw(Opcode::user), protocol::status_ok,
                                  "for user " + quote_bytes(user))) {
        return stop;
    }
    if (step.interval_ns) {
        return send_frame(session, protocol::encode_interval(*step.interval_ns));
    }
    return std::nullopt;
}

StepResult Runner::exit_module(Session& session, const ExitStep& step) {
    if (auto stop = send_frame(session, protocol::encode_exit())) {
        return stop;
    }
    const std::string expected = "the exit echo (exit (0x00) sz 0)";
    const auto deadline = deadline_after(options_.step_timeout);
    std::size_t pushes = 0;
    while (true) {
        auto event = next_frame(session, deadline);
        if (event.kind != Event::Kind::frame) {
            auto stop = unexpected(event, expected);
            if (pushes > 0) {
                stop.message += " after " + std::to_string(pushes) + " pushes";
            }
            return stop;
        }
        const auto& frame = event.frame;
        if (frame.header.opcode == protocol::raw(Opcode::exit) && frame.header.sz == 0 &&
            frame.payload.empty()) {
            session.level = SessionLevel::tf;
            return std::nullopt;
        }
        if (is_push(frame)) {
            if (step.allow_pushes) {
                ++pushes;
                continue;
            }
            const auto actual = describe_event(event);
            return fail("a push arrived before the exit echo (allow_pushes is false): " + actual,
                        expected, actual);
        }
        return unexpected(event, expected);
    }
}

StepResult Runner::expect(Session& session, const ExpectStep& step) {
    const auto expected = describe_match(step.match);
    const auto budget = step.within_ms ? milliseconds(*step.within_ms) : options_.step_timeout;
    const auto deadline = deadline_after(budget);
    std::size_t skipped = 0;
    while (true) {
        auto event = next_frame(session, deadline);
        if (event.kind != Event::Kind::frame) {
            auto stop = unexpected(event, expected);
            if (skipped > 0) {
                stop.message += " (" + std::to_string(skipped) + " non-matching pushes skipped)";
            }
            return stop;
        }
        auto outcome = match_frame(step.match, event.frame, unix_now());
        if (outcome.matched()) {
            for (auto& [name, value] : outcome.captures) {
                if (name != "org") { // ${org} stays the scenario's org unit
                    variables_[name] = std::move(value);
                }
            }
            return std::nullopt;
        }
        if (outcome.kind == MatchOutcome::Kind::bad_pattern) {
            return harness_error(one_line(outcome.reason));
        }
        if (step.skip_pushes && is_push(event.frame)) {
            ++skipped;
            continue;
        }
        const auto actual = describe_event(event);
        std::string reason = outcome.reason;
        if (step.match.sz && event.frame.header.sz != *step.match.sz) {
            reason += endianness_hint(event.frame.header.sz);
        }
        return fail("received frame does not match: " + one_line(reason) + " (expected " +
                        expected + ")",
                    expected, actual);
    }
}

StepResult Runner::expect_nothing(Session& session, const ExpectNothingStep& step) {
    const milliseconds quiet(step.ms);
    const std::string expected = "nothing for " + ms_text(quiet);
    const auto start = steady::now();
    const auto until = start + quiet;
    auto arrived = [&](std::string_view when) -> Stop {
        auto event = pending_event(session);
        std::string actual;
        if (event.kind == Event::Kind::timeout) {
            actual = std::to_string(session.connection->buffered()) + " bytes (no complete frame)";
        } else {
            actual = describe_event(event);
        }
        return fail("received " + actual + " " + std::string(when) + " (expected " + expected + ")",
                    expected, actual);
    };
    if (session.connection->buffered() > 0) {
        return arrived("that was already waiting");
    }
    while (true) {
        if (cancelled()) {
            return cancelled_stop();
        }
        const auto now = steady::now();
        if (now >= until) {
            return std::nullopt;
        }
        if (now >= scenario_deadline_) {
            return scenario_deadline_stop("expect_nothing (" + ms_text(quiet) + ")");
        }
        const auto wait = std::min({to_ms(until - now), slice, left(scenario_deadline_)});
        const auto before = steady::now();
        if (session.connection->wait_closed(std::max(wait, 1ms))) {
            transcript_.closed(session.name, "closed by the target");
            const auto actual = std::string("connection closed by the target");
            return fail("the target closed the connection after " +
                            ms_text(to_ms(steady::now() - start)) + " (expected " + expected + ")",
                        expected, actual);
        }
        if (session.connection->buffered() > 0) {
            return arrived("after " + ms_text(to_ms(steady::now() - start)));
        }
        // wait_closed returned early without bytes or a close (another error): do not spin.
        const auto spent = steady::now() - before;
        if (spent < wait) {
            std::this_thread::sleep_for(wait - spent);
        }
    }
}

StepResult Runner::expect_close(Session& session, const ExpectCloseStep& step) {
    const milliseconds budget(step.within_ms);
    const std::string expected = "the target closes the connection within " + ms_text(budget);
    const auto start = steady::now();
    const auto deadline = deadline_after(budget);
    auto arrived = [&]() -> Stop {
        auto event = pending_event(session);
        std::string actual;
        if (event.kind == Event::Kind::timeout) {
            actual = std::to_string(session.connection->buffered()) + " bytes (no complete frame)";
        } else {
            actual = describe_event(event);
        }
        return fail("the connection stayed open: received " + actual + " instead (expected " +
                        expected + ")",
                    expected, actual);
    };
    if (session.connection->buffered() > 0) {
        return arrived();
    }
    while (true) {
        if (cancelled()) {
            return cancelled_stop();
        }
        const auto now = steady::now();
        if (now >= deadline) {
            const auto waited = to_ms(now - start);
            std::string message =
                "still open after " + ms_text(waited) + " (expected " + expected + ")";
            if (deadline >= scenario_deadline_ && waited < budget) {
                message +=
                    "; the scenario deadline of " + ms_text(scenario_timeout_) + " ended the wait";
            }
            return fail(message, expected, "still open after " + ms_text(waited));
        }
        const auto wait = std::max(std::min(to_ms(deadline - now), slice), 1ms);
        const auto before = steady::now();
        if (session.connection->wait_closed(wait)) {
            transcript_.closed(session.name, "closed by the target");
            return std::nullopt;
        }
        if (session.connection->buffered() > 0) {
            return arrived();
        }
        const auto spent = steady::now() - before;
        if (spent < wait) {
            std::this_thread::sleep_for(wait - spent);
        }
    }
}

StepResult Runner::any_of(Session& session, const AnyOfStep& step) {
    milliseconds budget{0};
    std::string expected;
    bool accepts_close = false;
    bool skips_pushes = false;
    for (const auto& alternative : step.alternatives) {
        if (!expected.empty()) {
            expected += " | ";
        }
        if (const auto* e = std::get_if<ExpectStep>(&alternative)) {
            budget = std::max(budget,
                              e->within_ms ? milliseconds(*e->within_ms) : options_.step_timeout);
            expected += "expect " + describe_match(e->match);
            skips_pushes = skips_pushes || e->skip_pushes;
        } else {
            const auto& c = std::get<ExpectCloseStep>(alternative);
            budget = std::max(budget, milliseconds(c.within_ms));
            expected += "expect_close";
            accepts_close = true;
        }
    }
    expected = "one of: " + expected;
    const auto deadline = deadline_after(budget);
    while (true) {
        auto event = next_frame(session, deadline);
        if (event.kind == Event::Kind::closed && accepts_close && event.partial == 0) {
            return std::nullopt;
        }
        if (event.kind != Event::Kind::frame) {
            return unexpected(event, expected);
        }
        std::vector<std::string> reasons;
        const auto now = unix_now();
        for (const auto& alternative : step.alternatives) {
            const auto* e = std::get_if<ExpectStep>(&alternative);
            if (!e) {
                reasons.push_back("not a close");
                continue;
            }
            auto outcome = match_frame(e->match, event.frame, now);
            if (outcome.kind == MatchOutcome::Kind::bad_pattern) {
                return harness_error(one_line(outcome.reason));
            }
            if (outcome.matched()) {
                for (auto& [name, value] : outcome.captures) {
                    if (name != "org") {
                        variables_[name] = std::move(value);
                    }
                }
                return std::nullopt;
            }
            reasons.push_back(outcome.reason);
        }
        if (skips_pushes && is_push(event.frame)) {
            continue;
        }
        const auto actual = describe_event(event);
        std::string why;
        for (std::size_t i = 0; i < reasons.size(); ++i) {
            why += (i ? "; " : "") + std::string("#") + std::to_string(i + 1) + ": " + reasons[i];
        }
        return fail("no alternative matches " + actual + " (expected " + expected + "; " +
                        one_line(why) + ")",
                    expected, actual);
    }
}

StepResult Runner::mailbox(const MailboxStep& step, Expander& x) {
    const auto user = x(step.user, "user");
    const auto content_regex = x.optional(step.content_regex, "content_regex");
    const auto no_content_regex = x.optional(step.no_content_regex, "no_content_regex");
    if (x.error()) {
        return x.error();
    }
    std::string expected;
    if (step.count) {
        expected += std::to_string(*step.count) + " messages";
    }
    if (content_regex) {
        expected +=
            (expected.empty() ? "" : ", ") + std::string("one matching /") + *content_regex + "/";
    }
    if (no_content_regex) {
        expected += (expected.empty() ? "" : ", ") + std::string("none matching /") +
                    *no_content_regex + "/";
    }
    expected = "mailbox of " + quote_bytes(user) + ": " + expected;
    const auto deadline = deadline_after(options_.step_timeout);
    while (true) {
        auto messages = fixture_.messages(org_, user);
        if (!messages) {
            // Stop here: a mailbox check also waits (it polls until it holds), and later
            // steps may rely on that wait, so going on could fail a correct target.
            Stop stop{Verdict::skipped, {}, {}, {}, {}};
            stop.skip_reason = "mailbox check not observable through " + fixture_.describe() +
                               "; every step before it passed";
            stop.message = stop.skip_reason;
            transcript_.note("", stop.skip_reason);
            return stop;
        }
        std::string problem;
        Variables captures;
        if (step.count && messages->size() != *step.count) {
            problem = std::to_string(messages->size()) + " messages";
        }
        if (problem.empty() && content_regex) {
            bool any = false;
            for (const auto& content : *messages) {
                auto outcome = match_whole(*content_regex, content);
                if (outcome.kind == MatchOutcome::Kind::bad_pattern) {
                    return harness_error(one_line(outcome.reason));
                }
                if (outcome.matched()) {
                    captures = std::move(outcome.captures);
                    any = true;
                    break;
                }
            }
            if (!any) {
                problem = "no message matches /" + *content_regex + "/";
            }
        }
        if (problem.empty() && no_content_regex) {
            for (const auto& content : *messages) {
                auto outcome = match_whole(*no_content_regex, content);
                if (outcome.kind == MatchOutcome::Kind::bad_pattern) {
                    return harness_error(one_line(outcome.reason));
                }
                if (outcome.matched()) {
                    problem =
                        "message " + quote_bytes(content) + " matches /" + *no_content_regex + "/";
                    break;
                }
            }
        }
        if (problem.empty()) {
            for (auto& [name, value] : captures) {
                if (name != "org") {
                    variables_[name] = std::move(value);
                }
            }
            transcript_.note("", "mailbox of " + quote_bytes(user) + ": " +
                                     std::to_string(messages->size()) + " messages, as expected");
            return std::nullopt;
        }
        if (steady::now() >= deadline) {
            std::string actual = std::to_string(messages->size()) + " messages";
            const char* separator = ": ";
            for (const auto& content : *messages) {
                actual += separator + quote_bytes(content, 80);
                separator = ", ";
            }
            transcript_.note("", "mailbox of " + quote_bytes(user) + ": " + actual);
            return fail("mailbox check failed: " + one_line(problem) + " (expected " + expected +
                            ")",
                        expected, actual);
        }
        if (!sleep_until(std::min(steady::now() + mailbox_poll, deadline))) {
            return cancelled_stop();
        }
    }
}

StepResult Runner::send_chunks(Session& session, const SendChunksStep& step, Expander& x) {
    std::vector<Bytes> chunks;
    for (std::size_t i = 0; i < step.chunks.size(); ++i) {
        chunks.push_back(x.bytes(step.chunks[i], "chunks/" + std::to_string(i) + "/text"));
    }
    if (x.error()) {
        return x.error();
    }
    if (auto stop = ensure_connected(session)) {
        return stop;
    }
    const auto layer = session.level == SessionLevel::tf ? Layer::tf : Layer::xsime;
    std::string whole;
    for (const auto& chunk : chunks) {
        whole += chunk.value;
    }
    transcript_.note(session.name,
                     std::to_string(chunks.size()) + " chunks, " + std::to_string(step.delay_ms) +
                         " ms apart, together: " + describe_client_bytes(whole, layer));
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        if (i > 0 && step.delay_ms > 0) {
            const auto until = steady::now() + milliseconds(step.delay_ms);
            if (until > scenario_deadline_) {
                return scenario_deadline_stop("send_chunks' delay");
            }
            if (!sleep_until(until)) {
                return cancelled_stop();
            }
        }
        if (auto stop = send_parts(session, {chunks[i].value}, layer)) {
            return stop;
        }
    }
    return std::nullopt;
}

StepResult Runner::sleep_step(const SleepStep& step) {
    const auto until = steady::now() + milliseconds(step.ms);
    if (!sleep_until(std::min(until, scenario_deadline_))) {
        return cancelled_stop();
    }
    if (until > scenario_deadline_) {
        return scenario_deadline_stop("sleep (" + ms_text(milliseconds(step.ms)) + ")");
    }
    return std::nullopt;
}

StepResult Runner::run_step(const Step& step, std::size_t index) {
    const std::string pointer =
        step.json_pointer.empty() ? "/steps/" + std::to_string(index) : step.json_pointer;
    step_base_ = pointer + "/" + std::string(action_key(step));
    Expander x(variables_, step_base_);

    if (const auto* s = std::get_if<MailboxStep>(&step.action)) {
        return mailbox(*s, x);
    }
    if (const auto* s = std::get_if<SleepStep>(&step.action)) {
        return sleep_step(*s);
    }

    auto found = session_for(step);
    if (auto* stop = std::get_if<Stop>(&found)) {
        return *stop;
    }
    Session& session = *std::get<Session*>(found);

    if (const auto* s = std::get_if<LoginStep>(&step.action)) {
        return login(session, *s, x);
    }
    if (const auto* s = std::get_if<SendChunksStep>(&step.action)) {
        return send_chunks(session, *s, x);
    }

    // Every other step: expand its fields first, so an unknown name stops the case before
    // anything is sent.
    std::string text;
    std::optional<std::string> reply;
    Bytes bytes;
    ExpectStep expect_step;
    AnyOfStep any_of_step;
    if (const auto* start = std::get_if<StartStep>(&step.action)) {
        reply = x(start->expect_reply, "expect_reply");
    } else if (const auto* tf = std::get_if<TfCommandStep>(&step.action)) {
        text = x(tf->command, "command");
        reply = x.optional(tf->expect_reply, "expect_reply");
    } else if (const auto* path = std::get_if<PathStep>(&step.action)) {
        text = x(path->path, path->opcode == protocol::raw(Opcode::user) ? "name" : "path");
    } else if (const auto* sending = std::get_if<SendStep>(&step.action)) {
        if (sending->payload) {
            text = x.bytes(*sending->payload, "payload").value;
        } else {
            std::vector<std::string> to;
            for (std::size_t i = 0; i < sending->to.size(); ++i) {
                to.push_back(x(sending->to[i], "to/" + std::to_string(i)));
            }
            text = protocol::format_send_payload(to, x.bytes(sending->text, "text").value);
        }
    } else if (const auto* wanted = std::get_if<ExpectStep>(&step.action)) {
        expect_step = *wanted;
        expect_step.match = x.match(wanted->match, "");
    } else if (const auto* any = std::get_if<AnyOfStep>(&step.action)) {
        any_of_step = *any;
        for (std::size_t i = 0; i < any->alternatives.size(); ++i) {
            if (auto* e = std::get_if<ExpectStep>(&any_of_step.alternatives[i])) {
                e->match = x.match(e->match, std::to_string(i) + "/expect/");
            }
        }
    } else if (const auto* raw_step = std::get_if<SendRawStep>(&step.action)) {
        bytes = x.bytes(raw_step->bytes, "text");
    }
    if (x.error()) {
        return x.error();
    }

    if (std::holds_alternative<CloseStep>(step.action)) {
        if (session.connection) {
            session.connection->close();
            session.connection.reset();
            transcript_.closed(session.name, "closed by the harness");
        }
        return std::nullopt;
    }
    if (auto stop = ensure_connected(session)) {
        return stop;
    }

    return std::visit(
        [&](const auto& action) -> StepResult {
            using T = std::decay_t<decltype(action)>;
            if constexpr (std::is_same_v<T, StartStep>) {
                return tf_exchange(session, protocol::tf_xsime_start, reply, true);
            } else if constexpr (std::is_same_v<T, TfCommandStep>) {
                return tf_exchange(session, text, reply, text == protocol::tf_xsime_start);
            } else if constexpr (std::is_same_v<T, SetupStep>) {
                return send_frame(session, protocol::encode_setup(action.flags, action.timestamp));
            } else if constexpr (std::is_same_v<T, PathStep>) {
                std::string frame = protocol::encode_header(
                    protocol::Header{action.opcode, static_cast<std::int32_t>(text.size())});
                frame += text;
                if (auto stop = send_frame(session, frame)) {
                    return stop;
                }
                return expect_status(session, action.opcode, action.expect_status,
                                     "for " + quote_bytes(text));
            } else if constexpr (std::is_same_v<T, IntervalStep>) {
                return send_frame(session, protocol::encode_interval(action.nanoseconds));
            } else if constexpr (std::is_same_v<T, SendStep>) {
                std::string frame = protocol::encode_header(protocol::Header{
                    protocol::raw(Opcode::message), static_cast<std::int32_t>(text.size())});
                frame += text;
                return send_frame(session, frame);
            } else if constexpr (std::is_same_v<T, ExitStep>) {
                return exit_module(session, action);
            } else if constexpr (std::is_same_v<T, ExpectStep>) {
                return expect(session, expect_step);
            } else if constexpr (std::is_same_v<T, ExpectNothingStep>) {
                return expect_nothing(session, action);
            } else if constexpr (std::is_same_v<T, ExpectCloseStep>) {
                return expect_close(session, action);
            } else if constexpr (std::is_same_v<T, AnyOfStep>) {
                return any_of(session, any_of_step);
            } else if constexpr (std::is_same_v<T, SendRawStep>) {
                const auto layer = session.level == SessionLevel::tf ? Layer::tf : Layer::xsime;
                return send_parts(session, {bytes.value}, layer);
            } else {
                // login, send_chunks, mailbox, sleep and close were handled above.
                return std::nullopt;
            }
        },
        step.action);
}

CaseResult Runner::run() {
    CaseResult result = case_of(scenario_);

    auto finish = [&](StepResult stop, std::optional<std::size_t> failed_step) {
        if (stop) {
            result.verdict = stop->verdict;
            result.message = one_line(stop->message);
            result.expected = std::move(stop->expected);
            result.actual = std::move(stop->actual);
            result.skip_reason = std::move(stop->skip_reason);
            if (failed_step && *failed_step < scenario_.steps.size()) {
                const auto& step = scenario_.steps[*failed_step];
                result.failed_step = failed_step;
                result.failed_step_pointer = step.json_pointer.empty()
                                                 ? "/steps/" + std::to_string(*failed_step)
                                                 : step.json_pointer;
                if (sessions_.size() > 1 || scenario_.sessions.size() > 1) {
                    if (!step.session.empty()) {
                        result.message = "session " + step.session + ": " + result.message;
                    }
                }
                if (!step.note.empty()) {
                    result.failed_step_note = step.note;
                }
            }
            transcript_.note("", "stopped: " + result.message);
        }
    };

    if (cancelled()) {
        finish(cancelled_stop(), std::nullopt);
    } else if (auto reason = fixture_.unsupported(scenario_.fixture)) {
        // Nothing is prepared, sent or cleaned up: the case cannot be judged on this host.
        Stop stop{Verdict::skipped, {}, {}, {}, {}};
        stop.skip_reason = "needs a local fixture: " + *reason;
        stop.message = stop.skip_reason;
        transcript_.note("", "fixture not possible on " + fixture_.describe());
        finish(std::move(stop), std::nullopt);
    } else {
        org_ = make_org_name(scenario_.id);
        variables_["org"] = org_;
        transcript_.note("", "org unit " + org_ + " on " + fixture_.describe());
        if (auto error = fixture_.prepare(org_, scenario_.fixture)) {
            finish(harness_error("fixture: " + one_line(*error)), std::nullopt);
        } else {
            std::size_t index = 0;
            StepResult stop;
            for (; index < scenario_.steps.size(); ++index) {
                if (cancelled()) {
                    stop = cancelled_stop();
                    break;
                }
                if (steady::now() >= scenario_deadline_) {
                    stop = fail("scenario deadline of " + ms_text(scenario_timeout_) +
                                " reached before step " + std::to_string(index));
                    break;
                }
                try {
                    stop = run_step(scenario_.steps[index], index);
                } catch (const std::exception& e) {
                    // Only the unexpected gets here (allocation failure, a filesystem
                    // fault); the org unit is still cleaned up below.
                    stop = harness_error(std::string("harness fault: ") + e.what());
                }
                if (stop) {
                    break;
                }
            }
            finish(std::move(stop), index);
        }
        for (auto& [name, session] : sessions_) {
            if (session.connection) {
                session.connection->close();
                session.connection.reset();
            }
        }
        fixture_.cleanup(org_);
    }

    result.duration =
        std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - started_);
    if (result.verdict != Verdict::pass || options_.keep_passing_transcripts) {
        result.transcript = transcript_.take();
    }
    return result;
}

} // namespace

std::string make_org_name(std::string_view scenario_id) {
    std::string name = "xc-";
    for (const char c : scenario_id) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        name += keep ? c : '-';
    }
    // Random per run, so concurrent runs, repeats and leftovers never collide.
    thread_local std::mt19937 rng{std::random_device{}()};
    char hex[16];
    std::snprintf(hex, sizeof hex, "-%08x", static_cast<unsigned>(rng()));
    return name + hex;
}

CaseResult run_scenario(const Scenario& scenario, Transport& transport, FixtureHost& fixture,
                        const RunnerOptions& options, const std::atomic<bool>& cancel) {
    try {
        return Runner(scenario, transport, fixture, options, cancel).run();
    } catch (const std::exception& e) {
        // Only the unexpected gets here (allocation failure, a filesystem fault): still a
        // value, so one broken case never takes the run down.
        CaseResult result = case_of(scenario);
        result.verdict = Verdict::error;
        result.message = std::string("harness fault: ") + e.what();
        return result;
    }
}

} // namespace xsime::harness
