// The reference client's driver (docs/client-driver.md): JSON commands from one file
// descriptor, JSON events to another, the client library in between.
#pragma once

#include "client/client_session.hpp"
#include "client/driver_json.hpp"

#include <chrono>
#include <string>

namespace xsime::client {

struct DriverOptions {
    ConnectDefaults connect; // the driver's HOST PORT, for a connect that names neither
    SessionOptions session;  // faults, and the deadline of connects, replies and writes
    std::string client_name; // `client` of the hello line
    // How long an event line may wait for the reader of `out_fd` to make room.
    std::chrono::milliseconds write_timeout{10'000};
};

// Prints hello, then runs commands read from `in_fd` (one JSON object a line) while it reports
// the library's events on `out_fd`, one line each, flushed. A single poll() loop serves stdin
// and the socket, so a command waiting for the server never stops the reading of the next
// lines nor the reporting of pushes. At the end of `in_fd` it fails what is unfinished, closes
// the connection, prints done and returns 0; 3 when `out_fd` could not be written.
int run_client_driver(int in_fd, int out_fd, const DriverOptions& options);

} // namespace xsime::client
