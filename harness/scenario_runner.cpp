// Runs one scenario: prepares its fixture, runs its steps in order (each kind runs itself,
// harness/steps/), stops at the first failure, cleans up, and turns it into a CaseResult.
#include "harness/scenario_runner.hpp"

#include "harness/driver_link.hpp"
#include "harness/scenario_case.hpp"
#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"

#include <cstdio>
#include <exception>
#include <random>

namespace xsime::harness {

namespace {

using steady = std::chrono::steady_clock;

class Runner {
public:
    Runner(const Scenario& scenario, FixtureHost& fixture, const RunnerOptions& options,
           StepContext& context)
        : scenario_(scenario), fixture_(fixture), options_(options), context_(context),
          started_(steady::now()) {}

    CaseResult run();
    // A client case: no fixture; the driver finishes after the last step.
    CaseResult run_client(DriverLink& driver);

private:
    CaseResult finished(CaseResult result);
    StepResult run_steps(std::size_t& index);
    StepResult run_step(const Step& step, std::size_t index);
    void finish(CaseResult& result, StepResult stop, std::optional<std::size_t> failed_step);

    const Scenario& scenario_;
    FixtureHost& fixture_;
    const RunnerOptions& options_;
    StepContext& context_;
    steady::time_point started_;
};

StepResult Runner::run_step(const Step& step, std::size_t index) {
    const auto* kind = find_step_kind(step.kind);
    if (kind == nullptr || !step.action) {
        return harness_error("step " + step.json_pointer + " has no runnable action (" + step.kind +
                             ")");
    }
    if (auto stop = context_.begin(step, index, kind->uses_session)) {
        return stop;
    }
    return step.action->run(context_);
}

StepResult Runner::run_steps(std::size_t& index) {
    for (index = 0; index < scenario_.steps.size(); ++index) {
        if (context_.cancelled()) {
            return cancelled_stop();
        }
        if (steady::now() >= context_.scenario_deadline()) {
            return fail("scenario deadline of " + ms_text(context_.scenario_timeout()) +
                        " reached before step " + std::to_string(index));
        }
        StepResult stop;
        try {
            stop = run_step(scenario_.steps[index], index);
        } catch (const std::exception& e) {
            // Only the unexpected gets here (allocation failure, a filesystem fault); the org
            // unit is still cleaned up by the caller.
            stop = harness_error(std::string("harness fault: ") + e.what());
        }
        if (stop) {
            return stop;
        }
    }
    return std::nullopt;
}

void Runner::finish(CaseResult& result, StepResult stop, std::optional<std::size_t> failed_step) {
    if (!stop) {
        return;
    }
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
        if ((context_.sessions_opened() > 1 || scenario_.sessions.size() > 1) &&
            !step.session.empty()) {
            result.message = "session " + step.session + ": " + result.message;
        }
        // Inside a repeat, which round failed.
        for (const auto& [name, value] : step.locals) {
            result.message += " (" + name + " = " + value + ")";
        }
        if (!step.note.empty()) {
            result.failed_step_note = step.note;
        }
    }
    context_.transcript().note("", "stopped: " + result.message);
}

CaseResult Runner::run() {
    CaseResult result = case_of(scenario_);
    if (context_.cancelled()) {
        finish(result, cancelled_stop(), std::nullopt);
    } else if (auto reason = fixture_.unsupported(scenario_.fixture)) {
        // Nothing is prepared, sent or cleaned up: the case cannot be judged on this host.
        context_.transcript().note("", "fixture not possible on " + fixture_.describe());
        finish(result, skip("needs a local fixture: " + *reason), std::nullopt);
    } else {
        context_.set_org(make_org_name(scenario_.id));
        context_.transcript().note("", "org unit " + context_.org() + " on " + fixture_.describe());
        if (auto error = fixture_.prepare(context_.org(), scenario_.fixture)) {
            finish(result, harness_error("fixture: " + one_line(*error)), std::nullopt);
        } else {
            std::size_t index = 0;
            auto stop = run_steps(index);
            finish(result, std::move(stop), index);
        }
        context_.close_all();
        fixture_.cleanup(context_.org());
    }
    return finished(std::move(result));
}

CaseResult Runner::run_client(DriverLink& driver) {
    CaseResult result = case_of(scenario_);
    context_.set_driver(&driver);
    driver.attach(context_.transcript());
    context_.set_org(make_org_name(scenario_.id));
    std::size_t index = 0;
    auto stop = context_.cancelled() ? StepResult(cancelled_stop()) : run_steps(index);
    if (!stop) {
        stop = driver.finish(context_.deadline_after(options_.step_timeout));
        finish(result, std::move(stop), std::nullopt);
    } else {
        finish(result, std::move(stop), index);
    }
    context_.close_all();
    if (const auto err = driver.stderr_text(); !err.empty()) {
        context_.transcript().note("", "driver stderr:\n" + err);
    }
    return finished(std::move(result));
}

CaseResult Runner::finished(CaseResult result) {
    result.duration =
        std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - started_);
    if (result.verdict != Verdict::pass || options_.keep_passing_transcripts) {
        result.transcript = context_.transcript().take();
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

namespace {

// Client cases have no mailbox: the harness plays the server.
class NoFixture final : public FixtureHost {
public:
    std::optional<std::string> prepare(const std::string&, const Fixture&) override {
        return std::nullopt;
    }
    void cleanup(const std::string&) override {}
    std::optional<std::vector<std::string>> messages(const std::string&,
                                                     const std::string&) override {
        return std::nullopt;
    }
    std::optional<std::variant<std::size_t, std::string>>
    message_count(const std::string&, const std::string&) override {
        return std::nullopt;
    }
    std::string describe() const override { return "no fixture (client under test)"; }
};

CaseResult harness_fault(const Scenario& scenario, const std::exception& e) {
    // Only the unexpected gets here (allocation failure, a filesystem fault): still a
    // value, so one broken case never takes the run down.
    CaseResult result = case_of(scenario);
    result.verdict = Verdict::error;
    result.message = std::string("harness fault: ") + e.what();
    return result;
}

} // namespace

CaseResult run_client_scenario(const Scenario& scenario, Transport& listener, DriverLink& driver,
                               const RunnerOptions& options, const std::atomic<bool>& cancel) {
    try {
        NoFixture none;
        StepContext context(scenario, listener, none, options, cancel);
        return Runner(scenario, none, options, context).run_client(driver);
    } catch (const std::exception& e) {
        return harness_fault(scenario, e);
    }
}

CaseResult run_scenario(const Scenario& scenario, Transport& transport, FixtureHost& fixture,
                        const RunnerOptions& options, const std::atomic<bool>& cancel) {
    try {
        StepContext context(scenario, transport, fixture, options, cancel);
        return Runner(scenario, fixture, options, context).run();
    } catch (const std::exception& e) {
        return harness_fault(scenario, e);
    }
}

} // namespace xsime::harness
