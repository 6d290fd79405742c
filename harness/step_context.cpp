// The runner's services to steps: sessions, deadlines, expansion, sending and the exchanges
// several step kinds share.
#include "harness/step_context.hpp"

#include "harness/matcher.hpp"
#include "protocol/header.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_framing.hpp"

#include <algorithm>
#include <charconv>
#include <thread>

namespace xsime::harness {

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

bool reply_matches(std::string_view expected, std::string_view reply) {
    // DESIGN.md: match the FAILED prefix, not the wording of the reason.
    return reply == expected || (expected.starts_with("FAILED") && reply.starts_with("FAILED"));
}

} // namespace

std::uint64_t unix_now() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

// ---- Expander ----

std::string Expander::operator()(std::string_view text, std::string_view field) {
    if (error_) {
        return {};
    }
    auto result = expand(text, variables_, locals_);
    if (auto* failure = std::get_if<ExpandError>(&result)) {
        error_ = harness_error(failure->reason + " in " + base_ + "/" + std::string(field));
        return {};
    }
    return std::move(std::get<std::string>(result));
}

Bytes Expander::bytes(const Bytes& in, std::string_view field) {
    if (in.literal) {
        return in;
    }
    return Bytes{(*this)(in.value, field), false};
}

std::optional<std::string> Expander::optional(const std::optional<std::string>& in,
                                              std::string_view field) {
    if (!in) {
        return std::nullopt;
    }
    return (*this)(*in, field);
}

std::optional<Bytes> Expander::optional(const std::optional<Bytes>& in, std::string_view field) {
    if (!in) {
        return std::nullopt;
    }
    return bytes(*in, field);
}

std::uint64_t Expander::number(const NumberSource& in, std::string_view field) {
    if (in.reference.empty()) {
        return in.value;
    }
    const auto text = (*this)(in.reference, field);
    if (error_) {
        return 0;
    }
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        error_ = harness_error(quote_bytes(in.reference) + " gave " + quote_bytes(text) +
                               ", not a number from 0 to 2^64-1, in " + base_ + "/" +
                               std::string(field));
        return 0;
    }
    return value;
}

FrameMatch Expander::match(const FrameMatch& in, const std::string& prefix) {
    FrameMatch out = in;
    out.payload = optional(in.payload, prefix + "payload");
    out.payload_regex = optional(in.payload_regex, prefix + "payload_regex");
    out.from = optional(in.from, prefix + "from");
    out.text = optional(in.text, prefix + "text");
    out.text_regex = optional(in.text_regex, prefix + "text_regex");
    return out;
}

// ---- StepContext ----

StepContext::StepContext(const Scenario& scenario, Transport& transport, FixtureHost& fixture,
                         const RunnerOptions& options, const std::atomic<bool>& cancel)
    : scenario_(scenario), transport_(transport), fixture_(fixture), options_(options),
      cancel_(cancel), started_(steady::now()),
      scenario_timeout_(scenario.timeout_ms ? milliseconds(*scenario.timeout_ms)
                                            : options.scenario_timeout),
      scenario_deadline_(started_ + scenario_timeout_), transcript_(started_),
      events_(transcript_, cancel_, scenario_deadline_, scenario_timeout_) {
    events_.set_harness_is_server(harness_is_server());
}

StepResult StepContext::begin(const Step& step, std::size_t index, bool uses_session) {
    const std::string pointer =
        step.json_pointer.empty() ? "/steps/" + std::to_string(index) : step.json_pointer;
    step_base_ = pointer + "/" + step.kind;
    locals_ = &step.locals;
    session_ = nullptr;
    if (!uses_session) {
        return std::nullopt;
    }
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
    session_ = &it->second;
    return std::nullopt;
}

void StepContext::set_org(std::string org) {
    org_ = std::move(org);
    variables_["org"] = org_;
}

Expander StepContext::expander() const {
    static const Variables none;
    return Expander(variables_, locals_ != nullptr ? *locals_ : none, step_base_);
}

steady::time_point StepContext::deadline_after(milliseconds budget) const {
    return std::min(steady::now() + budget, scenario_deadline_);
}

bool StepContext::sleep_until(steady::time_point until) const {
    while (true) {
        if (cancelled()) {
            return false;
        }
        const auto now = steady::now();
        if (now >= until) {
            return true;
        }
        std::this_thread::sleep_for(std::min<steady::duration>(wait_slice, until - now));
    }
}

Stop StepContext::scenario_deadline_stop(std::string_view during) const {
    return fail("scenario deadline of " + ms_text(scenario_timeout_) + " reached during " +
                std::string(during));
}

StepResult StepContext::ensure_connected() {
    Session& session = *session_;
    if (session.connection) {
        return std::nullopt;
    }
    if (cancelled()) {
        return cancelled_stop();
    }
    const auto budget = std::max(to_ms(deadline_after(options_.step_timeout) - steady::now()), 0ms);
    if (budget <= 0ms) {
        return scenario_deadline_stop("connect");
    }
    auto result = transport_.connect(budget);
    if (auto* error = std::get_if<TransportError>(&result)) {
        if (harness_is_server()) {
            // The client under test did not connect, or failed the TF handshake: its fault.
            transcript_.note(session.name, "accept failed: " + harness::describe(*error));
            return fail(one_line(harness::describe(*error)), "the client connects",
                        "no connection");
        }
        transcript_.note(session.name, "connect failed: " + harness::describe(*error));
        // A refused TF handshake names its step and the server's answer already.
        return harness_error(error->kind == TransportError::Kind::handshake
                                 ? one_line(harness::describe(*error))
                                 : "target unreachable: " + one_line(harness::describe(*error)));
    }
    session.connection = std::move(std::get<std::unique_ptr<Connection>>(result));
    session.level = SessionLevel::tf;
    transcript_.note(session.name, std::string(harness_is_server() ? "accepted (" : "connected (") +
                                       transport_.describe() + ")");
    return std::nullopt;
}

StepContext::Watch StepContext::watch_connection(steady::time_point until) {
    auto& connection = *session_->connection;
    if (connection.buffered() > 0) {
        return Watch::bytes;
    }
    while (true) {
        if (cancelled()) {
            return Watch::cancelled;
        }
        const auto now = steady::now();
        if (now >= until) {
            return Watch::quiet;
        }
        const auto wait = std::max(std::min(to_ms(until - now), wait_slice), 1ms);
        const auto before = steady::now();
        if (connection.wait_closed(wait)) {
            transcript_.closed(session_->name, "closed by the target");
            return Watch::closed;
        }
        if (connection.buffered() > 0) {
            return Watch::bytes;
        }
        // wait_closed returned early without bytes or a close (another error): do not spin.
        const auto spent = steady::now() - before;
        if (spent < wait) {
            std::this_thread::sleep_for(wait - spent);
        }
    }
}

std::string StepContext::what_arrived() {
    auto event = pending_event();
    if (event.kind == Event::Kind::timeout) {
        return std::to_string(session_->connection->buffered()) + " bytes (no complete frame)";
    }
    return describe(event);
}

void StepContext::close_session() {
    Session& session = *session_;
    if (session.connection) {
        session.connection->close();
        session.connection.reset();
        transcript_.closed(session.name, "closed by the harness");
    }
}

void StepContext::close_all() {
    for (auto& [name, session] : sessions_) {
        if (session.connection) {
            session.connection->close();
            session.connection.reset();
        }
    }
}

Layer StepContext::layer() const {
    return session_->level == SessionLevel::tf ? Layer::tf : Layer::xsime;
}

StepResult StepContext::send_parts(std::initializer_list<std::string_view> parts, Layer layer) {
    Session& session = *session_;
    std::string all;
    for (const auto part : parts) {
        all += part;
    }
    const auto what =
        harness_is_server() ? describe_server_bytes(all, layer) : describe_client_bytes(all, layer);
    transcript_.sent(session.name, all, what);
    for (const auto part : parts) {
        if (part.empty()) {
            continue;
        }
        if (cancelled()) {
            return cancelled_stop();
        }
        const auto budget =
            std::max(to_ms(deadline_after(options_.step_timeout) - steady::now()), 0ms);
        if (budget <= 0ms) {
            return scenario_deadline_stop("a send");
        }
        auto sent = session.connection->send(part, budget);
        const auto* error = std::get_if<TransportError>(&sent);
        if (!error) {
            continue;
        }
        switch (error->kind) {
        case TransportError::Kind::closed:
        case TransportError::Kind::reset:
            transcript_.closed(session.name, "closed by the target: " + harness::describe(*error));
            return fail(std::string("connection closed by the target") +
                            (error->kind == TransportError::Kind::reset ? " (reset)" : "") +
                            " while the harness was sending " + what + ": " +
                            one_line(harness::describe(*error)),
                        "the target reads " + what, "connection closed");
        case TransportError::Kind::timeout:
            transcript_.note(session.name, "send timed out: " + harness::describe(*error));
            return fail("could not send within " + ms_text(budget) +
                            " (the target is not reading): " + what,
                        "the target reads " + what, "send timed out");
        default:
            transcript_.note(session.name, "send failed: " + harness::describe(*error));
            return fail("send failed (" + one_line(harness::describe(*error)) + "): " + what);
        }
    }
    return std::nullopt;
}

StepResult StepContext::send_frame(std::string_view frame) {
    // Header and body are two sends, as real peers write them (two cipher calls over tf).
    const auto split = std::min(frame.size(), protocol::header_size);
    return send_parts({frame.substr(0, split), frame.substr(split)}, Layer::xsime);
}

StepResult StepContext::send_tf(std::string_view body) {
    const auto message = protocol::encode_tf_message(body);
    const std::string_view whole(message);
    return send_parts(
        {whole.substr(0, protocol::tf_length_size), whole.substr(protocol::tf_length_size)},
        Layer::tf);
}

Event StepContext::next_frame(steady::time_point deadline) {
    return events_.next(*session_, Unit::frame, deadline);
}

Event StepContext::next_tf(steady::time_point deadline) {
    return events_.next(*session_, Unit::tf_reply, deadline);
}

Event StepContext::pending_event() {
    return events_.pending(*session_);
}

StepResult StepContext::tf_exchange(std::string_view command,
                                    const std::optional<std::string>& expect_reply,
                                    bool enters_module) {
    if (auto stop = send_tf(command)) {
        return stop;
    }
    const std::string expected = "a TF reply" +
                                 (expect_reply ? " " + quote_bytes(*expect_reply) : std::string()) +
                                 " to " + quote_bytes(command);
    auto event = next_tf(deadline_after(options_.step_timeout));
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
        session_->level = SessionLevel::module;
    }
    return std::nullopt;
}

StepResult StepContext::expect_status(std::uint8_t opcode, std::int32_t status,
                                      const std::string& what) {
    const auto expected =
        protocol::describe_opcode(opcode) + " status " + std::to_string(status) + " " + what;
    const auto deadline = deadline_after(options_.step_timeout);
    while (true) {
        auto event = next_frame(deadline);
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
        const auto actual = describe(event);
        if (frame.header.opcode == opcode && frame.payload.empty()) {
            return fail(protocol::describe_opcode(opcode) + " " + what + " answered status " +
                            std::to_string(frame.header.sz) + " (expected " +
                            std::to_string(status) + ")" + endianness_hint(frame.header.sz),
                        expected, actual);
        }
        return fail("unexpected " + actual + " (expected " + expected + ")", expected, actual);
    }
}

void StepContext::capture(Variables values) {
    for (auto& [name, value] : values) {
        if (name != "org") { // ${org} stays the scenario's org unit
            variables_[name] = std::move(value);
        }
    }
}

} // namespace xsime::harness
