// The runner's services to a running step: its session and deadlines, ${} expansion of its
// fields, sending, receiving, captures, the fixture and the transcript. One per scenario run.
#pragma once

#include "harness/expand.hpp"
#include "harness/fixture_host.hpp"
#include "harness/matcher.hpp"
#include "harness/scenario.hpp"
#include "harness/scenario_runner.hpp"
#include "harness/session_events.hpp"
#include "harness/step_result.hpp"
#include "harness/transcript.hpp"
#include "harness/transport.hpp"

#include <atomic>
#include <chrono>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace xsime::harness {

class DriverLink; // harness/driver_link.hpp: the client under test's driver (client scenarios)

// Expands the string fields of one step; the first failure is kept and later calls return "".
class Expander {
public:
    Expander(const Variables& variables, const Variables& locals, std::string base)
        : variables_(variables), locals_(locals), base_(std::move(base)) {}

    std::string operator()(std::string_view text, std::string_view field);
    Bytes bytes(const Bytes& in, std::string_view field);
    std::optional<std::string> optional(const std::optional<std::string>& in,
                                        std::string_view field);
    std::optional<Bytes> optional(const std::optional<Bytes>& in, std::string_view field);
    std::uint64_t number(const NumberSource& in, std::string_view field);
    FrameMatch match(const FrameMatch& in, const std::string& prefix);
    const std::optional<Stop>& error() const { return error_; }

private:
    const Variables& variables_;
    const Variables& locals_;
    std::string base_;
    std::optional<Stop> error_;
};

class StepContext {
public:
    using steady = std::chrono::steady_clock;
    using milliseconds = std::chrono::milliseconds;

    StepContext(const Scenario& scenario, Transport& transport, FixtureHost& fixture,
                const RunnerOptions& options, const std::atomic<bool>& cancel);

    // ---- the step being run ----
    // Makes `step` current: its locals, its pointer and, for a kind that uses one, its session
    // (connected by the kind when it needs the connection).
    StepResult begin(const Step& step, std::size_t index, bool uses_session);
    Session& session() { return *session_; }
    Expander expander() const;
    const std::string& step_base() const { return step_base_; }

    // ---- sessions and deadlines ----
    StepResult ensure_connected();
    void close_session(); // drops the current session's connection
    void close_all();     // at the end of the case
    std::size_t sessions_opened() const { return sessions_.size(); }
    steady::time_point deadline_after(milliseconds budget) const;
    milliseconds step_timeout() const { return options_.step_timeout; }
    steady::time_point scenario_deadline() const { return scenario_deadline_; }
    milliseconds scenario_timeout() const { return scenario_timeout_; }
    bool cancelled() const { return cancel_.load(); }
    bool sleep_until(steady::time_point until) const; // false if cancelled first
    Stop scenario_deadline_stop(std::string_view during) const;

    // ---- sending ----
    // Sends each part as one Connection::send call, recorded as one transcript entry.
    StepResult send_parts(std::initializer_list<std::string_view> parts, Layer layer);
    StepResult send_frame(std::string_view frame); // header and body as two sends
    StepResult send_tf(std::string_view body);     // length and body as two sends
    Layer layer() const;                           // what the session's bytes are now

    // ---- receiving ----
    Event next_frame(steady::time_point deadline);
    Event next_tf(steady::time_point deadline);
    Event pending_event();
    // What the session's buffered bytes are, read briefly: a frame, a reply, or "N bytes".
    std::string what_arrived();
    // Watches the connection until `until` (in slices, so a cancelled run is seen promptly)
    // for the target closing it or sending something; bytes already buffered count at once.
    enum class Watch { closed, bytes, quiet, cancelled };
    Watch watch_connection(steady::time_point until);
    std::string describe(const Event& event) const { return events_.describe(event); }
    Stop unexpected(const Event& event, const std::string& expected) const {
        return events_.unexpected(event, expected);
    }

    // ---- exchanges several steps share ----
    // A TF command and its reply (checked against `expect_reply` when given); a successful
    // XSIME_START (enters_module) moves the session to the module level.
    StepResult tf_exchange(std::string_view command, const std::optional<std::string>& expect_reply,
                           bool enters_module);
    // The status reply of opcode 1 or 2; pushes before it are recorded and skipped.
    StepResult expect_status(std::uint8_t opcode, std::int32_t status, const std::string& what);

    // ---- the client under test (client scenarios only) ----
    void set_driver(DriverLink* driver) { driver_ = driver; }
    DriverLink* driver() { return driver_; }
    bool harness_is_server() const { return scenario_.subject == Subject::client; }

    // ---- captures, fixture, transcript ----
    void capture(Variables values); // ${org} stays the scenario's org unit
    FixtureHost& fixture() { return fixture_; }
    const std::string& org() const { return org_; }
    void set_org(std::string org);
    TranscriptRecorder& transcript() { return transcript_; }

private:
    const Scenario& scenario_;
    Transport& transport_;
    FixtureHost& fixture_;
    const RunnerOptions& options_;
    const std::atomic<bool>& cancel_;
    steady::time_point started_;
    milliseconds scenario_timeout_;
    steady::time_point scenario_deadline_;
    TranscriptRecorder transcript_;
    EventReceiver events_;
    std::string org_;
    Variables variables_; // ${org} and the captures
    std::map<std::string, Session> sessions_;
    Session* session_ = nullptr;
    const Variables* locals_ = nullptr;
    std::string step_base_; // "/steps/3/expect", for error messages
    DriverLink* driver_ = nullptr;
};

// The harness's clock in Unix seconds, for push timestamps.
std::uint64_t unix_now();

} // namespace xsime::harness
