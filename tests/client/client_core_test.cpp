// The reference client's core with no I/O: the exact bytes of every command, the events for
// what a server (or a hostile peer) sends, local refusals, and re-entry into the module.
#include "client/client_core.hpp"
#include "protocol/messages.hpp"
#include "protocol/tf_framing.hpp"
#include "tests/client/hex_text.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace xsime::client {
namespace {

using test::hex;
using test::unhex;

CommandDone ok(std::uint64_t id, Command command) {
    return CommandDone{id, command, true, {}};
}

bool failed(const CoreOutput& out, std::uint64_t id) {
    if (out.events.size() != 1) {
        return false;
    }
    const auto* done = std::get_if<CommandDone>(&out.events[0]);
    return done != nullptr && done->id == id && !done->ok && !done->reason.empty();
}

const ErrorEvent* error_of(const CoreOutput& out, std::size_t at = 0) {
    return at < out.events.size() ? std::get_if<ErrorEvent>(&out.events[at]) : nullptr;
}

// A core in the module, set up, in org unit "ime" as user "bob".
ClientCore logged_in(ClientFaults faults = {}) {
    ClientCore core(faults);
    core.start(1);
    core.receive(protocol::encode_tf_message("OK"));
    core.setup(2, false, false, 0);
    core.org_unit(3, "ime");
    core.receive(unhex("0100000000"));
    core.user(4, "bob");
    core.receive(unhex("0200000000"));
    return core;
}

TEST(ClientCoreTest, StartIsATfMessageAndItsOkEntersTheModule) {
    ClientCore core;
    auto out = core.start(1);
    EXPECT_EQ(hex(out.wire), "0000000b" + hex("XSIME_START"));
    EXPECT_TRUE(out.events.empty());
    EXPECT_TRUE(core.busy());
    out = core.receive(protocol::encode_tf_message("OK"));
    EXPECT_EQ(out.events, (std::vector<ClientEvent>{ok(1, Command::start)}));
    EXPECT_EQ(core.level(), ClientCore::Level::xsime);
    EXPECT_FALSE(core.busy());
}

TEST(ClientCoreTest, AStartRefusalIsFailedWithTheServersTextAndStaysAtTheTfLevel) {
    ClientCore core;
    core.start(1);
    auto out = core.receive(protocol::encode_tf_message("FAILED 1: Thread allocation failed."));
    ASSERT_TRUE(failed(out, 1));
    EXPECT_NE(std::get<CommandDone>(out.events[0]).reason.find("FAILED 1"), std::string::npos);
    EXPECT_EQ(core.level(), ClientCore::Level::tf);
    EXPECT_EQ(hex(core.start(2).wire), "0000000b" + hex("XSIME_START")); // may try again
}

TEST(ClientCoreTest, TheBytesOfEveryModuleCommand) {
    ClientCore core;
    core.start(1);
    core.receive(protocol::encode_tf_message("OK"));
    auto out = core.setup(2, true, true, 0x0102030405060708);
    EXPECT_EQ(hex(out.wire), "0400000003"
                             "0102030405060708");
    EXPECT_EQ(out.events, (std::vector<ClientEvent>{ok(2, Command::setup)}));
    EXPECT_EQ(hex(core.setup(3, false, true, 0).wire), "0400000002"
                                                       "0000000000000000");
    EXPECT_EQ(hex(core.setup(4, true, false, 0).wire), "0400000001"
                                                       "0000000000000000");

    out = core.org_unit(5, "ime");
    EXPECT_EQ(hex(out.wire), "0100000003" + hex("ime"));
    EXPECT_TRUE(out.events.empty()); // it waits for the status
    EXPECT_EQ(core.receive(unhex("0100000000")).events,
              (std::vector<ClientEvent>{ok(5, Command::org_unit)}));

    out = core.user(6, "bob");
    EXPECT_EQ(hex(out.wire), "0200000003" + hex("bob"));
    EXPECT_EQ(core.receive(unhex("0200000000")).events,
              (std::vector<ClientEvent>{ok(6, Command::user)}));

    // sz counts bytes: "héllo" is 5 characters and 6 bytes, the payload 19 bytes.
    const std::vector<std::string> to{"alice", "carol"};
    out = core.send(7, to, "h\xc3\xa9llo");
    EXPECT_EQ(hex(out.wire), "0500000013" + hex("alice:carol: h\xc3\xa9llo"));
    EXPECT_EQ(out.events, (std::vector<ClientEvent>{ok(7, Command::send)}));

    out = core.interval(8, 25'000'000);
    EXPECT_EQ(hex(out.wire), "0700000008"
                             "00000000017d7840");
    EXPECT_EQ(out.events, (std::vector<ClientEvent>{ok(8, Command::interval)}));

    out = core.exit(9);
    EXPECT_EQ(hex(out.wire), "0000000000");
    EXPECT_TRUE(out.events.empty()); // it waits for the echo
}

TEST(ClientCoreTest, ExitIsOkOnlyAtTheEchoAndPushesBeforeItComeFirst) {
    auto core = logged_in();
    core.exit(9);
    const auto late = protocol::encode_push("1700000001:carol:late");
    auto out = core.receive(late + unhex("0000000000"));
    ASSERT_EQ(out.events.size(), 2u);
    EXPECT_EQ(out.events[0], ClientEvent(MessageEvent{1700000001, "carol", "late"}));
    EXPECT_EQ(out.events[1], ClientEvent(ok(9, Command::exit)));
    EXPECT_EQ(core.level(), ClientCore::Level::tf);
}

TEST(ClientCoreTest, ReentryNeedsNoNewLoginAndBytesBehindTheEchoAreTfMessages) {
    auto core = logged_in();
    core.exit(9);
    auto out = core.receive(unhex("0000000000"));
    EXPECT_EQ(out.events, (std::vector<ClientEvent>{ok(9, Command::exit)}));
    EXPECT_TRUE(failed(core.send(10, std::vector<std::string>{"a"}, "x"), 10)); // at TF level
    core.start(11);
    out = core.receive(protocol::encode_tf_message("OK"));
    EXPECT_EQ(out.events, (std::vector<ClientEvent>{ok(11, Command::start)}));
    out = core.send(12, std::vector<std::string>{"alice"}, "again");
    EXPECT_EQ(hex(out.wire), "050000000c" + hex("alice: again"));

    core.exit(13);
    out = core.receive(unhex("0000000000") + protocol::encode_tf_message("UNKNOWN"));
    ASSERT_EQ(out.events.size(), 2u);
    EXPECT_EQ(out.events[0], ClientEvent(ok(13, Command::exit)));
    ASSERT_NE(error_of(out, 1), nullptr); // a TF message nobody asked for
}

TEST(ClientCoreTest, AHeaderSplitAcrossFeedsIsOnePushAtTheEnd) {
    auto core = logged_in();
    const auto push = protocol::encode_push("1700000000:alice:hi:)");
    for (std::size_t i = 0; i + 1 < push.size(); ++i) {
        EXPECT_TRUE(core.receive(push.substr(i, 1)).events.empty()) << "after byte " << i;
    }
    EXPECT_EQ(core.receive(push.substr(push.size() - 1)).events,
              (std::vector<ClientEvent>{MessageEvent{1700000000, "alice", "hi:)"}}));
}

TEST(ClientCoreTest, TwoPushesInOneFeedAreTwoMessagesInOrder) {
    auto core = logged_in();
    auto out =
        core.receive(protocol::encode_push("1:alice:one") + protocol::encode_push("2:carol:two"));
    EXPECT_EQ(out.events, (std::vector<ClientEvent>{MessageEvent{1, "alice", "one"},
                                                    MessageEvent{2, "carol", "two"}}));
}

TEST(ClientCoreTest, TextKeepsItsColonsAndItsBytes) {
    auto core = logged_in();
    auto out = core.receive(protocol::encode_push("1700000000:alice:a:b: \xff\xfe\xc3\xa9"));
    EXPECT_EQ(out.events, (std::vector<ClientEvent>{
                              MessageEvent{1700000000, "alice", "a:b: \xff\xfe\xc3\xa9"}}));
}

TEST(ClientCoreTest, SzMinusOneIsARefusedSend) {
    auto core = logged_in();
    EXPECT_EQ(core.receive(unhex("05ffffffff")).events, std::vector<ClientEvent>{SendRefused{}});
    EXPECT_FALSE(core.closed());
}

TEST(ClientCoreTest, APushOverTheBufferIsAnErrorAndTheClientCloses) {
    auto core = logged_in();
    auto out = core.receive(unhex("0500004001") + std::string(100, 'x')); // sz 16385
    ASSERT_EQ(out.events.size(), 1u);
    ASSERT_NE(error_of(out), nullptr);
    EXPECT_TRUE(out.close);
    EXPECT_TRUE(core.closed());
    EXPECT_TRUE(core.receive(protocol::encode_push("1:a:b")).events.empty());
}

TEST(ClientCoreTest, ANegativeSzOtherThanMinusOneIsFatal) {
    auto core = logged_in();
    auto out = core.receive(unhex("05fffffffe"));
    ASSERT_NE(error_of(out), nullptr);
    EXPECT_TRUE(out.close);
}

TEST(ClientCoreTest, AnEchoWithAPayloadIsFatal) {
    auto core = logged_in();
    core.exit(9);
    auto out = core.receive(unhex("0000000003") + "abc");
    ASSERT_EQ(out.events.size(), 1u);
    ASSERT_NE(error_of(out), nullptr);
    EXPECT_TRUE(out.close);
}

TEST(ClientCoreTest, AnUnknownOpcodeIsAnErrorAndItsPayloadIsSkipped) {
    auto core = logged_in();
    auto out = core.receive(unhex("0900000003") + "abc" + protocol::encode_push("5:alice:after"));
    ASSERT_EQ(out.events.size(), 2u);
    ASSERT_NE(error_of(out), nullptr);
    EXPECT_EQ(out.events[1], ClientEvent(MessageEvent{5, "alice", "after"}));
    EXPECT_FALSE(out.close);
}

TEST(ClientCoreTest, MalformedPushesAreErrorsNeverMessages) {
    for (const std::string payload : {"abc:alice:hi", "1700000000", "1700000000:alice",
                                      "1700000000::hi", ":alice:hi", "-1:alice:hi"}) {
        auto core = logged_in();
        auto out = core.receive(protocol::encode_push(payload));
        ASSERT_EQ(out.events.size(), 1u) << payload;
        EXPECT_NE(error_of(out), nullptr) << payload;
        EXPECT_FALSE(out.close) << payload;
    }
}

TEST(ClientCoreTest, StatusesAndEchoesNobodyAwaitsAreErrors) {
    auto core = logged_in();
    EXPECT_NE(error_of(core.receive(unhex("0100000000"))), nullptr);
    auto out = core.receive(unhex("0000000000")); // an echo with no exit sent
    EXPECT_NE(error_of(out), nullptr);
    EXPECT_EQ(core.level(), ClientCore::Level::tf);
}

TEST(ClientCoreTest, RefusalsAndOtherStatuses) {
    ClientCore core;
    core.start(1);
    core.receive(protocol::encode_tf_message("OK"));
    core.setup(2, false, false, 0);
    core.org_unit(3, "nowhere");
    EXPECT_TRUE(failed(core.receive(unhex("01ffffffff")), 3));
    EXPECT_TRUE(failed(core.user(4, "bob"), 4)); // the org unit was refused
    core.org_unit(5, "ime");
    core.receive(unhex("0100000000"));
    core.user(6, "bob");
    EXPECT_TRUE(failed(core.receive(unhex("0200000007")), 6)); // neither 0 nor -1
}

TEST(ClientCoreTest, CommandsOutOfOrderAreRefusedAndSendNothing) {
    ClientCore core;
    auto expect_refused = [](CoreOutput out, std::uint64_t id) {
        EXPECT_TRUE(out.wire.empty()) << id;
        EXPECT_TRUE(failed(out, id)) << id;
    };
    const std::vector<std::string> to{"alice"};
    expect_refused(core.setup(1, false, false, 0), 1); // not in the module
    expect_refused(core.exit(2), 2);
    core.start(3);
    expect_refused(core.start(4), 4); // the first awaits its reply
    core.receive(protocol::encode_tf_message("OK"));
    expect_refused(core.start(5), 5);           // already in
    expect_refused(core.org_unit(6, "ime"), 6); // before setup
    core.setup(7, false, false, 0);
    expect_refused(core.user(8, "bob"), 8); // before org_unit
    core.org_unit(9, "ime");
    expect_refused(core.user(10, "bob"), 10); // org_unit awaits its status
    core.receive(unhex("0100000000"));
    expect_refused(core.send(11, to, "x"), 11); // before user
    expect_refused(core.interval(12, 1), 12);
    EXPECT_FALSE(core.exit(13).wire.empty()); // leaving is always possible
}

TEST(ClientCoreTest, TheLimitsAreRefusedLocally) {
    auto core = logged_in();
    // The user name: 128 bytes are allowed, 129 are not (checked before any status).
    ClientCore fresh;
    fresh.start(1);
    fresh.receive(protocol::encode_tf_message("OK"));
    fresh.setup(2, false, false, 0);
    fresh.org_unit(3, "ime");
    fresh.receive(unhex("0100000000"));
    auto out = fresh.user(4, std::string(129, 'u'));
    EXPECT_TRUE(out.wire.empty());
    EXPECT_TRUE(failed(out, 4));
    EXPECT_EQ(fresh.user(5, std::string(128, 'u')).wire.size(), 5u + 128u);

    // The send payload "alice: " plus the text: 16384 bytes are allowed, 16385 are not.
    const std::vector<std::string> to{"alice"};
    out = core.send(6, to, std::string(16384 - 7 + 1, 't'));
    EXPECT_TRUE(out.wire.empty());
    EXPECT_TRUE(failed(out, 6));
    out = core.send(7, to, std::string(16384 - 7, 't'));
    EXPECT_EQ(hex(out.wire.substr(0, 5)), "0500004000");
    EXPECT_TRUE(failed(core.send(8, std::vector<std::string>{"a:b"}, "x"), 8));
}

TEST(ClientCoreTest, UnitsFromATfSessionGoThroughTheSameChecks) {
    ClientCore core;
    core.start(1);
    EXPECT_FALSE(core.reading_frames());
    EXPECT_EQ(core.receive_tf_message(std::string("OK")).events,
              (std::vector<ClientEvent>{ok(1, Command::start)}));
    EXPECT_TRUE(core.reading_frames());
    auto out = core.receive_frame(protocol::Frame{{5, 8}, "1:a:text"});
    EXPECT_EQ(out.events, (std::vector<ClientEvent>{MessageEvent{1, "a", "text"}}));
    out = core.receive_tf_message(protocol::TfError{"length 99999999"});
    EXPECT_TRUE(out.close);
}

TEST(ClientCoreTest, AReplyAfterTheCommandWasAbandonedIsUnexpected) {
    ClientCore core;
    core.start(1);
    core.receive(protocol::encode_tf_message("OK"));
    core.setup(2, false, false, 0);
    core.org_unit(3, "ime");
    ASSERT_TRUE(core.abandon_pending().has_value());
    EXPECT_NE(error_of(core.receive(unhex("0100000000"))), nullptr);
}

} // namespace
} // namespace xsime::client
