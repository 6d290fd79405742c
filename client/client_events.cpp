// The driver protocol's names of the client's commands.
#include "client/client_events.hpp"

namespace xsime::client {

std::string_view command_name(Command command) {
    switch (command) {
    case Command::connect:
        return "connect";
    case Command::start:
        return "start";
    case Command::setup:
        return "setup";
    case Command::org_unit:
        return "org_unit";
    case Command::user:
        return "user";
    case Command::send:
        return "send";
    case Command::interval:
        return "interval";
    case Command::exit:
        return "exit";
    case Command::disconnect:
        break;
    }
    return "disconnect";
}

std::optional<Command> command_named(std::string_view name) {
    for (const auto command :
         {Command::connect, Command::start, Command::setup, Command::org_unit, Command::user,
          Command::send, Command::interval, Command::exit, Command::disconnect}) {
        if (command_name(command) == name) {
            return command;
        }
    }
    return std::nullopt;
}

} // namespace xsime::client
