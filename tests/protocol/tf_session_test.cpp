// Tests of TfSession: a client session and a server session from one session key, wired to each
// other in memory, so both directions' cipher cuts and the module's entry and exit are checked
// without sockets.
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_framing.hpp"
#include "protocol/tf_session.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace xsime::protocol {
namespace {

using Layer = TfCallSplitter::Layer;
using Side = TfSession::Side;

std::string session_key() {
    std::string key;
    for (int i = 0; i < 24; ++i) {
        key.push_back(static_cast<char>(i * 53 + 7));
    }
    return key;
}

TfSession make(Side side) {
    return TfSession(side, TfCipher(session_key()), TfCipherReceiver(TfCipher(session_key())));
}

std::string tf_body(TfSession& session) {
    auto result = session.next_tf_message();
    if (auto* body = std::get_if<std::string>(&result)) {
        return *body;
    }
    ADD_FAILURE() << "no whole TF message";
    return {};
}

Frame frame(TfSession& session) {
    auto result = session.next_frame();
    if (auto* frame = std::get_if<Frame>(&result)) {
        return *frame;
    }
    ADD_FAILURE() << "no whole frame";
    return {};
}

class TfSessionTest : public ::testing::Test {
protected:
    void client_writes(std::string_view plain) { server_.feed(client_.pack(plain)); }
    void server_writes(std::string_view plain) { client_.feed(server_.pack(plain)); }

    TfSession client_ = make(Side::client);
    TfSession server_ = make(Side::server);
};

TEST_F(TfSessionTest, StartAnsweredOkEntersTheModuleInsideOneWriteOnBothSides) {
    client_writes(encode_tf_message(tf_xsime_start) + encode_setup(1, 2) +
                  encode_org_unit("/acme"));
    EXPECT_EQ(tf_body(server_), tf_xsime_start);
    EXPECT_EQ(server_.writing_layer(), Layer::tf) << "not before the OK is written";
    EXPECT_EQ(frame(server_).header, (Header{raw(Opcode::setup), 1}));
    EXPECT_EQ(frame(server_).payload, "/acme");

    server_writes(encode_tf_message(tf_ok) + encode_status(Opcode::org_unit, true));
    EXPECT_EQ(server_.writing_layer(), Layer::xsime);
    EXPECT_EQ(tf_body(client_), tf_ok);
    EXPECT_EQ(frame(client_), (Frame{Header{raw(Opcode::org_unit), 0}, {}}));
    EXPECT_EQ(client_.buffered(), 0u);
    EXPECT_EQ(server_.buffered(), 0u);
}

TEST_F(TfSessionTest, RefusedStartKeepsBothSidesAtTheTfLevel) {
    client_writes(encode_tf_message(tf_xsime_start));
    EXPECT_EQ(tf_body(server_), tf_xsime_start);
    server_writes(encode_tf_message("FAILED not now"));
    EXPECT_EQ(server_.writing_layer(), Layer::tf);
    EXPECT_EQ(tf_body(client_), "FAILED not now");
    EXPECT_EQ(client_.writing_layer(), Layer::tf);
    // A command after the refusal is cut as a TF message again, so the server reads it.
    client_writes(encode_tf_message("DATE"));
    EXPECT_EQ(tf_body(server_), "DATE");
}

TEST_F(TfSessionTest, TheCallerSplitDoesNotChangeTheWire) {
    client_writes(encode_tf_message(tf_xsime_start));
    EXPECT_EQ(tf_body(server_), tf_xsime_start);
    auto other = make(Side::server);
    other.feed(make(Side::client).pack(encode_tf_message(tf_xsime_start)));
    EXPECT_EQ(tf_body(other), tf_xsime_start);

    const auto plain = encode_tf_message(tf_ok) + encode_push(format_push_payload(5, "bob", "hi"));
    const auto whole = server_.pack(plain);
    std::string dripped;
    for (const char c : plain) {
        dripped += other.pack(std::string_view(&c, 1));
    }
    EXPECT_EQ(dripped, whole);
    client_.feed(whole);
    EXPECT_EQ(tf_body(client_), tf_ok);
    EXPECT_EQ(frame(client_).payload, "5:bob:hi");
}

TEST_F(TfSessionTest, ExitAndItsEchoReturnBothSidesToTfCommands) {
    client_writes(encode_tf_message(tf_xsime_start));
    EXPECT_EQ(tf_body(server_), tf_xsime_start);
    server_writes(encode_tf_message(tf_ok));
    EXPECT_EQ(tf_body(client_), tf_ok);

    client_writes(encode_exit());
    EXPECT_EQ(client_.writing_layer(), Layer::tf);
    EXPECT_EQ(frame(server_).header, (Header{raw(Opcode::exit), 0}));
    server_writes(encode_exit_echo() + encode_tf_message(tf_unknown));
    EXPECT_EQ(server_.writing_layer(), Layer::tf);
    EXPECT_EQ(frame(client_).header, (Header{raw(Opcode::exit), 0}));
    EXPECT_EQ(tf_body(client_), tf_unknown);
}

TEST_F(TfSessionTest, AFrameIsNotReadBeforeItsCallsHaveAllArrived) {
    client_writes(encode_tf_message(tf_xsime_start));
    EXPECT_EQ(tf_body(server_), tf_xsime_start);
    const auto wire = client_.pack(encode_user("alice"));
    server_.feed(std::string_view(wire).substr(0, 7));
    EXPECT_TRUE(std::holds_alternative<NeedMore>(server_.next_frame()));
    server_.feed(std::string_view(wire).substr(7));
    EXPECT_EQ(frame(server_).payload, "alice");
}

} // namespace
} // namespace xsime::protocol
