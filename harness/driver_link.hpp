// What a client scenario's steps need of the client under test, through its driver
// (docs/client-driver.md): commands out, the events the client reported in. Events wait in a
// queue, so that a step watching for an event it must not see keeps the others for later steps.
#pragma once

#include "harness/json_document.hpp"
#include "harness/step_result.hpp"
#include "harness/transcript.hpp"

#include <chrono>
#include <deque>
#include <string>
#include <variant>

namespace xsime::harness {

struct DriverEvent {
    std::string kind; // "ok", "failed", "message", ...
    Json fields;      // the whole event object
    std::string line; // as the driver printed it
};

class DriverLink {
public:
    using steady = std::chrono::steady_clock;

    virtual ~DriverLink() = default;
    // Writes a command, numbered; `connect` gets the harness's host, port, transport (and TF
    // settings). A driver that is gone is a failure naming what it did.
    virtual StepResult send(Json command) = 0;
    // The oldest queued event, else the next one the driver prints before `deadline`.
    virtual std::variant<DriverEvent, Stop> next(steady::time_point deadline) = 0;
    // Reads every event the driver prints until `until` into the queue.
    virtual StepResult gather(steady::time_point until) = 0;
    virtual std::deque<DriverEvent>& queued() = 0;

    // Every line to and from the driver goes into `transcript` from now on.
    virtual void attach(TranscriptRecorder& transcript) = 0;
    // After the last step: stdin closes, and the driver must print done and exit 0 before
    // `deadline`; a message event nobody expected fails the case too (the application saw a
    // message the scenario never pushed).
    virtual StepResult finish(steady::time_point deadline) = 0;
    // What the driver wrote on stderr (kept in the transcript of every case).
    virtual std::string stderr_text() = 0;
};

} // namespace xsime::harness
