// Tests of the reference server's injectable faults: each changes exactly the behaviour it
// claims, shown next to the correct server doing the same exchange.
#include "mock_server/faults.hpp"
#include "mock_server/fs_mailbox.hpp"
#include "mock_server/session_core.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/tf_framing.hpp"
#include "tests/support/files.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <random>
#include <set>
#include <vector>

namespace xsime::mock {
namespace {

namespace fs = std::filesystem;
using protocol::Frame;
using protocol::Opcode;

std::string start() {
    return protocol::encode_tf_message(protocol::tf_xsime_start);
}

std::string login_bytes(std::string_view user, std::int32_t flags = 0, std::uint64_t since = 0) {
    return start() + protocol::encode_setup(flags, since) + protocol::encode_org_unit("/ime") +
           protocol::encode_user(user);
}

const std::string logged_in_reply = protocol::encode_tf_message("OK") +
                                    protocol::encode_status(Opcode::org_unit, true) +
                                    protocol::encode_status(Opcode::user, true);

const std::uint64_t now = 1'700'000'000;
const std::string long_user(protocol::max_user_name, 'u');

// One server (mailbox, locks, sessions) on its own temporary root, with `faults`.
class World {
public:
    explicit World(Faults faults = {}) : faults_(faults) {
        std::random_device random;
        root_ = fs::temp_directory_path() /
                ("faults-test-" + std::to_string(random()) + "-" + std::to_string(random()));
        for (const std::string& user : {std::string("alice"), std::string("bob"), long_user}) {
            fs::create_directories(root_ / "ime" / user);
        }
        mailbox_ = std::make_unique<FsMailbox>(root_, faults_);
    }
    ~World() {
        cores_.clear();
        std::error_code ignored;
        fs::remove_all(root_, ignored);
    }
    World(const World&) = delete;
    World& operator=(const World&) = delete;

    SessionCore& core() {
        CoreSettings settings;
        settings.faults = faults_;
        cores_.push_back(std::make_unique<SessionCore>(
            *mailbox_, locks_, settings, [] { return now; }, [](std::string_view) {}));
        return *cores_.back();
    }

    // A session logged in as `user`; fails the test if the login is not accepted.
    SessionCore& logged_in(std::string_view user, std::int32_t flags = 0, std::uint64_t since = 0) {
        auto& session = core();
        EXPECT_EQ(session.receive(login_bytes(user, flags, since)).bytes, logged_in_reply);
        EXPECT_TRUE(session.delivering());
        return session;
    }

    // The raw bytes of one poll; performs removals as the I/O layer would.
    std::string poll_bytes(SessionCore& session) {
        auto out = session.poll_deliveries();
        for (const auto& removal : out.remove_after_write) {
            mailbox_->remove(removal.user, removal.message);
        }
        return out.bytes;
    }

    // The push payloads of one poll, decoded as a correct client would.
    std::vector<std::string> poll(SessionCore& session) {
        protocol::StreamDecoder decoder(protocol::Direction::to_client);
        decoder.feed(poll_bytes(session));
        std::vector<std::string> payloads;
        while (true) {
            auto result = decoder.next();
            if (!std::holds_alternative<Frame>(result)) {
                EXPECT_TRUE(std::holds_alternative<protocol::NeedMore>(result));
                break;
            }
            const auto& frame = std::get<Frame>(result);
            EXPECT_EQ(frame.header.opcode, protocol::raw(Opcode::message));
            payloads.push_back(frame.payload);
        }
        return payloads;
    }

    std::size_t files_of(const std::string& user) const {
        return test::message_files(root_ / "ime" / user / "messages").size();
    }

    const fs::path& root() const { return root_; }

private:
    Faults faults_;
    fs::path root_;
    std::unique_ptr<FsMailbox> mailbox_;
    UserLocks locks_;
    std::vector<std::unique_ptr<SessionCore>> cores_;
};

Faults only(Fault fault) {
    Faults faults;
    faults.add(fault);
    return faults;
}

void send(SessionCore& session, const std::string& to, std::string_view text) {
    EXPECT_EQ(session.receive(protocol::encode_send(std::vector<std::string>{to}, text)).bytes, "")
        << "a successful send has no reply";
}

TEST(FaultNames, EveryFaultHasAUniqueNameThatParsesBack) {
    std::set<std::string_view> names;
    for (const auto& info : all_faults()) {
        EXPECT_TRUE(names.insert(info.name).second) << info.name;
        EXPECT_EQ(parse_fault(info.name), info.fault);
        EXPECT_EQ(fault_name(info.fault), info.name);
        EXPECT_FALSE(describe(info.fault).empty()) << info.name;
        EXPECT_NE(fault_names().find(info.name), std::string::npos);
    }
    EXPECT_GE(names.size(), 12u) << "the issue asks for at least 12 distinct faults";
    EXPECT_EQ(parse_fault("no_such_fault"), std::nullopt);
    EXPECT_EQ(parse_fault(""), std::nullopt);
}

TEST(FaultNames, SetsAreEmptyByDefaultAndListTheirMembers) {
    Faults faults;
    EXPECT_TRUE(faults.empty());
    EXPECT_EQ(faults.to_string(), "");
    EXPECT_TRUE(CoreSettings{}.faults.empty()) << "the reference server is correct by default";
    faults.add(Fault::push_lost);
    faults.add(Fault::sz_little_endian);
    EXPECT_FALSE(faults.empty());
    EXPECT_TRUE(faults.has(Fault::push_lost));
    EXPECT_FALSE(faults.has(Fault::push_duplicated));
    EXPECT_EQ(faults.to_string(), "sz_little_endian,push_lost");
}

TEST(Faults, SzLittleEndianReversesThePushLength) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::sz_little_endian) : Faults{});
        auto& alice = world.logged_in("alice");
        auto& bob = world.logged_in("bob");
        send(alice, "bob", "hello");
        const auto bytes = world.poll_bytes(bob);
        const std::string payload = "1700000000:alice:hello"; // 22 bytes
        const std::string be("\x05\x00\x00\x00\x16", 5);
        const std::string le("\x05\x16\x00\x00\x00", 5);
        EXPECT_EQ(bytes, (faulty ? le : be) + payload) << "faulty=" << faulty;
    }
}

TEST(Faults, AsciiOpcodesSendsDigits) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::ascii_opcodes) : Faults{});
        auto& alice = world.core();
        const auto out = alice.receive(login_bytes("alice"));
        std::string expected = logged_in_reply;
        if (faulty) {
            expected = protocol::encode_tf_message("OK") + std::string("1\0\0\0\0", 5) +
                       std::string("2\0\0\0\0", 5);
        }
        EXPECT_EQ(out.bytes, expected) << "faulty=" << faulty;
    }
}

TEST(Faults, AsciiOpcodesAlsoHitsPushesAndTheEcho) {
    World world(only(Fault::ascii_opcodes));
    auto& alice = world.core();
    alice.receive(login_bytes("alice"));
    send(alice, "alice", "hi");
    const auto bytes = world.poll_bytes(alice);
    ASSERT_GE(bytes.size(), protocol::header_size);
    EXPECT_EQ(bytes[0], '5');
    EXPECT_EQ(alice.receive(protocol::encode_exit()).bytes, std::string("0\0\0\0\0", 5));
}

TEST(Faults, NoOrgReplyLeavesOpcodeOneUnanswered) {
    World correct;
    World faulty(only(Fault::no_org_reply));
    const auto bytes = start() + protocol::encode_setup(0, 0) + protocol::encode_org_unit("/ime");
    EXPECT_EQ(correct.core().receive(bytes).bytes,
              protocol::encode_tf_message("OK") + protocol::encode_status(Opcode::org_unit, true));
    EXPECT_EQ(faulty.core().receive(bytes).bytes, protocol::encode_tf_message("OK"));
    // Missing org units are not answered either.
    auto& session = faulty.core();
    session.receive(start() + protocol::encode_setup(0, 0));
    EXPECT_EQ(session.receive(protocol::encode_org_unit("/nope")).bytes, "");
}

TEST(Faults, WrongStatusAcceptsAMissingUserFolderButDoesNotLogIn) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::wrong_status) : Faults{});
        auto& session = world.core();
        const auto out = session.receive(login_bytes("nobody"));
        EXPECT_EQ(out.bytes, protocol::encode_tf_message("OK") +
                                 protocol::encode_status(Opcode::org_unit, true) +
                                 protocol::encode_status(Opcode::user, faulty))
            << "faulty=" << faulty;
        EXPECT_FALSE(session.delivering());
    }
}

TEST(Faults, OrderIgnoredAcceptsOrgUnitAndUserBeforeSetup) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::order_ignored) : Faults{});
        auto& session = world.core();
        session.receive(start());
        EXPECT_EQ(session.receive(protocol::encode_org_unit("/ime")).bytes,
                  protocol::encode_status(Opcode::org_unit, faulty));
        EXPECT_EQ(session.receive(protocol::encode_user("alice")).bytes,
                  protocol::encode_status(Opcode::user, faulty));
    }
}

TEST(Faults, PushLostDropsEveryThirdPush) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::push_lost) : Faults{});
        auto& alice = world.logged_in("alice");
        auto& bob = world.logged_in("bob");
        for (const char* text : {"one", "two", "three", "four"}) {
            send(alice, "bob", text);
        }
        const auto pushes = world.poll(bob);
        std::vector<std::string> texts;
        for (const auto& payload : pushes) {
            texts.push_back(std::get<protocol::Push>(protocol::parse_push(payload)).text);
        }
        const std::vector<std::string> all{"one", "two", "three", "four"};
        const std::vector<std::string> lossy{"one", "two", "four"};
        EXPECT_EQ(texts, faulty ? lossy : all);
        EXPECT_TRUE(world.poll(bob).empty()) << "the lost push never comes";
    }
}

TEST(Faults, PushDuplicatedSendsEveryPushTwice) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::push_duplicated) : Faults{});
        auto& alice = world.logged_in("alice");
        auto& bob = world.logged_in("bob");
        send(alice, "bob", "once");
        const auto pushes = world.poll(bob);
        ASSERT_EQ(pushes.size(), faulty ? 2u : 1u);
        EXPECT_EQ(pushes.front(), pushes.back());
    }
}

TEST(Faults, BlacklistIgnoredDeliversABlacklistedSender) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::blacklist_ignored) : Faults{});
        auto& alice = world.logged_in("alice");
        auto& bob = world.logged_in("bob");
        std::ofstream(world.root() / "ime" / "bob" / "messages" / "blacklist" / "alice").put('x');
        send(alice, "bob", "unwanted");
        EXPECT_EQ(world.poll(bob).size(), faulty ? 1u : 0u);
    }
}

TEST(Faults, AutodeleteIgnoredKeepsPushedMessages) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::autodelete_ignored) : Faults{});
        auto& alice = world.logged_in("alice");
        auto& bob = world.logged_in("bob", protocol::flag_auto_delete);
        send(alice, "bob", "read once");
        EXPECT_EQ(world.poll(bob).size(), 1u);
        EXPECT_EQ(world.files_of("bob"), faulty ? 1u : 0u);
    }
}

TEST(Faults, TimestampInclusivePushesAMessageAtTheSetupTimestamp) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::timestamp_inclusive) : Faults{});
        auto& alice = world.logged_in("alice");
        auto& bob = world.logged_in("bob", 0, now); // the clock never moves: sent at `now`
        send(alice, "bob", "at the boundary");
        EXPECT_EQ(world.poll(bob).size(), faulty ? 1u : 0u);
        // Older messages stay out either way.
        auto& late = world.logged_in("bob", 0, now + 1);
        EXPECT_TRUE(world.poll(late).empty());
    }
}

TEST(Faults, PushFieldOrderPutsTheUserFirst) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::push_field_order) : Faults{});
        auto& alice = world.logged_in("alice");
        auto& bob = world.logged_in("bob");
        send(alice, "bob", "a:b");
        const auto pushes = world.poll(bob);
        ASSERT_EQ(pushes.size(), 1u);
        EXPECT_EQ(pushes[0], faulty ? "alice:1700000000:a:b" : "1700000000:alice:a:b");
    }
}

TEST(Faults, ExitNoEchoLeavesWithoutTheEcho) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::exit_no_echo) : Faults{});
        auto& bob = world.logged_in("bob");
        const auto out = bob.receive(protocol::encode_exit() + protocol::encode_tf_message("X"));
        EXPECT_EQ(out.bytes, (faulty ? std::string() : protocol::encode_exit_echo()) +
                                 protocol::encode_tf_message("UNKNOWN"));
        EXPECT_FALSE(bob.in_module()) << "it still leaves the module";
    }
}

TEST(Faults, UserLimitOffByOneRefuses128Bytes) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::user_limit_off_by_one) : Faults{});
        auto& session = world.core();
        EXPECT_EQ(session.receive(login_bytes(long_user)).bytes,
                  protocol::encode_tf_message("OK") +
                      protocol::encode_status(Opcode::org_unit, true) +
                      protocol::encode_status(Opcode::user, !faulty));
    }
}

TEST(Faults, SendTruncatesDeliversACutPushInsteadOfRefusing) {
    // "1700000000:alice:" is 17 bytes: this text makes the push one byte too long.
    const std::string too_long(16384 - 16, 'x');
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::send_truncates) : Faults{});
        auto& alice = world.logged_in("alice");
        auto& bob = world.logged_in("bob");
        const auto out =
            alice.receive(protocol::encode_send(std::vector<std::string>{"bob"}, too_long));
        EXPECT_EQ(out.bytes, faulty ? "" : protocol::encode_status(Opcode::message, false));
        const auto pushes = world.poll(bob);
        ASSERT_EQ(pushes.size(), faulty ? 1u : 0u);
        if (faulty) {
            EXPECT_EQ(pushes[0].size(), 16384u);
            EXPECT_EQ(pushes[0], "1700000000:alice:" + too_long.substr(1));
        }
    }
}

TEST(Faults, NoReenterMemoryForgetsTheLogin) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::no_reenter_memory) : Faults{});
        auto& bob = world.logged_in("bob");
        bob.receive(protocol::encode_exit());
        EXPECT_EQ(bob.receive(start()).bytes, protocol::encode_tf_message("OK"));
        EXPECT_EQ(bob.delivering(), !faulty);
        EXPECT_EQ(bob.receive(protocol::encode_send(std::vector<std::string>{"alice"}, "hi")).bytes,
                  faulty ? protocol::encode_status(Opcode::message, false) : "");
    }
}

TEST(Faults, UniqueUserIgnoredLetsASecondInstanceIn) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::unique_user_ignored) : Faults{});
        world.logged_in("bob", protocol::flag_unique_user);
        auto& second = world.core();
        EXPECT_EQ(second.receive(login_bytes("bob", protocol::flag_unique_user)).bytes,
                  protocol::encode_tf_message("OK") +
                      protocol::encode_status(Opcode::org_unit, true) +
                      protocol::encode_status(Opcode::user, faulty));
    }
}

std::vector<std::string> texts_of(const std::vector<std::string>& pushes) {
    std::vector<std::string> texts;
    for (const auto& payload : pushes) {
        texts.push_back(std::get<protocol::Push>(protocol::parse_push(payload)).text);
    }
    return texts;
}

TEST(Faults, SameSecondLossKeepsOnlyTheFirstMessageOfASecond) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::same_second_loss) : Faults{});
        auto& alice = world.logged_in("alice");
        auto& bob = world.logged_in("bob");
        // The clock never moves: every message arrives in the same second.
        send(alice, "bob", "first");
        send(alice, "bob", "second");
        send(alice, "alice", "own folder");
        const std::vector<std::string> all{"first", "second"};
        const std::vector<std::string> lossy{"first"};
        EXPECT_EQ(texts_of(world.poll(bob)), faulty ? lossy : all) << "faulty=" << faulty;
        EXPECT_EQ(world.files_of("bob"), faulty ? 1u : 2u) << "the loss is in the mailbox";
        EXPECT_EQ(texts_of(world.poll(alice)), std::vector<std::string>{"own folder"})
            << "per recipient: another user's first message of the second is kept";
    }
}

TEST(Faults, TimestampLittleEndianMisreadsEveryTimestampButZero) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::timestamp_little_endian) : Faults{});
        auto& alice = world.logged_in("alice");
        auto& recent = world.logged_in("bob", 0, now - 10);
        auto& zero = world.logged_in("bob", 0, 0);
        send(alice, "bob", "newer than both");
        EXPECT_EQ(world.poll(recent).size(), faulty ? 0u : 1u) << "faulty=" << faulty;
        EXPECT_EQ(world.poll(zero).size(), 1u) << "0 reads the same either way";
    }
}

TEST(Faults, IntervalAsMsMultipliesTheIntervalByAMillion) {
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::interval_as_ms) : Faults{});
        auto& bob = world.logged_in("bob");
        EXPECT_EQ(bob.receive(protocol::encode_interval(5'000'000)).bytes, "") << "no reply";
        EXPECT_EQ(bob.interval(), faulty ? std::chrono::nanoseconds(std::chrono::seconds(5000))
                                         : std::chrono::nanoseconds(std::chrono::milliseconds(5)));
        bob.receive(protocol::encode_interval(~std::uint64_t{0}));
        EXPECT_GT(bob.interval().count(), 0) << "saturated, never negative";
    }
}

TEST(Faults, PayloadSingleReadCutsAPayloadSplitAcrossReads) {
    const std::string frame =
        protocol::encode_send(std::vector<std::string>{"bob"}, "hello world"); // "bob: hello world"
    const std::size_t cut = protocol::header_size + 8;                         // "bob: hel"
    for (const bool faulty : {false, true}) {
        World world(faulty ? only(Fault::payload_single_read) : Faults{});
        auto& alice = world.logged_in("alice");
        auto& bob = world.logged_in("bob");
        EXPECT_EQ(alice.receive(frame).bytes, "") << "a whole frame in one read is unaffected";
        EXPECT_EQ(alice.receive(frame.substr(0, protocol::header_size)).bytes, "")
            << "a header alone waits for its payload, as recv() would";
        EXPECT_FALSE(alice.receive(frame.substr(protocol::header_size, cut - protocol::header_size))
                         .close_reason);
        const auto rest = alice.receive(frame.substr(cut));
        const std::vector<std::string> whole{"hello world", "hello world"};
        const std::vector<std::string> cut_short{"hello world", "hel"};
        EXPECT_EQ(texts_of(world.poll(bob)), faulty ? cut_short : whole) << "faulty=" << faulty;
        // "lo world" read as a header: opcode 'l', sz "o wo" (over the limit): the session ends.
        EXPECT_EQ(rest.close_reason.has_value(), faulty) << "faulty=" << faulty;
    }
}

TEST(FaultNames, EveryFaultNamesTheCatalogueClausesItBreaks) {
    const std::string catalogue = test::read_file(fs::path(XSIME_SCENARIOS_DIR) / "clauses.json");
    ASSERT_FALSE(catalogue.empty());
    for (const auto& info : all_faults()) {
        const auto clauses = fault_clauses(info.fault);
        EXPECT_FALSE(clauses.empty()) << info.name;
        for (const auto clause : clauses) {
            EXPECT_NE(catalogue.find("\"id\": \"" + std::string(clause) + "\""), std::string::npos)
                << info.name << ": " << clause << " is not in scenarios/clauses.json";
        }
    }
    EXPECT_EQ(fault_clauses(Fault::wrong_status),
              (std::vector<std::string_view>{"USER-REPLY", "USER-MUST-EXIST"}));
}

// Every fault above has its own test; this keeps the list and the tests in step.
TEST(Faults, EveryFaultIsCoveredHere) {
    EXPECT_EQ(all_faults().size(), 20u) << "a new fault needs a test in this file";
}

} // namespace
} // namespace xsime::mock
