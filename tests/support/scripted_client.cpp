// The scripted client's steps: each one bounded, each failure a runtime_error that says what.
#include "tests/support/scripted_client.hpp"

#include "harness/plain_connection.hpp"
#include "protocol/header.hpp"
#include "protocol/tf_framing.hpp"

#include <gtest/gtest.h>
#include <stdexcept>
#include <variant>

namespace xsime::test {

using harness::TransportError;
using protocol::Frame;
using protocol::Opcode;

std::string describe_frame(const Frame& frame) {
    return protocol::describe_opcode(frame.header.opcode) + " sz " +
           std::to_string(frame.header.sz) + " payload '" + frame.payload + "'";
}

ScriptedClient::ScriptedClient(std::unique_ptr<harness::Connection> connection, std::string name)
    : connection_(std::move(connection)), name_(std::move(name)) {}

ScriptedClient ScriptedClient::plain(std::uint16_t port, std::string name) {
    auto result = harness::PlainConnection::connect("127.0.0.1", port, scripted_io_timeout);
    if (auto* error = std::get_if<TransportError>(&result)) {
        throw std::runtime_error(name + ": connect: " + harness::describe(*error));
    }
    return ScriptedClient(std::move(std::get<std::unique_ptr<harness::PlainConnection>>(result)),
                          std::move(name));
}

void ScriptedClient::fail(const std::string& what) const {
    throw std::runtime_error(name_ + ": " + what);
}

void ScriptedClient::send(std::string_view bytes) {
    auto result = connection_->send(bytes, scripted_io_timeout);
    if (auto* error = std::get_if<TransportError>(&result)) {
        fail("send: " + harness::describe(*error));
    }
}

std::string ScriptedClient::command(std::string_view text) {
    auto result = connection_->command(text, scripted_io_timeout);
    if (auto* error = std::get_if<TransportError>(&result)) {
        fail("TF command '" + std::string(text) + "': " + harness::describe(*error));
    }
    return std::get<std::string>(std::move(result));
}

std::string ScriptedClient::tf_reply() {
    auto result = connection_->receive_tf(scripted_io_timeout);
    if (auto* error = std::get_if<TransportError>(&result)) {
        fail("TF reply: " + harness::describe(*error));
    }
    return std::get<std::string>(std::move(result));
}

void ScriptedClient::start() {
    const auto reply = command(protocol::tf_xsime_start);
    if (reply != protocol::tf_ok) {
        fail("XSIME_START answered '" + reply + "'");
    }
}

std::optional<Frame> ScriptedClient::maybe_frame(std::chrono::milliseconds timeout) {
    auto result = connection_->receive_frame(timeout);
    if (auto* frame = std::get_if<Frame>(&result)) {
        return std::move(*frame);
    }
    if (auto* error = std::get_if<protocol::ProtocolError>(&result)) {
        fail("undecodable frame from the server: " + error->reason);
    }
    const auto& error = std::get<TransportError>(result);
    if (error.kind == TransportError::Kind::timeout) {
        return std::nullopt;
    }
    fail("receive: " + harness::describe(error));
}

Frame ScriptedClient::frame(std::chrono::milliseconds timeout) {
    auto frame = maybe_frame(timeout);
    if (!frame) {
        fail("no frame within " + std::to_string(timeout.count()) + " ms");
    }
    return std::move(*frame);
}

std::int32_t ScriptedClient::status(Opcode opcode) {
    const auto reply = frame();
    if (reply.header.opcode != protocol::raw(opcode) || !reply.payload.empty()) {
        fail("expected a status reply to " + protocol::describe_opcode(protocol::raw(opcode)) +
             ", got " + describe_frame(reply));
    }
    return reply.header.sz;
}

std::int32_t ScriptedClient::org_unit(std::string_view path) {
    send(protocol::encode_org_unit(path));
    return status(Opcode::org_unit);
}

std::int32_t ScriptedClient::user(std::string_view path) {
    send(protocol::encode_user(path));
    return status(Opcode::user);
}

void ScriptedClient::expect_status(Opcode opcode, std::int32_t expected, const std::string& what) {
    const auto sz = status(opcode);
    if (sz != expected) {
        fail(what + ": expected sz " + std::to_string(expected) + ", got " + std::to_string(sz));
    }
}

void ScriptedClient::login(std::string_view org, std::string_view user_name, std::int32_t flags,
                           std::uint64_t since) {
    start();
    send(protocol::encode_setup(flags, since) + protocol::encode_org_unit(org) +
         protocol::encode_user(user_name));
    expect_status(Opcode::org_unit, 0, "org unit '" + std::string(org) + "'");
    expect_status(Opcode::user, 0, "user '" + std::string(user_name) + "'");
}

void ScriptedClient::message(std::string_view payload) {
    std::string frame = protocol::encode_header(protocol::Header{
        protocol::raw(Opcode::message), static_cast<std::int32_t>(payload.size())});
    frame.append(payload);
    send(frame);
}

protocol::Push ScriptedClient::parse(const Frame& frame) {
    if (frame.header.opcode != protocol::raw(Opcode::message) || frame.header.sz < 0) {
        fail("expected a push, got " + describe_frame(frame));
    }
    auto parsed = protocol::parse_push(frame.payload);
    if (auto* error = std::get_if<protocol::ParseError>(&parsed)) {
        fail("malformed push '" + frame.payload + "': " + error->reason);
    }
    return std::get<protocol::Push>(std::move(parsed));
}

protocol::Push ScriptedClient::push(std::chrono::milliseconds timeout) {
    return parse(frame(timeout));
}

std::string ScriptedClient::push_payload(std::chrono::milliseconds timeout) {
    auto f = frame(timeout);
    parse(f);
    return f.payload;
}

bool ScriptedClient::silent_for(std::chrono::milliseconds period) {
    if (auto unexpected = maybe_frame(period)) {
        ADD_FAILURE() << name_ << ": unexpected " << describe_frame(*unexpected);
        return false;
    }
    return true;
}

bool ScriptedClient::closed_within(std::chrono::milliseconds timeout) {
    return connection_->wait_closed(timeout);
}

void ScriptedClient::close() {
    connection_->close();
}

} // namespace xsime::test
