// What an application asks of the reference client (commands) and what the client reports back
// (events): the vocabulary shared by the client's core, its session and the driver.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::client {

enum class Command { connect, start, setup, org_unit, user, send, interval, exit, disconnect };

// The name the driver protocol gives the command ("org_unit").
std::string_view command_name(Command command);
std::optional<Command> command_named(std::string_view name);

// One outcome per command: ok, or failed with a reason (the server's answer, or why the client
// refused the command itself).
struct CommandDone {
    std::uint64_t id = 0;
    Command command = Command::connect;
    bool ok = true;
    std::string reason;
    friend bool operator==(const CommandDone&, const CommandDone&) = default;
};

// A well-formed push from the server.
struct MessageEvent {
    std::uint64_t timestamp = 0;
    std::string from;
    std::string text;
    friend bool operator==(const MessageEvent&, const MessageEvent&) = default;
};

// Opcode 5 with `sz` -1: the server refused a send.
struct SendRefused {
    friend bool operator==(const SendRefused&, const SendRefused&) = default;
};

// Anything else the client tells the application: a malformed push, a frame it cannot read.
struct ErrorEvent {
    std::string reason;
    friend bool operator==(const ErrorEvent&, const ErrorEvent&) = default;
};

// The connection ended without the application asking (peer closed or reset, or the client
// closed it after a fatal error).
struct ClosedEvent {
    std::string reason;
    friend bool operator==(const ClosedEvent&, const ClosedEvent&) = default;
};

using ClientEvent = std::variant<CommandDone, MessageEvent, SendRefused, ErrorEvent, ClosedEvent>;

} // namespace xsime::client
