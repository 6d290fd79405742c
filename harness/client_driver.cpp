// The harness's side of client driver protocol v1: hello, ids, ordered checks and the end.
#include "harness/client_driver.hpp"

#include <algorithm>

namespace xsime::harness {

namespace {

using Kind = DriverFailure::Kind;
using std::chrono::milliseconds;

// Once stdout has ended, how long the driver's exit may take to be seen (for its status).
constexpr milliseconds exit_grace{1000};

// "exited with status 3", "was killed by signal 11 (Segmentation fault)".
std::string ended(const ExitStatus& status) {
    return status.signal != 0 ? "was " + describe(status) : describe(status);
}

long long ms_between(ClientDriver::TimePoint from, ClientDriver::TimePoint to) {
    return std::max<long long>(0, std::chrono::duration_cast<milliseconds>(to - from).count());
}

DriverFailure too_long(const LineRead& read) {
    return {Kind::too_long, "the driver printed a line longer than " +
                                std::to_string(DriverProcess::max_line) + " bytes, starting " +
                                quote_line(read.line)};
}

// What the transcript shows after the head of an over-long line.
constexpr char too_long_mark[] = " [... the line goes on beyond 1 MiB]";

DriverFailure cancelled() {
    return {Kind::cancelled, "cancelled"};
}

} // namespace

void ClientDriver::observe(bool from_driver, const std::string& line) const {
    if (observer_) {
        observer_(from_driver, line);
    }
}

std::string ClientDriver::stderr_suffix() const {
    const auto lines = process_.stderr_tail(3);
    if (lines.empty()) {
        return "; it printed nothing on stderr";
    }
    std::string out = "; its stderr ends: ";
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out += (i == 0 ? "" : " | ") + quote_line(lines[i]);
    }
    return out;
}

DriverFailure ClientDriver::end(DriverFailure failure) {
    process_.kill();
    failed_ = failure;
    return failure;
}

DriverFailure ClientDriver::timed_out(TimePoint since, TimePoint deadline,
                                      std::string_view what) const {
    return {Kind::timeout,
            std::string(what) + " within " + std::to_string(ms_between(since, deadline)) + " ms"};
}

DriverFailure ClientDriver::stdout_ended(std::string_view before) {
    const auto status = process_.wait_exit(Clock::now() + exit_grace);
    DriverFailure failure{Kind::exited, {}};
    if (status) {
        failure.message = "the driver " + ended(*status) + " " + std::string(before);
    } else {
        failure.message =
            "the driver closed its stdout " + std::string(before) + " (it is still running)";
    }
    failure.message += stderr_suffix();
    if (write_failure_) { // the root cause comes first
        failure.kind = Kind::write_failed;
        failure.message = write_failure_->message + "; " + failure.message;
    }
    return failure;
}

std::optional<DriverFailure> ClientDriver::start(const std::vector<std::string>& argv,
                                                 TimePoint deadline,
                                                 const std::atomic<bool>* cancel) {
    if (auto error = process_.start(argv, cancel)) {
        failed_ = DriverFailure{Kind::cannot_start, *error};
        return failed_;
    }
    const auto since = Clock::now();
    const LineRead read = process_.read_line(deadline);
    switch (read.kind) {
    case LineRead::Kind::line:
        break;
    case LineRead::Kind::eof:
        return end(stdout_ended("before printing hello"));
    case LineRead::Kind::timeout: {
        auto failure = timed_out(since, deadline, "the driver printed no hello");
        failure.message += stderr_suffix();
        return end(failure);
    }
    case LineRead::Kind::too_long:
        observe(true, read.line + too_long_mark);
        return end(too_long(read));
    case LineRead::Kind::cancelled:
        return end(cancelled());
    }
    observe(true, read.line);
    auto parsed = parse_event(read.line);
    if (auto* failure = std::get_if<DriverFailure>(&parsed)) {
        failure->message += " (its first line must be hello)";
        return end(*failure);
    }
    const auto& event = std::get<DriverEvent>(parsed);
    if (event.kind != "hello") {
        return end({Kind::out_of_order, "the driver's first event must be hello, not '" +
                                            event.kind + "': " + quote_line(event.line)});
    }
    const auto& protocol = event.fields.at("protocol");
    if (protocol != protocol_version) {
        return end({Kind::version, "the driver speaks client driver protocol " + protocol.dump() +
                                       "; this harness speaks " +
                                       std::to_string(protocol_version)});
    }
    client_ = event.fields.at("client").get<std::string>();
    return std::nullopt;
}

std::int64_t ClientDriver::send(Json command, TimePoint deadline) {
    const auto id = static_cast<std::int64_t>(sent_.size() + 1);
    command["id"] = id;
    const auto cmd = command.find("cmd");
    sent_.push_back(
        {cmd != command.end() && cmd->is_string() ? cmd->get<std::string>() : "", false});
    if (failed_ || write_failure_) {
        return id; // the driver is already lost; the failure is what the caller will read
    }
    const std::string line = command.dump();
    observe(false, line);
    const std::string which = "command " + std::to_string(id) + " ('" + sent_.back().cmd + "')";
    const auto since = Clock::now();
    switch (process_.write_line(line, deadline)) {
    case WriteResult::written:
    case WriteResult::cancelled: // the next wait reports it
        break;
    case WriteResult::closed:
        write_failure_ =
            DriverFailure{Kind::write_failed, "the driver closed its stdin before " + which};
        break;
    case WriteResult::timeout:
        write_failure_ =
            DriverFailure{Kind::write_failed, "the driver did not read " + which + " within " +
                                                  std::to_string(ms_between(since, deadline)) +
                                                  " ms (it does not read its stdin)"};
        break;
    }
    return id;
}

std::vector<std::int64_t> ClientDriver::unanswered() const {
    std::vector<std::int64_t> ids;
    for (std::size_t i = 0; i < sent_.size(); ++i) {
        if (!sent_[i].answered) {
            ids.push_back(static_cast<std::int64_t>(i + 1));
        }
    }
    return ids;
}

std::optional<DriverFailure> ClientDriver::check_order(const DriverEvent& event, bool expect_done) {
    if (event.kind == "hello") {
        return DriverFailure{Kind::out_of_order,
                             "the driver printed a second hello: " + quote_line(event.line)};
    }
    if (event.kind == "done" && !expect_done) {
        return DriverFailure{Kind::out_of_order,
                             "the driver printed done before its stdin ended: " +
                                 quote_line(event.line)};
    }
    if (event.kind != "ok" && event.kind != "failed") {
        return std::nullopt;
    }
    const auto& id = event.fields.at("id");
    const auto& cmd = event.fields.at("cmd").get_ref<const std::string&>();
    const std::string what = "event '" + event.kind + "' ";
    if (!id.is_number_unsigned() || id.get<std::uint64_t>() == 0 ||
        id.get<std::uint64_t>() > sent_.size()) {
        const std::string sent =
            sent_.empty() ? "the harness has sent no command"
                          : "the harness sent commands 1 to " + std::to_string(sent_.size());
        return DriverFailure{Kind::bad_field, what + "names command " + id.dump() + ", but " +
                                                  sent + ": " + quote_line(event.line)};
    }
    Sent& command = sent_[id.get<std::size_t>() - 1];
    if (cmd != command.cmd) {
        return DriverFailure{Kind::bad_field, what + "for command " + id.dump() + " says cmd '" +
                                                  cmd + "', but command " + id.dump() + " was '" +
                                                  command.cmd + "': " + quote_line(event.line)};
    }
    if (command.answered) {
        return DriverFailure{Kind::out_of_order, "a second outcome for command " + id.dump() +
                                                     " ('" + cmd + "'): " + quote_line(event.line)};
    }
    command.answered = true;
    return std::nullopt;
}

ClientDriver::EventResult ClientDriver::read_event(TimePoint deadline, bool expect_done) {
    const auto since = Clock::now();
    const LineRead read = process_.read_line(deadline);
    switch (read.kind) {
    case LineRead::Kind::line:
        break;
    case LineRead::Kind::eof: {
        const auto open = unanswered();
        std::string before = expect_done ? "without printing done" : "before its stdin ended";
        if (!open.empty()) {
            before = "without answering command " + std::to_string(open.front()) + " ('" +
                     sent_[static_cast<std::size_t>(open.front() - 1)].cmd + "')";
        }
        return end(stdout_ended(before));
    }
    case LineRead::Kind::timeout:
        if (write_failure_) {
            return end(*write_failure_);
        }
        return timed_out(since, deadline, "no event");
    case LineRead::Kind::too_long:
        observe(true, read.line + too_long_mark);
        return end(too_long(read));
    case LineRead::Kind::cancelled:
        return cancelled();
    }
    observe(true, read.line);
    auto parsed = parse_event(read.line);
    if (auto* failure = std::get_if<DriverFailure>(&parsed)) {
        return end(*failure);
    }
    auto& event = std::get<DriverEvent>(parsed);
    if (auto failure = check_order(event, expect_done)) {
        return end(*failure);
    }
    return std::move(event);
}

ClientDriver::EventResult ClientDriver::next_event(TimePoint deadline) {
    if (failed_) {
        return *failed_;
    }
    if (!process_.started() || finished_) {
        return DriverFailure{Kind::out_of_order, finished_ ? "the driver has been finished"
                                                           : "the driver was not started"};
    }
    return read_event(deadline, false);
}

ClientDriver::Finish ClientDriver::finish(TimePoint deadline) {
    Finish result;
    if (!failed_ && (!process_.started() || finished_)) {
        failed_ = DriverFailure{Kind::out_of_order, finished_ ? "the driver has been finished"
                                                              : "the driver was not started"};
    }
    if (failed_) {
        process_.kill();
        result.failure = failed_;
        result.exit = process_.exit_status();
        return result;
    }
    finished_ = true;
    process_.close_stdin();
    const auto since = Clock::now();
    for (;;) {
        auto got = read_event(deadline, true);
        if (auto* failure = std::get_if<DriverFailure>(&got)) {
            if (failure->kind == Kind::timeout) {
                failure->message = "the driver did not print done within " +
                                   std::to_string(ms_between(since, deadline)) +
                                   " ms after its stdin closed; killed it" + stderr_suffix();
            }
            result.failure = end(*failure);
            result.exit = process_.exit_status();
            return result;
        }
        auto& event = std::get<DriverEvent>(got);
        if (event.kind == "done") {
            break;
        }
        result.events.push_back(std::move(event));
    }
    result.failure = finish_exit(since, deadline);
    result.exit = process_.exit_status();
    return result;
}

std::optional<DriverFailure> ClientDriver::finish_exit(TimePoint since, TimePoint deadline) {
    const auto status = process_.wait_exit(deadline);
    if (!status) {
        if (process_.cancelled()) {
            return end(cancelled());
        }
        return end({Kind::timeout, "the driver printed done but was still running " +
                                       std::to_string(ms_between(since, deadline)) +
                                       " ms after its stdin closed; killed it" + stderr_suffix()});
    }
    if (!status->success()) {
        return end({Kind::exit_status,
                    "the driver printed done, then " + ended(*status) + stderr_suffix()});
    }
    const LineRead after = process_.read_line(Clock::now());
    if (after.kind == LineRead::Kind::line || after.kind == LineRead::Kind::too_long) {
        observe(true, after.line);
        return end({Kind::out_of_order,
                    "the driver printed a line after done: " + quote_line(after.line)});
    }
    process_.kill(); // reaps it, and whatever it left running in its group
    return std::nullopt;
}

} // namespace xsime::harness
