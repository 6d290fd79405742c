// Each deliberate defect of the reference client changes the bytes or the events the way its
// table entry says, and only when it is on; the table names clauses that exist.
#include "client/client_core.hpp"
#include "client/client_faults.hpp"
#include "protocol/messages.hpp"
#include "protocol/tf_framing.hpp"
#include "tests/client/hex_text.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace xsime::client {
namespace {

using test::hex;

ClientFaults with(ClientFault fault) {
    ClientFaults faults;
    faults.enable(fault);
    return faults;
}

ClientCore in_module(ClientFaults faults) {
    ClientCore core(faults);
    core.start(1);
    core.receive(protocol::encode_tf_message("OK"));
    return core;
}

// In the module, set up, "ime", "bob"; the statuses are answered whatever bytes were sent.
ClientCore logged_in(ClientFaults faults) {
    auto core = in_module(faults);
    core.setup(2, false, false, 0);
    core.org_unit(3, "ime");
    core.receive(std::string("\x01\0\0\0\0", 5));
    core.user(4, "bob");
    core.receive(std::string("\x02\0\0\0\0", 5));
    return core;
}

const std::vector<std::string> to{"alice", "carol"};

TEST(ClientFaultsTest, OffByDefault) {
    EXPECT_FALSE(ClientFaults{}.any());
    EXPECT_FALSE(ClientFaults{}.rewrites_headers());
    EXPECT_TRUE(with(ClientFault::ascii_opcodes).rewrites_headers());
    EXPECT_FALSE(with(ClientFault::send_no_space).rewrites_headers());
}

TEST(ClientFaultsTest, SzCountsCharacters) {
    auto right = logged_in({});
    auto wrong = logged_in(with(ClientFault::sz_counts_characters));
    EXPECT_EQ(hex(right.send(5, to, "h\xc3\xa9llo").wire.substr(0, 5)), "0500000013");
    EXPECT_EQ(hex(wrong.send(5, to, "h\xc3\xa9llo").wire.substr(0, 5)), "0500000012");
    auto fresh = in_module(with(ClientFault::sz_counts_characters));
    fresh.setup(2, false, false, 0);
    EXPECT_EQ(hex(fresh.org_unit(3, "\xc3\xa9t\xc3\xa9").wire),
              "0100000003" + hex("\xc3\xa9t\xc3\xa9"));
}

TEST(ClientFaultsTest, SzLittleEndian) {
    auto core = in_module(with(ClientFault::sz_little_endian));
    EXPECT_EQ(hex(core.setup(2, true, true, 7).wire), "0403000000"
                                                      "0000000000000007");
    EXPECT_EQ(hex(core.org_unit(3, "ime").wire), "0103000000" + hex("ime"));
}

TEST(ClientFaultsTest, SetupSkipped) {
    auto core = in_module(with(ClientFault::setup_skipped));
    auto out = core.setup(2, false, false, 0);
    EXPECT_TRUE(out.wire.empty());
    EXPECT_EQ(out.events, (std::vector<ClientEvent>{CommandDone{2, Command::setup, true, {}}}));
    // So opcode 1 goes out first.
    EXPECT_EQ(hex(core.org_unit(3, "ime").wire), "0100000003" + hex("ime"));
}

TEST(ClientFaultsTest, ExitNoWait) {
    auto core = logged_in(with(ClientFault::exit_no_wait));
    auto out = core.exit(5);
    EXPECT_EQ(hex(out.wire), "0000000000");
    EXPECT_EQ(out.events, (std::vector<ClientEvent>{CommandDone{5, Command::exit, true, {}}}));
    // The push between opcode 0 and the echo is lost; the echo still returns to the TF level.
    out = core.receive(protocol::encode_push("1:carol:late") + std::string(5, '\0'));
    EXPECT_TRUE(out.events.empty());
    EXPECT_EQ(core.level(), ClientCore::Level::tf);
}

TEST(ClientFaultsTest, PushSplitLastColon) {
    const auto push = protocol::encode_push("1700000000:alice:see: this");
    EXPECT_EQ(logged_in({}).receive(push).events,
              (std::vector<ClientEvent>{MessageEvent{1700000000, "alice", "see: this"}}));
    EXPECT_EQ(logged_in(with(ClientFault::push_split_last_colon)).receive(push).events,
              (std::vector<ClientEvent>{MessageEvent{1700000000, "alice:see", " this"}}));
}

TEST(ClientFaultsTest, PushTrustsSz) {
    const std::string big = "1:alice:" + std::string(16385 - 8, 'x');
    std::string frame("\x05\x00\x00\x40\x01", 5);
    auto right = logged_in({});
    EXPECT_TRUE(right.receive(frame + big).close);

    auto wrong = logged_in(with(ClientFault::push_trusts_sz));
    // Fed in two pieces: the faulty client waits for all 16385 bytes.
    EXPECT_TRUE(wrong.receive(frame + big.substr(0, 1000)).events.empty());
    auto out = wrong.receive(big.substr(1000) + protocol::encode_push("2:bob:next"));
    ASSERT_EQ(out.events.size(), 2u);
    const auto* message = std::get_if<MessageEvent>(&out.events[0]);
    ASSERT_NE(message, nullptr);
    EXPECT_EQ(message->text.size(), 16385u - 8u);
    EXPECT_EQ(out.events[1], ClientEvent(MessageEvent{2, "bob", "next"}));
    EXPECT_FALSE(out.close);
    // sz -2: an empty message instead of an error.
    out = wrong.receive(std::string("\x05\xff\xff\xff\xfe", 5));
    EXPECT_EQ(out.events, std::vector<ClientEvent>{MessageEvent{}});
}

TEST(ClientFaultsTest, SendNoSpace) {
    auto core = logged_in(with(ClientFault::send_no_space));
    EXPECT_EQ(hex(core.send(5, to, "hi").wire), "050000000e" + hex("alice:carol:hi"));
}

TEST(ClientFaultsTest, LongUserSent) {
    for (const bool faulty : {false, true}) {
        auto core = in_module(faulty ? with(ClientFault::long_user_sent) : ClientFaults{});
        core.setup(2, false, false, 0);
        core.org_unit(3, "ime");
        core.receive(std::string("\x01\0\0\0\0", 5));
        const auto out = core.user(4, std::string(129, 'u'));
        EXPECT_EQ(out.wire.size(), faulty ? 5u + 129u : 0u);
    }
}

TEST(ClientFaultsTest, AsciiOpcodes) {
    auto core = in_module(with(ClientFault::ascii_opcodes));
    EXPECT_EQ(hex(core.setup(2, false, false, 0).wire.substr(0, 5)), "3400000000");
    EXPECT_EQ(hex(core.org_unit(3, "ime").wire.substr(0, 5)), "3100000003");
}

TEST(ClientFaultsTest, SetupTimestampZero) {
    auto core = in_module(with(ClientFault::setup_timestamp_zero));
    EXPECT_EQ(hex(core.setup(2, false, true, 1700000000).wire), "0400000002"
                                                                "0000000000000000");
    EXPECT_EQ(hex(in_module({}).setup(2, false, true, 1700000000).wire), "0400000002"
                                                                         "000000006553f100");
}

TEST(ClientFaultsTest, TheTableNamesEveryFaultOnceWithClausesThatExist) {
    std::ifstream file(std::string(XSIME_SCENARIOS_DIR) + "/clauses.json");
    ASSERT_TRUE(file) << "cannot read scenarios/clauses.json";
    const auto catalogue = nlohmann::json::parse(file);
    std::set<std::string> ids;
    for (const auto& clause : catalogue.at("clauses")) {
        ids.insert(clause.at("id").get<std::string>());
    }
    std::set<std::string> names;
    for (const auto& info : client_fault_table()) {
        EXPECT_TRUE(names.insert(std::string(info.name)).second) << info.name;
        EXPECT_EQ(client_fault_named(info.name), info.fault);
        EXPECT_FALSE(info.breaks.empty());
        std::stringstream clauses{std::string(info.clauses)};
        std::string id;
        int count = 0;
        while (std::getline(clauses >> std::ws, id, ',')) {
            EXPECT_TRUE(ids.count(id)) << info.name << " names unknown clause " << id;
            ++count;
        }
        EXPECT_GT(count, 0) << info.name;
    }
    EXPECT_EQ(names.size(), 10u);
    EXPECT_FALSE(client_fault_named("no_such_fault").has_value());
}

} // namespace
} // namespace xsime::client
