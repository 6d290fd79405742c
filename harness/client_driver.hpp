// Client driver protocol v1 (docs/client-driver.md) from the harness's side: start the driver
// and read its hello, send commands with ids, read checked events, and end it cleanly.
#pragma once

#include "harness/driver_events.hpp"
#include "harness/driver_process.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace xsime::harness {

class ClientDriver {
public:
    using Clock = std::chrono::steady_clock;
    using TimePoint = Clock::time_point;
    // Every line written to the driver (from_driver false) and read from it (true), in order,
    // for the case's transcript.
    using Observer = std::function<void(bool from_driver, const std::string& line)>;
    using EventResult = std::variant<DriverEvent, DriverFailure>;

    static constexpr int protocol_version = 1;

    explicit ClientDriver(Observer observer = {}) : observer_(std::move(observer)) {}

    // Starts the driver and reads its first line, which must be a hello with protocol 1.
    // On failure the process is killed; stderr_text() still holds what it said.
    std::optional<DriverFailure> start(const std::vector<std::string>& argv, TimePoint deadline,
                                       const std::atomic<bool>* cancel = nullptr);
    // From hello: "my-client 2.3.1".
    const std::string& client_name() const { return client_; }

    // Adds "id" (1, 2, ...) to `command` (an object with "cmd"; strings valid UTF-8, which
    // put_bytes ensures) and writes it as one line. Returns the id. A driver that does not
    // take the line by `deadline` (stdin closed, never read) is not reported here but by the
    // next next_event() or finish() that would otherwise wait in vain, after the events the
    // driver printed before.
    std::int64_t send(Json command, TimePoint deadline);

    // The next event, checked against the table and against what was sent: an ok or failed
    // must name a command sent, with its cmd, once; hello comes once and done only after
    // finish() closed stdin. A timeout ("no event within N ms") or cancel leaves the driver
    // usable; any other failure ends it and is returned again by later calls.
    EventResult next_event(TimePoint deadline);

    struct Finish {
        std::vector<DriverEvent> events;      // printed after stdin closed, before done
        std::optional<DriverFailure> failure; // nullopt: done, then exit status 0
        std::optional<ExitStatus> exit;       // how the driver ended, when known
    };
    // Closes stdin and expects done, then exit status 0, by `deadline`; kills the driver on
    // a timeout or a failure.
    Finish finish(TimePoint deadline);

    // Kills the driver (and its process group) now.
    void kill() { process_.kill(); }

    std::string stderr_text() const { return process_.stderr_text(); }
    const DriverProcess& process() const { return process_; }

    // Commands sent whose ok/failed has not come yet, by id.
    std::vector<std::int64_t> unanswered() const;

private:
    struct Sent {
        std::string cmd;
        bool answered = false;
    };

    // One line from the driver, checked; `expect_done` after stdin was closed.
    EventResult read_event(TimePoint deadline, bool expect_done);
    std::optional<DriverFailure> check_order(const DriverEvent& event, bool expect_done);
    DriverFailure stdout_ended(std::string_view before);
    DriverFailure timed_out(TimePoint since, TimePoint deadline, std::string_view what) const;
    std::optional<DriverFailure> finish_exit(TimePoint since, TimePoint deadline);
    DriverFailure end(DriverFailure failure); // kills the driver, keeps the failure
    std::string stderr_suffix() const;
    void observe(bool from_driver, const std::string& line) const;

    Observer observer_;
    DriverProcess process_;
    std::string client_;
    std::vector<Sent> sent_; // command id i is sent_[i - 1]
    std::optional<DriverFailure> failed_;
    std::optional<DriverFailure> write_failure_; // reported when waiting would be in vain
    bool finished_ = false;
};

} // namespace xsime::harness
