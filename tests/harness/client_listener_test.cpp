// Integration tests of the harness as a server (ClientListener) over 127.0.0.1, with the
// harness's own client connections (PlainConnection, TfConnection) playing the client under
// test: accepting with a deadline, both directions of bytes, and the TF handshake's checks.
#include "harness/client_listener.hpp"
#include "harness/plain_connection.hpp"
#include "harness/tf_connection.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_framing.hpp"
#include "protocol/tf_rsa.hpp"

#include <chrono>
#include <future>
#include <gtest/gtest.h>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xsime::test {
namespace {

using namespace std::chrono_literals;
using harness::ClientListener;
using harness::Connection;
using harness::TfServerRole;
using harness::TransportError;
using protocol::Frame;
using protocol::Header;
using protocol::Opcode;
using steady = std::chrono::steady_clock;

// Generous bounds for what must happen (a loaded 2-core machine under sanitizers); short ones
// only where a test waits for a silence or a timeout on purpose.
constexpr auto io_timeout = 5000ms;
constexpr auto short_timeout = 300ms;

template <typename T>
T value_or_fail(std::variant<T, TransportError> result, std::string_view what) {
    if (auto* error = std::get_if<TransportError>(&result)) {
        throw std::runtime_error(std::string(what) + ": " + error->message);
    }
    return std::get<T>(std::move(result));
}

std::unique_ptr<ClientListener> open_listener(std::optional<TfServerRole> tf = std::nullopt) {
    return value_or_fail(ClientListener::open(std::move(tf)), "open the listener");
}

std::unique_ptr<Connection> accept(ClientListener& listener) {
    return value_or_fail(listener.connect(io_timeout), "accept");
}

void send(Connection& connection, std::string_view bytes) {
    auto sent = connection.send(bytes, io_timeout);
    if (auto* error = std::get_if<TransportError>(&sent)) {
        throw std::runtime_error("send: " + error->message);
    }
}

std::string tf_message(Connection& connection) {
    return value_or_fail(connection.receive_tf(io_timeout), "receive a TF message");
}

Frame frame(Connection& connection) {
    auto result = connection.receive_frame(io_timeout);
    if (auto* error = std::get_if<TransportError>(&result)) {
        throw std::runtime_error("receive a frame: " + error->message);
    }
    if (auto* error = std::get_if<protocol::ProtocolError>(&result)) {
        throw std::runtime_error("receive a frame: " + error->reason);
    }
    return std::get<Frame>(std::move(result));
}

Frame status(Opcode opcode, std::int32_t sz) {
    return Frame{Header{protocol::raw(opcode), sz}, {}};
}

// A plain client connected to the listener, and the listener's side of it.
struct PlainPair {
    std::unique_ptr<Connection> client;
    std::unique_ptr<Connection> server;
};

PlainPair plain_pair(ClientListener& listener) {
    // The kernel completes the TCP handshake from the backlog: connect first, then accept.
    PlainPair pair;
    pair.client = value_or_fail(
        harness::PlainConnection::connect("127.0.0.1", listener.port(), io_timeout), "connect");
    pair.server = accept(listener);
    return pair;
}

// ---- plain ----

TEST(ClientListenerPlain, AcceptsAClientWithinTheDeadlineAndSaysWhereItListens) {
    auto listener = open_listener();
    ASSERT_NE(listener->port(), 0);
    EXPECT_EQ(listener->describe(),
              "plain, the harness as server on 127.0.0.1:" + std::to_string(listener->port()));
    auto pair = plain_pair(*listener);
    EXPECT_EQ(pair.server->buffered(), 0u);
}

TEST(ClientListenerPlain, TimesOutWhenNobodyConnects) {
    auto listener = open_listener();
    const auto started = steady::now();
    auto result = listener->connect(short_timeout);
    const auto took = steady::now() - started;
    ASSERT_TRUE(std::holds_alternative<TransportError>(result));
    const auto& error = std::get<TransportError>(result);
    EXPECT_EQ(error.kind, TransportError::Kind::timeout) << error.message;
    EXPECT_EQ(error.message, "the client did not connect within 300 ms");
    EXPECT_GE(took, short_timeout);
    EXPECT_LT(took, io_timeout);
    // The listener still works after a timeout: the next client is accepted.
    plain_pair(*listener);
}

TEST(ClientListenerPlain, ReadsATfCommandThenTheClientsFrames) {
    auto listener = open_listener();
    auto [client, server] = plain_pair(*listener);
    send(*client, protocol::encode_tf_message(protocol::tf_xsime_start));
    EXPECT_EQ(tf_message(*server), protocol::tf_xsime_start);
    send(*server, protocol::encode_tf_message(protocol::tf_ok));
    EXPECT_EQ(tf_message(*client), protocol::tf_ok);

    // Client frames, decoded as a client sends them: opcode 4's 8-byte body whatever its sz.
    send(*client, protocol::encode_setup(3, 1'700'000'000) + protocol::encode_org_unit("/acme") +
                      protocol::encode_user("alice"));
    const auto setup = frame(*server);
    EXPECT_EQ(setup.header, (Header{protocol::raw(Opcode::setup), 3}));
    const auto timestamp = protocol::parse_u64_body(setup.payload);
    ASSERT_TRUE(std::holds_alternative<std::uint64_t>(timestamp));
    EXPECT_EQ(std::get<std::uint64_t>(timestamp), 1'700'000'000u);
    EXPECT_EQ(frame(*server).payload, "/acme");
    EXPECT_EQ(frame(*server).payload, "alice");
    EXPECT_EQ(server->buffered(), 0u);
}

TEST(ClientListenerPlain, APushAndStatusRepliesReachTheClient) {
    auto listener = open_listener();
    auto [client, server] = plain_pair(*listener);
    send(*server, protocol::encode_status(Opcode::org_unit, true) +
                      protocol::encode_status(Opcode::user, false) +
                      protocol::encode_push(protocol::format_push_payload(7, "bob", "hi: there")));
    EXPECT_EQ(frame(*client), status(Opcode::org_unit, 0));
    EXPECT_EQ(frame(*client), status(Opcode::user, -1));
    const auto push = protocol::parse_push(frame(*client).payload);
    ASSERT_TRUE(std::holds_alternative<protocol::Push>(push));
    EXPECT_EQ(std::get<protocol::Push>(push), (protocol::Push{7, "bob", "hi: there"}));
}

TEST(ClientListenerPlain, SplitWritesAreReassembledBothWays) {
    auto listener = open_listener();
    auto [client, server] = plain_pair(*listener);
    const auto user = protocol::encode_user("a-rather-long-user-name");
    for (const auto part :
         {std::string_view(user).substr(0, 2), std::string_view(user).substr(2, 6),
          std::string_view(user).substr(8)}) {
        send(*client, part);
    }
    EXPECT_EQ(frame(*server).payload, "a-rather-long-user-name");

    const auto push = protocol::encode_push(protocol::format_push_payload(1, "carol", "split"));
    send(*server, std::string_view(push).substr(0, 3));
    send(*server, std::string_view(push).substr(3));
    EXPECT_EQ(frame(*client).payload, "1:carol:split");
}

TEST(ClientListenerPlain, WaitClosedSeesTheClientCloseAndNothingElse) {
    auto listener = open_listener();
    auto [client, server] = plain_pair(*listener);
    EXPECT_FALSE(server->wait_closed(short_timeout)) << "the client is still connected";
    send(*client, protocol::encode_exit());
    EXPECT_FALSE(server->wait_closed(io_timeout)) << "bytes came, not a close";
    EXPECT_EQ(frame(*server).header, (Header{protocol::raw(Opcode::exit), 0}));
    client->close();
    EXPECT_TRUE(server->wait_closed(io_timeout));
}

// ---- tf ----

const TfServerRole& role() {
    static const auto shared = ClientListener::make_tf_server_role();
    return *shared;
}

harness::TfSettings client_settings(const TfServerRole& as = role()) {
    return harness::TfSettings{as.public_key_pem, as.hash, as.protocol_version};
}

using ClientResult = std::variant<std::unique_ptr<harness::TfConnection>, TransportError>;

// The client's handshake runs on its own thread while the listener accepts on this one.
struct TfAttempt {
    std::variant<std::unique_ptr<Connection>, TransportError> server;
    ClientResult client;
};

TfAttempt tf_attempt(ClientListener& listener, const harness::TfSettings& settings) {
    auto client = std::async(std::launch::async, [&] {
        return harness::TfConnection::connect("127.0.0.1", listener.port(), settings, io_timeout);
    });
    auto server = listener.connect(io_timeout);
    return TfAttempt{std::move(server), client.get()};
}

TEST(ClientListenerTf, MakeTfServerRoleIsMadeOnceAndShared) {
    const auto first = ClientListener::make_tf_server_role();
    EXPECT_EQ(first, ClientListener::make_tf_server_role());
    EXPECT_NE(first->public_key_pem.find("BEGIN PUBLIC KEY"), std::string::npos);
    EXPECT_EQ(first->hash.size(), 32u);
    EXPECT_EQ(first->protocol_version, "0.0");
}

TEST(ClientListenerTf, HandshakeThenStartAndFramesBothWaysCiphered) {
    auto listener = open_listener(role());
    EXPECT_EQ(listener->describe(),
              "tf, the harness as server on 127.0.0.1:" + std::to_string(listener->port()));
    auto attempt = tf_attempt(*listener, client_settings());
    auto server = value_or_fail(std::move(attempt.server), "accept over tf");
    std::unique_ptr<Connection> client = value_or_fail(std::move(attempt.client), "connect");

    // XSIME_START and the login frames in one write; OK and the replies in one write: the
    // cipher cuts change inside each write, on both sides.
    send(*client, protocol::encode_tf_message(protocol::tf_xsime_start) +
                      protocol::encode_setup(0, 0) + protocol::encode_org_unit("/acme") +
                      protocol::encode_user("alice"));
    EXPECT_EQ(tf_message(*server), protocol::tf_xsime_start);
    send(*server, protocol::encode_tf_message(protocol::tf_ok) +
                      protocol::encode_status(Opcode::org_unit, true) +
                      protocol::encode_status(Opcode::user, true));
    EXPECT_EQ(tf_message(*client), protocol::tf_ok);
    EXPECT_EQ(frame(*server).header, (Header{protocol::raw(Opcode::setup), 0}));
    EXPECT_EQ(frame(*server).payload, "/acme");
    EXPECT_EQ(frame(*server).payload, "alice");
    EXPECT_EQ(frame(*client), status(Opcode::org_unit, 0));
    EXPECT_EQ(frame(*client), status(Opcode::user, 0));

    // A push split across two writes, a send split across three.
    const auto push = protocol::encode_push(protocol::format_push_payload(9, "bob", "ciphered"));
    send(*server, std::string_view(push).substr(0, 7));
    send(*server, std::string_view(push).substr(7));
    EXPECT_EQ(frame(*client).payload, "9:bob:ciphered");
    const std::vector<std::string> to = {"bob"};
    const auto sent = protocol::encode_send(to, "back");
    send(*client, std::string_view(sent).substr(0, 3));
    send(*client, std::string_view(sent).substr(3, 4));
    send(*client, std::string_view(sent).substr(7));
    EXPECT_EQ(frame(*server).payload, "bob: back");

    // Opcode 0 and its echo return both sides to TF commands.
    send(*client, protocol::encode_exit());
    EXPECT_EQ(frame(*server).header, (Header{protocol::raw(Opcode::exit), 0}));
    send(*server, protocol::encode_exit_echo());
    EXPECT_EQ(frame(*client).header, (Header{protocol::raw(Opcode::exit), 0}));
    send(*client, protocol::encode_tf_message("NO_SUCH_COMMAND"));
    EXPECT_EQ(tf_message(*server), "NO_SUCH_COMMAND");
    send(*server, protocol::encode_tf_message(protocol::tf_unknown));
    EXPECT_EQ(tf_message(*client), protocol::tf_unknown);

    client->close();
    EXPECT_TRUE(server->wait_closed(io_timeout));
}

// A refused handshake: the listener's error names the step and quotes what the client sent,
// and the client got the FAILED reply.
void expect_refused(const harness::TfSettings& settings, std::string_view step,
                    std::string_view client_sent, std::string_view client_got) {
    auto listener = open_listener(role());
    auto attempt = tf_attempt(*listener, settings);
    ASSERT_TRUE(std::holds_alternative<TransportError>(attempt.server)) << "accepted";
    const auto& error = std::get<TransportError>(attempt.server);
    EXPECT_EQ(error.kind, TransportError::Kind::handshake) << error.message;
    EXPECT_NE(error.message.find(step), std::string::npos) << error.message;
    EXPECT_NE(error.message.find(client_sent), std::string::npos) << error.message;
    ASSERT_TRUE(std::holds_alternative<TransportError>(attempt.client)) << "the client got in";
    const auto& client_error = std::get<TransportError>(attempt.client);
    EXPECT_NE(client_error.message.find(client_got), std::string::npos) << client_error.message;
}

TEST(ClientListenerTf, WrongVersionIsRefusedAtStep1) {
    auto settings = client_settings();
    settings.protocol_version = "9.9";
    expect_refused(settings, "step 1 (protocol version)", "'9.9'", "FAILED protocol version");
}

TEST(ClientListenerTf, KeyEncryptedForAnotherPublicKeyIsRefusedAtStep2) {
    auto other = protocol::generate_tf_key_pair();
    ASSERT_TRUE(std::holds_alternative<protocol::TfKeyPair>(other));
    auto settings = client_settings();
    settings.public_key_pem = std::get<protocol::TfKeyPair>(other).public_pem;
    expect_refused(settings, "step 2 (session key", "(256 bytes)",
                   "FAILED the session key cannot be decrypted");
}

TEST(ClientListenerTf, WrongHashIsRefusedAtStep3) {
    auto settings = client_settings();
    settings.hash = "not-the-hash";
    expect_refused(settings, "step 3 (hash, ciphered)", "'not-the-hash'", "FAILED wrong hash");
}

TEST(ClientListenerTf, ASilentClientTimesOutInTheHandshake) {
    auto listener = open_listener(role());
    auto client = value_or_fail(
        harness::PlainConnection::connect("127.0.0.1", listener->port(), io_timeout), "connect");
    const auto started = steady::now();
    auto result = listener->connect(short_timeout);
    EXPECT_LT(steady::now() - started, io_timeout);
    ASSERT_TRUE(std::holds_alternative<TransportError>(result));
    const auto& error = std::get<TransportError>(result);
    EXPECT_EQ(error.kind, TransportError::Kind::handshake) << error.message;
    EXPECT_NE(error.message.find("step 1"), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("timed out"), std::string::npos) << error.message;
}

} // namespace
} // namespace xsime::test
