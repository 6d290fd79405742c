// The targets of `xsime-conform fuzz`: the embedded reference server or --target (through
// run's open_target), or a server the fuzzer starts itself from an --exec template, watches
// (its death, its stderr, its resources) and restarts after a crash.
#pragma once

#include "cli/run_target.hpp"
#include "harness/driver_process.hpp"
#include "netfuzz/campaign.hpp"

#include <memory>
#include <string>
#include <variant>

namespace xsime::cli {

// The embedded server or --target: nothing to watch, nothing to restart.
class ReachedTarget final : public netfuzz::FuzzTarget {
public:
    explicit ReachedTarget(RunTarget target) : target_(std::move(target)) {}
    harness::Transport& transport() override { return *target_.transport; }
    harness::FixtureHost& fixture() override { return *target_.fixture; }
    bool died(std::string&, std::chrono::milliseconds) override { return false; }
    bool restart(std::string& why) override {
        why = "the fuzzer did not start this server";
        return false;
    }
    std::string stderr_tail() override { return {}; }
    const std::string& text() const { return target_.text; }

private:
    RunTarget target_;
};

// A server started from `exec` ("CMD ... {port} ..."): in its own process group, on a free
// port, reached once it accepts connections.
class ExecTarget final : public netfuzz::FuzzTarget {
public:
    // Starts the server; an error says why it did not come up (it exited, or never listened
    // within the deadline, with the last lines of its stderr).
    static std::variant<std::unique_ptr<ExecTarget>, std::string> start(const std::string& exec,
                                                                        RunOptions options);

    harness::Transport& transport() override { return *target_.transport; }
    harness::FixtureHost& fixture() override { return *target_.fixture; }
    bool died(std::string& how, std::chrono::milliseconds grace) override;
    bool restart(std::string& why) override;
    std::string stderr_tail() override;
    std::optional<std::pair<std::uint64_t, std::uint64_t>> resources() override;
    std::string text() const { return "--exec (port " + std::to_string(port_) + ")"; }

private:
    ExecTarget(std::string exec, RunOptions options)
        : exec_(std::move(exec)), options_(std::move(options)) {}
    std::optional<std::string> launch();

    std::string exec_;
    RunOptions options_;
    std::uint16_t port_ = 0;
    std::unique_ptr<harness::DriverProcess> process_;
    RunTarget target_;
    std::string last_stderr_; // kept from the process before a restart
};

} // namespace xsime::cli
