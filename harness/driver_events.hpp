// Client driver protocol v1 events (docs/client-driver.md): one stdout line parsed and checked
// against the table of events and their fields, and the text/text_hex byte strings.
#pragma once

#include "harness/driver_link.hpp"
#include "harness/json_document.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::harness {

// DriverEvent (kind, fields, line) is declared once, in driver_link.hpp, where the steps read
// it; parse_event below makes them, checked.

// Why the driver cannot go on: every failure but timeout and cancelled ends the driver.
struct DriverFailure {
    enum class Kind {
        cannot_start,  // the command could not be run
        version,       // hello names another protocol version
        not_json,      // a line that is not a JSON object
        unknown_event, // "event" is none of the table's
        bad_field,     // a field missing or mistyped, or an outcome naming no command sent
        out_of_order,  // hello not first or twice, done early, a second outcome, lines after done
        too_long,      // a line over 1 MiB
        exited,        // stdout ended: the driver exited (or closed it) too early
        timeout,       // nothing within the deadline
        write_failed,  // the driver did not take a command: closed its stdin, or never read it
        exit_status,   // at the end: an exit status other than 0
        cancelled,     // the run's cancel flag
    };
    Kind kind = Kind::bad_field;
    std::string message;
};

std::string_view to_string(DriverFailure::Kind kind);

// The line for a message: quoted, bytes that are not printable ASCII escaped, long lines cut.
std::string quote_line(std::string_view line);

// Parses `line` and checks it against the event table: object, known "event", each field
// present with its type, `text` or `text_hex` (valid hex) where the table says bytes. The
// order of events (hello first, ids of outcomes) is the caller's to check.
std::variant<DriverEvent, DriverFailure> parse_event(const std::string& line);

// The bytes of `base` ("text") in an event: `text` as is, or `text_hex` decoded; nullopt when
// neither (or both) is there, or the hex is not hex.
std::optional<std::string> event_bytes(const Json& event, std::string_view base);

// Writes `bytes` into `object` as `base` when they are valid UTF-8, else as `base`_hex (lower
// case, no spaces): what the protocol asks of both sides.
void put_bytes(Json& object, std::string_view base, std::string_view bytes);

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_utf8(std::string_view bytes);

} // namespace xsime::harness
