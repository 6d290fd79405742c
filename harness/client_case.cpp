// The client under test's driver behind the steps' DriverLink, and one client case.
#include "harness/client_case.hpp"

#include "harness/client_driver.hpp"
#include "harness/client_listener.hpp"
#include "harness/driver_link.hpp"
#include "harness/exec_template.hpp"
#include "harness/scenario_case.hpp"
#include "harness/session_events.hpp"
#include "harness/transcript.hpp"

#include <chrono>

namespace xsime::harness {

namespace {

using steady = std::chrono::steady_clock;

// Failures of the driver stop the case; a quiet driver is the client's fault, and so is any
// protocol mistake: only "cannot run it at all" is the run's own.
Stop driver_stop(const DriverFailure& failure) {
    switch (failure.kind) {
    case DriverFailure::Kind::cancelled:
        return cancelled_stop();
    case DriverFailure::Kind::cannot_start:
        return harness_error("driver: " + one_line(failure.message));
    default:
        return fail("driver: " + one_line(failure.message));
    }
}

class ProcessDriverLink final : public DriverLink {
public:
    ProcessDriverLink(const ClientListener& listener, const ClientUnderTest& client,
                      const RunnerOptions& options, const std::atomic<bool>& cancel)
        : listener_(listener), client_(client), options_(options), cancel_(cancel),
          driver_(
              [this](bool from_driver, const std::string& line) { record(from_driver, line); }) {}

    std::optional<DriverFailure> start(const std::vector<std::string>& argv) {
        return driver_.start(argv, steady::now() + options_.step_timeout, &cancel_);
    }

    StepResult send(Json command) override {
        if (command.value("cmd", "") == "connect") {
            command["host"] = "127.0.0.1";
            command["port"] = listener_.port();
            command["transport"] = client_.tf ? "tf" : "plain";
            if (client_.tf) {
                command["tf"] = {{"public_key", client_.tf->public_key_pem},
                                 {"hash", client_.tf->hash},
                                 {"version", client_.tf->protocol_version}};
            }
        }
        driver_.send(std::move(command), steady::now() + options_.step_timeout);
        return std::nullopt;
    }

    std::variant<DriverEvent, Stop> next(steady::time_point deadline) override {
        if (!queue_.empty()) {
            auto event = std::move(queue_.front());
            queue_.pop_front();
            return event;
        }
        auto got = driver_.next_event(deadline);
        if (auto* failure = std::get_if<DriverFailure>(&got)) {
            return driver_stop(*failure);
        }
        return std::get<DriverEvent>(std::move(got));
    }

    StepResult gather(steady::time_point until) override {
        while (true) {
            auto got = driver_.next_event(until);
            if (auto* event = std::get_if<DriverEvent>(&got)) {
                queue_.push_back(std::move(*event));
                continue;
            }
            const auto& failure = std::get<DriverFailure>(got);
            if (failure.kind == DriverFailure::Kind::timeout && steady::now() >= until) {
                return std::nullopt;
            }
            return driver_stop(failure);
        }
    }

    std::deque<DriverEvent>& queued() override { return queue_; }

    void attach(TranscriptRecorder& transcript) override {
        transcript_ = &transcript;
        for (const auto& [from_driver, line] : early_) {
            record(from_driver, line);
        }
        early_.clear();
    }

    StepResult finish(steady::time_point deadline) override {
        auto end = driver_.finish(deadline);
        for (auto& event : end.events) {
            queue_.push_back(std::move(event));
        }
        for (const auto& event : queue_) {
            if (event.kind == "message") {
                return fail("the client reported a message the scenario never pushed: " +
                            event.line);
            }
        }
        if (end.failure) {
            return driver_stop(*end.failure);
        }
        return std::nullopt;
    }

    std::string stderr_text() override { return driver_.stderr_text(); }

private:
    void record(bool from_driver, const std::string& line) {
        if (transcript_ == nullptr) {
            early_.emplace_back(from_driver, line);
            return;
        }
        transcript_->note("driver", (from_driver ? "< " : "> ") + line);
    }

    const ClientListener& listener_;
    const ClientUnderTest& client_;
    const RunnerOptions& options_;
    const std::atomic<bool>& cancel_;
    TranscriptRecorder* transcript_ = nullptr;
    std::vector<std::pair<bool, std::string>> early_; // lines before attach (hello)
    std::deque<DriverEvent> queue_;
    ClientDriver driver_;
};

CaseResult stopped(const Scenario& scenario, const Stop& stop, std::string stderr_text) {
    CaseResult result = case_of(scenario);
    result.verdict = stop.verdict;
    result.message = stop.message;
    result.transcript.push_back(
        TranscriptEntry{{}, "", TranscriptEntry::Kind::note, {}, "stopped: " + stop.message});
    if (!stderr_text.empty()) {
        result.transcript.push_back(TranscriptEntry{
            {}, "", TranscriptEntry::Kind::note, {}, "driver stderr:\n" + stderr_text});
    }
    return result;
}

} // namespace

CaseResult run_client_case(const Scenario& scenario, const ClientUnderTest& client,
                           const RunnerOptions& options, const std::atomic<bool>& cancel) {
    const auto started = steady::now();
    auto opened = ClientListener::open(client.tf ? std::optional(*client.tf) : std::nullopt);
    if (auto* error = std::get_if<TransportError>(&opened)) {
        return stopped(scenario, harness_error("cannot listen: " + describe(*error)), {});
    }
    auto& listener = *std::get<std::unique_ptr<ClientListener>>(opened);
    const Placeholders placeholders{{"host", "127.0.0.1"},
                                    {"port", std::to_string(listener.port())},
                                    {"transport", client.tf ? "tf" : "plain"}};
    std::vector<std::string> argv;
    if (client.shell) {
        argv = shell_argv(client.exec, placeholders);
    } else {
        auto split = split_exec(client.exec, placeholders);
        if (auto* error = std::get_if<std::string>(&split)) {
            return stopped(scenario, harness_error("--exec: " + *error), {});
        }
        argv = std::get<std::vector<std::string>>(std::move(split));
    }
    ProcessDriverLink link(listener, client, options, cancel);
    if (auto failure = link.start(argv)) {
        auto result = stopped(scenario, driver_stop(*failure), link.stderr_text());
        result.duration =
            std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - started);
        return result;
    }
    return run_client_scenario(scenario, listener, link, options, cancel);
}

} // namespace xsime::harness
