// Building scenario steps in code, as the loader would from a file: the action's model and
// the key of its kind, so that the runner treats them exactly as loaded steps.
#pragma once

#include "harness/scenario.hpp"
#include "harness/steps/any_of_step.hpp"
#include "harness/steps/close_step.hpp"
#include "harness/steps/exit_step.hpp"
#include "harness/steps/expect_close_step.hpp"
#include "harness/steps/expect_nothing_step.hpp"
#include "harness/steps/expect_step.hpp"
#include "harness/steps/interval_step.hpp"
#include "harness/steps/login_step.hpp"
#include "harness/steps/mailbox_step.hpp"
#include "harness/steps/path_step.hpp"
#include "harness/steps/send_chunks_step.hpp"
#include "harness/steps/send_raw_step.hpp"
#include "harness/steps/send_step.hpp"
#include "harness/steps/setup_step.hpp"
#include "harness/steps/sleep_step.hpp"
#include "harness/steps/start_step.hpp"
#include "harness/steps/tf_step.hpp"
#include "protocol/opcode.hpp"

#include <memory>
#include <string>
#include <type_traits>

namespace xsime::test {

template <class A>
std::string step_key(const A& action) {
    using namespace harness;
    if constexpr (std::is_same_v<A, LoginStep>) {
        return "login";
    } else if constexpr (std::is_same_v<A, StartStep>) {
        return "start";
    } else if constexpr (std::is_same_v<A, TfCommandStep>) {
        return "tf";
    } else if constexpr (std::is_same_v<A, SetupStep>) {
        return "setup";
    } else if constexpr (std::is_same_v<A, PathStep>) {
        return action.opcode == protocol::raw(protocol::Opcode::user) ? "user" : "org_unit";
    } else if constexpr (std::is_same_v<A, IntervalStep>) {
        return "interval";
    } else if constexpr (std::is_same_v<A, SendStep>) {
        return "send";
    } else if constexpr (std::is_same_v<A, ExitStep>) {
        return "exit";
    } else if constexpr (std::is_same_v<A, ExpectStep>) {
        return "expect";
    } else if constexpr (std::is_same_v<A, ExpectNothingStep>) {
        return "expect_nothing";
    } else if constexpr (std::is_same_v<A, ExpectCloseStep>) {
        return "expect_close";
    } else if constexpr (std::is_same_v<A, AnyOfStep>) {
        return "any_of";
    } else if constexpr (std::is_same_v<A, MailboxStep>) {
        return "mailbox";
    } else if constexpr (std::is_same_v<A, SendRawStep>) {
        return "send_raw";
    } else if constexpr (std::is_same_v<A, SendChunksStep>) {
        return "send_chunks";
    } else if constexpr (std::is_same_v<A, CloseStep>) {
        return "close";
    } else {
        static_assert(std::is_same_v<A, SleepStep>, "a step kind this helper does not know");
        return "sleep";
    }
}

// A step of `session` doing `action`; mailbox and sleep steps take session "".
template <class A>
harness::Step make_step(std::string session, A action, std::string note = {}) {
    harness::Step s;
    s.kind = step_key(action);
    s.session = std::move(session);
    s.action = std::make_shared<A>(std::move(action));
    s.note = std::move(note);
    return s;
}

// Replaces a step's action, keeping its session, note and pointer.
template <class A>
void set_action(harness::Step& step, A action) {
    step.kind = step_key(action);
    step.action = std::make_shared<A>(std::move(action));
}

} // namespace xsime::test
