// Commands in order with deadlines, the connection's life, and events released in order once
// the bytes they depend on are written.
#include "client/client_session.hpp"

#include <limits>

namespace xsime::client {

ClientSession::ClientSession(SessionOptions options, Sink sink)
    : options_(std::move(options)), sink_(std::move(sink)) {}

std::string ClientSession::timeout_text() const {
    return std::to_string(options_.timeout.count()) + " ms";
}

void ClientSession::submit(CommandRequest request) {
    queue_.push_back(std::move(request));
    run_queue();
}

void ClientSession::run_queue() {
    while (!active_ && !queue_.empty()) {
        auto request = std::move(queue_.front());
        queue_.pop_front();
        run(request);
    }
    release_events();
}

void ClientSession::run(const CommandRequest& request) {
    if (request.command == Command::connect) {
        connect(request);
        return;
    }
    if (request.command == Command::disconnect) {
        if (transport_) {
            drop_connection(std::nullopt);
        }
        report(CommandDone{request.id, request.command, true, {}});
        return;
    }
    if (!transport_ || !transport_->established()) {
        report(CommandDone{request.id, request.command, false, "not connected"});
        return;
    }
    auto out = dispatch(request);
    if (core_->busy()) {
        active_ = Active{request.id, request.command, Clock::now() + options_.timeout};
    }
    apply(std::move(out));
}

void ClientSession::connect(const CommandRequest& request) {
    if (transport_) {
        report(CommandDone{request.id, request.command, false, "already connected"});
        return;
    }
    auto opened = ClientTransport::open(request.endpoint);
    if (auto* error = std::get_if<std::string>(&opened)) {
        report(CommandDone{request.id, request.command, false, *error});
        return;
    }
    transport_ = std::move(std::get<std::unique_ptr<ClientTransport>>(opened));
    core_.emplace(options_.faults);
    active_ = Active{request.id, request.command, Clock::now() + options_.timeout};
}

CoreOutput ClientSession::dispatch(const CommandRequest& request) {
    auto& core = *core_;
    switch (request.command) {
    case Command::start:
        return core.start(request.id);
    case Command::setup:
        return core.setup(request.id, request.unique, request.auto_delete, request.timestamp);
    case Command::org_unit:
        return core.org_unit(request.id, request.path);
    case Command::user:
        return core.user(request.id, request.path);
    case Command::send:
        return core.send(request.id, request.to, request.text);
    case Command::interval:
        return core.interval(request.id, request.nanoseconds);
    case Command::exit:
        return core.exit(request.id);
    case Command::connect:
    case Command::disconnect:
        break; // run() handles them
    }
    return {};
}

// The core's output: its bytes to the network, then its events, each after those bytes.
void ClientSession::apply(CoreOutput out) {
    std::optional<std::string> write_error;
    std::uint64_t after = 0;
    if (!out.wire.empty() && transport_) {
        write_error = transport_->send(out.wire);
        after = transport_->queued();
    }
    for (auto& event : out.events) {
        report(std::move(event), after);
    }
    if (out.close) {
        drop_connection("the client closed the connection: " + out.close_reason);
    } else if (write_error) {
        drop_connection(*write_error);
    }
    if (active_ && active_->command != Command::connect && (!core_ || !core_->busy())) {
        active_.reset();
    }
}

void ClientSession::on_ready(short revents) {
    if (!transport_) {
        return;
    }
    CoreOutput out;
    auto progress = transport_->on_ready(revents, *core_, out);
    if (progress.established && active_ && active_->command == Command::connect) {
        report(CommandDone{active_->id, Command::connect, true, {}});
        active_.reset();
    }
    apply(std::move(out));
    if (progress.failed && transport_) {
        if (active_ && active_->command == Command::connect) {
            // Never open: the connect fails, and no connection ended.
            report(CommandDone{active_->id, Command::connect, false, *progress.failed});
            active_.reset();
            transport_.reset();
            core_.reset();
        } else {
            drop_connection(*progress.failed);
        }
    }
    run_queue();
}

std::optional<ClientSession::Clock::time_point> ClientSession::next_deadline() const {
    std::optional<Clock::time_point> next = write_deadline_;
    if (active_ && (!next || active_->deadline < *next)) {
        next = active_->deadline;
    }
    return next;
}

void ClientSession::on_time(Clock::time_point now) {
    if (active_ && now >= active_->deadline) {
        const auto active = *active_;
        active_.reset();
        if (active.command == Command::connect) {
            report(CommandDone{active.id, active.command, false,
                               "not connected within " + timeout_text()});
            transport_.reset();
            core_.reset();
        } else {
            // The command fails; a reply that comes later is reported as unexpected.
            core_->abandon_pending();
            report(CommandDone{active.id, active.command, false,
                               "no reply from the server within " + timeout_text()});
        }
    }
    if (write_deadline_ && now >= *write_deadline_ && transport_ && transport_->output_pending()) {
        drop_connection("the server took no bytes for " + timeout_text());
    }
    run_queue();
}

void ClientSession::finish(std::string_view reason) {
    if (active_) {
        report(CommandDone{active_->id, active_->command, false, std::string(reason)});
        active_.reset();
    }
    for (const auto& request : queue_) {
        report(CommandDone{request.id, request.command, false, std::string(reason)});
    }
    queue_.clear();
    if (transport_) {
        drop_connection(std::nullopt);
    }
    release_events();
}

void ClientSession::drop_connection(std::optional<std::string> closed_reason) {
    const auto written = transport_ ? transport_->written() : 0;
    for (auto& [after, event] : held_) {
        // An outcome that waited for its bytes to be written: they never were.
        if (auto* done = std::get_if<CommandDone>(&event); done && done->ok && after > written) {
            done->ok = false;
            done->reason = "the connection closed before the bytes were written";
        }
        after = 0;
    }
    transport_.reset();
    core_.reset();
    write_deadline_.reset();
    if (closed_reason) {
        report(ClosedEvent{std::move(*closed_reason)});
    }
    if (active_ && active_->command != Command::connect) {
        report(CommandDone{active_->id, active_->command, false, "the connection closed"});
        active_.reset();
    }
}

void ClientSession::report(ClientEvent event, std::uint64_t after_byte) {
    held_.emplace_back(after_byte, std::move(event));
}

void ClientSession::release_events() {
    const auto written =
        transport_ ? transport_->written() : std::numeric_limits<std::uint64_t>::max();
    while (!held_.empty() && held_.front().first <= written) {
        auto event = std::move(held_.front().second);
        held_.pop_front();
        sink_(event);
    }
    if (transport_ && transport_->output_pending()) {
        if (!write_deadline_) {
            write_deadline_ = Clock::now() + options_.timeout;
        }
    } else {
        write_deadline_.reset();
    }
}

} // namespace xsime::client
