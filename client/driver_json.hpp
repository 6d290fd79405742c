// The client driver protocol's JSON (docs/client-driver.md): command lines in, event lines out.
#pragma once

#include "client/client_events.hpp"
#include "client/client_session.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::client {

// A line that is not a command the driver can run: with the id (and cmd) when the line had
// one, reported as `failed`, else as `error`.
struct BadCommand {
    std::optional<std::uint64_t> id;
    std::string cmd;
    std::string reason;
};

// Where `connect` goes when the command leaves a field out (the driver's HOST PORT).
struct ConnectDefaults {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
};

std::variant<CommandRequest, BadCommand> parse_command(std::string_view line,
                                                       const ConnectDefaults& defaults);

// One event as its JSON line, without the newline. Byte strings are `text` when they are valid
// UTF-8, `text_hex` otherwise; the output is always valid UTF-8.
std::string event_line(const ClientEvent& event);
std::string bad_command_line(const BadCommand& bad);
std::string hello_line(std::string_view client);
std::string done_line();

bool is_valid_utf8(std::string_view bytes);

} // namespace xsime::client
