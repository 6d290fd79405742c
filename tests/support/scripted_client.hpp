// Test support: one client session over any harness Connection (plain or tf) that reads as a
// script. Every call is bounded; a failure throws std::runtime_error naming the session and
// what was expected (gtest reports an exception from a test body as that test's failure).
#pragma once

#include "harness/transport.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace xsime::test {

// Generous: an expected reply may be slow on a loaded 2-core machine under ASan, and a
// generous bound costs nothing when the reply comes.
inline constexpr auto scripted_io_timeout = std::chrono::milliseconds(5000);

std::string describe_frame(const protocol::Frame& frame);

class ScriptedClient {
public:
    ScriptedClient(std::unique_ptr<harness::Connection> connection, std::string name);
    // A plain connection to 127.0.0.1:port; throws when it cannot connect.
    static ScriptedClient plain(std::uint16_t port, std::string name);

    void send(std::string_view bytes);
    // A TF command and its reply.
    std::string command(std::string_view text);
    // The next TF message.
    std::string tf_reply();
    // XSIME_START, which must be answered OK.
    void start();

    // The next frame, or std::nullopt if none arrives within `timeout`.
    std::optional<protocol::Frame> maybe_frame(std::chrono::milliseconds timeout);
    protocol::Frame frame(std::chrono::milliseconds timeout = scripted_io_timeout);
    // The next frame must be a header-only reply of `opcode`; returns its `sz`.
    std::int32_t status(protocol::Opcode opcode);
    std::int32_t org_unit(std::string_view path);
    std::int32_t user(std::string_view path);
    // XSIME_START, then opcodes 4, 1, 2 pipelined in one write, both replies 0.
    void login(std::string_view org, std::string_view user_name, std::int32_t flags = 0,
               std::uint64_t since = 0);
    // Opcode 5 with `payload` written out by hand ("bob:carol: hi"), as the spec quotes it.
    void message(std::string_view payload);

    // The next frame must be a push; returns it parsed.
    protocol::Push push(std::chrono::milliseconds timeout = scripted_io_timeout);
    // The raw payload of the next push ("timestamp:user:message").
    std::string push_payload(std::chrono::milliseconds timeout = scripted_io_timeout);

    // True when nothing at all arrives for `period`; otherwise a gtest failure says what came.
    bool silent_for(std::chrono::milliseconds period);
    bool closed_within(std::chrono::milliseconds timeout);
    void close();
    harness::Connection& connection() { return *connection_; }
    const std::string& name() const { return name_; }

private:
    void expect_status(protocol::Opcode opcode, std::int32_t expected, const std::string& what);
    protocol::Push parse(const protocol::Frame& frame);
    [[noreturn]] void fail(const std::string& what) const;

    std::unique_ptr<harness::Connection> connection_;
    std::string name_;
};

} // namespace xsime::test
