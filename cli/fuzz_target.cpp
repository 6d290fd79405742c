// Starting, watching and restarting the server of `fuzz --exec` (fuzz_target.hpp).
#include "cli/fuzz_target.hpp"

#include "harness/exec_template.hpp"
#include "harness/plain_connection.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace xsime::cli {
namespace {

// A port nothing listens on right now (the kernel's pick for port 0).
std::uint16_t free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

std::string tail(const harness::DriverProcess& process) {
    std::string out;
    for (const auto& line : process.stderr_tail(40)) {
        out += line + '\n';
    }
    return out;
}

} // namespace

std::variant<std::unique_ptr<ExecTarget>, std::string> ExecTarget::start(const std::string& exec,
                                                                         RunOptions options) {
    std::unique_ptr<ExecTarget> target(new ExecTarget(exec, std::move(options)));
    if (auto error = target->launch()) {
        return *error;
    }
    return target;
}

std::optional<std::string> ExecTarget::launch() {
    port_ = free_port();
    auto argv = harness::split_exec(exec_, {{"port", std::to_string(port_)}});
    if (auto* error = std::get_if<std::string>(&argv)) {
        return "--exec: " + *error;
    }
    process_ = std::make_unique<harness::DriverProcess>();
    if (auto error = process_->start(std::get<std::vector<std::string>>(argv))) {
        return "--exec: " + *error;
    }
    // Up once it accepts a connection; every attempt and the whole wait are bounded.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (true) {
        if (auto status = process_->wait_exit(std::chrono::steady_clock::now())) {
            return "--exec: the server " + harness::describe(*status) +
                   " before listening; its stderr:\n" + tail(*process_);
        }
        if (harness::PlainConnection::connect("127.0.0.1", port_, std::chrono::milliseconds(200))
                .index() == 0) {
            break;
        }
        if (std::chrono::steady_clock::now() >= give_up) {
            return "--exec: the server did not listen on port " + std::to_string(port_) +
                   " within 10 s (does the command use {port}?); its stderr:\n" + tail(*process_);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    options_.target = "127.0.0.1:" + std::to_string(port_);
    RunPlan plan;
    plan.tf = options_.transport == "tf";
    plan.target = Target{"127.0.0.1", port_};
    auto opened = open_target(options_, plan);
    if (auto* stop = std::get_if<RunStop>(&opened)) {
        return stop->message;
    }
    target_ = std::move(std::get<RunTarget>(opened));
    return std::nullopt;
}

bool ExecTarget::died(std::string& how, std::chrono::milliseconds grace) {
    // Also drains the pipes, so a chatty server never blocks on a full stderr.
    if (auto status = process_->wait_exit(std::chrono::steady_clock::now() + grace)) {
        how = harness::describe(*status);
        return true;
    }
    return false;
}

bool ExecTarget::restart(std::string& why) {
    last_stderr_ = tail(*process_);
    process_->kill();
    target_ = RunTarget{};
    if (auto error = launch()) {
        why = *error;
        return false;
    }
    return true;
}

std::string ExecTarget::stderr_tail() {
    return process_ ? tail(*process_) : last_stderr_;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> ExecTarget::resources() {
    const auto proc = std::filesystem::path("/proc") / std::to_string(process_->pid());
    std::ifstream status(proc / "status");
    std::uint64_t rss = 0;
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) {
            rss = std::stoull(line.substr(6));
        }
    }
    std::error_code ec;
    std::uint64_t fds = 0;
    for (std::filesystem::directory_iterator it(proc / "fd", ec), end; !ec && it != end;
         it.increment(ec)) {
        ++fds;
    }
    if (ec || rss == 0) {
        return std::nullopt;
    }
    return std::make_pair(rss, fds);
}

} // namespace xsime::cli
