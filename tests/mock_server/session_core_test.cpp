// Tests of the reference server's session core, driven byte by byte without sockets.
#include "mock_server/fs_mailbox.hpp"
#include "mock_server/session_core.hpp"
#include "protocol/messages.hpp"
#include "protocol/tf_framing.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <random>
#include <vector>

namespace xsime::mock {
namespace {

namespace fs = std::filesystem;
using protocol::Frame;
using protocol::Opcode;

std::string start() {
    return protocol::encode_tf_message(protocol::tf_xsime_start);
}

// What a client would decode from the core's output: TF replies first, then frames.
struct Decoded {
    std::vector<std::string> tf;
    std::vector<Frame> frames;
};

class SessionCoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::random_device random;
        root_ = fs::temp_directory_path() / ("session-core-test-" + std::to_string(random()));
        for (const char* user : {"alice", "bob", "carol"}) {
            fs::create_directories(root_ / "ime" / user);
        }
        mailbox_ = std::make_unique<FsMailbox>(root_);
    }
    void TearDown() override {
        cores_.clear();
        fs::remove_all(root_);
    }

    SessionCore& make_core() {
        cores_.push_back(std::make_unique<SessionCore>(
            *mailbox_, locks_, CoreSettings{}, [this] { return now_; },
            [this](std::string_view line) { log_.emplace_back(line); }));
        return *cores_.back();
    }

    // Enters the module and logs `user` in with `flags` and `since`.
    SessionCore& logged_in(const std::string& user, std::int32_t flags = 0,
                           std::uint64_t since = 0) {
        auto& core = make_core();
        auto out = core.receive(start() + protocol::encode_setup(flags, since) +
                                protocol::encode_org_unit("/ime") + protocol::encode_user(user));
        EXPECT_EQ(out.bytes, protocol::encode_tf_message("OK") +
                                 protocol::encode_status(Opcode::org_unit, true) +
                                 protocol::encode_status(Opcode::user, true));
        EXPECT_TRUE(core.delivering());
        return core;
    }

    void send(SessionCore& core, const std::vector<std::string>& to, std::string_view text) {
        const auto out = core.receive(protocol::encode_send(to, text));
        EXPECT_EQ(out.bytes, "") << "a successful send has no reply";
    }

    // Polls and decodes the pushes; performs removals as the I/O layer would.
    std::vector<protocol::Push> poll(SessionCore& core) {
        auto out = core.poll_deliveries();
        std::vector<protocol::Push> pushes;
        protocol::StreamDecoder decoder(protocol::Direction::to_client);
        decoder.feed(out.bytes);
        while (true) {
            auto result = decoder.next();
            if (std::holds_alternative<protocol::NeedMore>(result)) {
                break;
            }
            const auto& frame = std::get<Frame>(result);
            EXPECT_EQ(frame.header.opcode, protocol::raw(Opcode::message));
            pushes.push_back(std::get<protocol::Push>(protocol::parse_push(frame.payload)));
        }
        for (const auto& removal : out.remove_after_write) {
            mailbox_->remove(removal.user, removal.message);
        }
        return pushes;
    }

    std::size_t files_in(const std::string& user) {
        std::size_t count = 0;
        for (const auto& entry : fs::directory_iterator(root_ / "ime" / user / "messages")) {
            count += entry.is_regular_file() ? 1 : 0;
        }
        return count;
    }

    fs::path root_;
    std::unique_ptr<FsMailbox> mailbox_;
    UserLocks locks_;
    std::uint64_t now_ = 1'700'000'000;
    std::vector<std::string> log_;
    std::vector<std::unique_ptr<SessionCore>> cores_;
};

TEST_F(SessionCoreTest, TfLevelAnswersStartUnknownAndEnd) {
    auto& core = make_core();
    EXPECT_EQ(core.receive(protocol::encode_tf_message("LIST /")).bytes,
              protocol::encode_tf_message("UNKNOWN"));
    EXPECT_FALSE(core.in_module());
    EXPECT_EQ(core.receive(start()).bytes, protocol::encode_tf_message("OK"));
    EXPECT_TRUE(core.in_module());
    EXPECT_FALSE(core.delivering());

    auto& other = make_core();
    const auto out = other.receive(protocol::encode_tf_message("END"));
    EXPECT_EQ(out.bytes, "");
    ASSERT_TRUE(out.close_reason);
    EXPECT_TRUE(other.closed());
}

TEST_F(SessionCoreTest, NegativeTfLengthClosesWithReason) {
    auto& core = make_core();
    const auto out = core.receive(std::string("\xff\xff\xff\xfe", 4));
    ASSERT_TRUE(out.close_reason);
    EXPECT_NE(out.close_reason->find("negative"), std::string::npos) << *out.close_reason;
}

TEST_F(SessionCoreTest, OrderIsSetupThenOrgUnitThenUser) {
    auto& core = make_core();
    core.receive(start());
    EXPECT_EQ(core.receive(protocol::encode_org_unit("/ime")).bytes,
              protocol::encode_status(Opcode::org_unit, false));
    EXPECT_EQ(core.receive(protocol::encode_user("alice")).bytes,
              protocol::encode_status(Opcode::user, false));
    EXPECT_EQ(core.receive(protocol::encode_send(std::vector<std::string>{"bob"}, "hi")).bytes,
              protocol::encode_status(Opcode::message, false));
    core.receive(protocol::encode_setup(0, 0));
    EXPECT_EQ(core.receive(protocol::encode_user("alice")).bytes,
              protocol::encode_status(Opcode::user, false))
        << "2 before 1 fails";
    EXPECT_EQ(core.receive(protocol::encode_org_unit("ime")).bytes,
              protocol::encode_status(Opcode::org_unit, true));
    EXPECT_EQ(core.receive(protocol::encode_user("alice")).bytes,
              protocol::encode_status(Opcode::user, true));
    EXPECT_TRUE(core.delivering());
    // Once logged in, 1 and 2 are refused (the reference server's rule).
    EXPECT_EQ(core.receive(protocol::encode_org_unit("ime")).bytes,
              protocol::encode_status(Opcode::org_unit, false));
    EXPECT_EQ(core.receive(protocol::encode_user("bob")).bytes,
              protocol::encode_status(Opcode::user, false));
}

TEST_F(SessionCoreTest, MissingFoldersAndTraversalAreRefused) {
    auto& core = make_core();
    core.receive(start() + protocol::encode_setup(0, 0));
    EXPECT_EQ(core.receive(protocol::encode_org_unit("/nope")).bytes,
              protocol::encode_status(Opcode::org_unit, false));
    EXPECT_EQ(core.receive(protocol::encode_org_unit("/../etc")).bytes,
              protocol::encode_status(Opcode::org_unit, false));
    EXPECT_EQ(core.receive(protocol::encode_org_unit("/ime")).bytes,
              protocol::encode_status(Opcode::org_unit, true));
    EXPECT_EQ(core.receive(protocol::encode_user("../ime/alice")).bytes,
              protocol::encode_status(Opcode::user, false));
    EXPECT_EQ(core.receive(protocol::encode_user("dave")).bytes,
              protocol::encode_status(Opcode::user, false));
}

TEST_F(SessionCoreTest, UserNameLimitIs128Bytes) {
    const std::string at_limit(128, 'u');
    const std::string over_limit(129, 'u');
    fs::create_directories(root_ / "ime" / at_limit);
    fs::create_directories(root_ / "ime" / over_limit);
    auto& core = make_core();
    core.receive(start() + protocol::encode_setup(0, 0) + protocol::encode_org_unit("/ime"));
    EXPECT_EQ(core.receive(protocol::encode_user(over_limit)).bytes,
              protocol::encode_status(Opcode::user, false));
    EXPECT_EQ(core.receive(protocol::encode_user(at_limit)).bytes,
              protocol::encode_status(Opcode::user, true));
    EXPECT_TRUE(fs::is_directory(root_ / "ime" / at_limit / "messages" / "blacklist"));
}

TEST_F(SessionCoreTest, MessageIsPushedWithServerTimestampAndSender) {
    auto& alice = logged_in("alice");
    auto& bob = logged_in("bob");
    send(alice, {"bob"}, "hello: world");
    const auto pushes = poll(bob);
    ASSERT_EQ(pushes.size(), 1u);
    EXPECT_EQ(pushes[0], (protocol::Push{now_, "alice", "hello: world"}));
    EXPECT_TRUE(poll(bob).empty()) << "each message is pushed once";
    EXPECT_EQ(files_in("bob"), 1u) << "without auto delete the file stays";
}

TEST_F(SessionCoreTest, ManyRecipientsAndTheSenderItself) {
    auto& alice = logged_in("alice");
    auto& bob = logged_in("bob");
    auto& carol = logged_in("carol");
    send(alice, {"bob", "carol", "alice"}, "to all");
    EXPECT_EQ(poll(bob).size(), 1u);
    EXPECT_EQ(poll(carol).size(), 1u);
    EXPECT_EQ(poll(alice).size(), 1u);
}

TEST_F(SessionCoreTest, DiscardedMessagesHaveNoReplyAndNoDelivery) {
    auto& alice = logged_in("alice");
    auto& bob = logged_in("bob");
    for (std::string payload : {"bob hi", "bob:hi", "bob: ", ": hi", " hi", ""}) {
        std::string frame;
        protocol::append_header(
            frame, {protocol::raw(Opcode::message), static_cast<std::int32_t>(payload.size())});
        frame += payload;
        EXPECT_EQ(alice.receive(frame).bytes, "") << payload;
    }
    EXPECT_TRUE(poll(bob).empty());
}

TEST_F(SessionCoreTest, PushOverTheLimitIsRefusedNotTruncated) {
    auto& alice = logged_in("alice");
    auto& bob = logged_in("bob");
    // "1700000000:alice:" is 17 bytes; the text fills the push to exactly 16384.
    const std::string fits(16384 - 17, 'x');
    send(alice, {"bob"}, fits);
    const auto pushes = poll(bob);
    ASSERT_EQ(pushes.size(), 1u);
    EXPECT_EQ(pushes[0].text, fits);
    // One byte more: the send payload "bob: " + text still fits 16384, the push does not.
    const std::string too_long(16384 - 16, 'x');
    const auto out =
        alice.receive(protocol::encode_send(std::vector<std::string>{"bob"}, too_long));
    EXPECT_EQ(out.bytes, protocol::encode_status(Opcode::message, false));
    EXPECT_TRUE(poll(bob).empty());
}

TEST_F(SessionCoreTest, BurstInOneSecondIsDeliveredOnceInOrder) {
    auto& alice = logged_in("alice");
    auto& bob = logged_in("bob");
    std::vector<protocol::Push> all;
    for (int i = 0; i < 120; ++i) {
        send(alice, {"bob"}, "m" + std::to_string(i));
        if (i % 7 == 0) {
            auto some = poll(bob); // interleave scans with sends
            all.insert(all.end(), some.begin(), some.end());
        }
    }
    auto rest = poll(bob);
    all.insert(all.end(), rest.begin(), rest.end());
    ASSERT_EQ(all.size(), 120u);
    for (int i = 0; i < 120; ++i) {
        EXPECT_EQ(all[static_cast<std::size_t>(i)].text, "m" + std::to_string(i));
    }
}

TEST_F(SessionCoreTest, MessageThatAppearsLateWithALowerNameIsStillPushed) {
    // Two senders on two threads: the one numbered first may link its file last.
    auto& bob = logged_in("bob");
    const auto box = root_ / "ime" / "bob" / "messages";
    std::ofstream(box / "1700000001-00000000000000000002") << "1700000001:alice:second";
    ASSERT_EQ(poll(bob).size(), 1u);
    std::ofstream(box / "1700000001-00000000000000000001") << "1700000001:carol:first";
    const auto late = poll(bob);
    ASSERT_EQ(late.size(), 1u);
    EXPECT_EQ(late[0].text, "first");
    EXPECT_TRUE(poll(bob).empty());
}

TEST_F(SessionCoreTest, AutoDeleteRemovesAfterWrite) {
    auto& alice = logged_in("alice");
    auto& bob = logged_in("bob", protocol::flag_auto_delete);
    send(alice, {"bob"}, "one");
    send(alice, {"bob"}, "two");
    auto out = bob.poll_deliveries();
    EXPECT_EQ(out.remove_after_write.size(), 2u);
    EXPECT_EQ(files_in("bob"), 2u) << "nothing is deleted before the push is written";
    for (const auto& removal : out.remove_after_write) {
        mailbox_->remove(removal.user, removal.message);
    }
    EXPECT_EQ(files_in("bob"), 0u);
}

TEST_F(SessionCoreTest, TimestampWindowIsStrictlyNewer) {
    auto& alice = logged_in("alice");
    now_ = 1'700'000'100;
    send(alice, {"bob"}, "at 100");
    now_ = 1'700'000'101;
    send(alice, {"bob"}, "at 101");
    auto& bob = logged_in("bob", 0, 1'700'000'100);
    const auto pushes = poll(bob);
    ASSERT_EQ(pushes.size(), 1u);
    EXPECT_EQ(pushes[0].text, "at 101");

    // Setup again moves the window back: both are pushed again.
    bob.receive(protocol::encode_setup(0, 0));
    EXPECT_EQ(poll(bob).size(), 2u);
}

TEST_F(SessionCoreTest, TwoInstancesWithoutAutoDeleteBothReceive) {
    auto& alice = logged_in("alice");
    auto& bob1 = logged_in("bob");
    auto& bob2 = logged_in("bob");
    send(alice, {"bob"}, "hi both");
    EXPECT_EQ(poll(bob1).size(), 1u);
    EXPECT_EQ(poll(bob2).size(), 1u);
}

TEST_F(SessionCoreTest, BlacklistDropsSilently) {
    auto& alice = logged_in("alice");
    auto& bob = logged_in("bob");
    auto& carol = logged_in("carol");
    std::ofstream(root_ / "ime" / "bob" / "messages" / "blacklist" / "alice").put('x');
    send(alice, {"bob", "carol"}, "hi");
    EXPECT_TRUE(poll(bob).empty());
    EXPECT_EQ(poll(carol).size(), 1u);
}

TEST_F(SessionCoreTest, UniqueUserRefusesASecondInstance) {
    auto& first = logged_in("bob", protocol::flag_unique_user);
    auto& second = make_core();
    const auto login = start() + protocol::encode_setup(protocol::flag_unique_user, 0) +
                       protocol::encode_org_unit("/ime") + protocol::encode_user("bob");
    EXPECT_EQ(second.receive(login).bytes, protocol::encode_tf_message("OK") +
                                               protocol::encode_status(Opcode::org_unit, true) +
                                               protocol::encode_status(Opcode::user, false));
    // Cooperative: an instance without flag 1 is not refused.
    logged_in("bob");
    first.on_close();
    EXPECT_EQ(second.receive(protocol::encode_user("bob")).bytes,
              protocol::encode_status(Opcode::user, true));
}

TEST_F(SessionCoreTest, ExitEchoesAndReentryKeepsConfiguration) {
    auto& alice = logged_in("alice");
    auto& bob = logged_in("bob");
    // Opcode 0 and a TF command pipelined in one read.
    auto out = bob.receive(protocol::encode_exit() + protocol::encode_tf_message("NOOP"));
    EXPECT_EQ(out.bytes, protocol::encode_exit_echo() + protocol::encode_tf_message("UNKNOWN"));
    EXPECT_FALSE(bob.in_module());
    send(alice, {"bob"}, "while away");
    EXPECT_TRUE(poll(bob).empty()) << "no pushes at the TF level";
    EXPECT_EQ(bob.receive(start()).bytes, protocol::encode_tf_message("OK"));
    EXPECT_TRUE(bob.delivering()) << "configuration remembered";
    const auto pushes = poll(bob);
    ASSERT_EQ(pushes.size(), 1u);
    EXPECT_EQ(pushes[0].text, "while away");
}

TEST_F(SessionCoreTest, FatalFramingErrorsCloseWithoutReply) {
    for (const std::int32_t sz : {-1, -5, 16385, 0x7fffffff}) {
        auto& core = logged_in("alice");
        std::string frame;
        protocol::append_header(frame, {protocol::raw(Opcode::org_unit), sz});
        const auto out = core.receive(frame);
        EXPECT_EQ(out.bytes, "") << sz;
        ASSERT_TRUE(out.close_reason) << sz;
        EXPECT_TRUE(core.closed());
        EXPECT_TRUE(core.receive(protocol::encode_exit()).empty()) << "a closed core is inert";
    }
}

TEST_F(SessionCoreTest, UnknownOpcodeIsSkippedAndLogged) {
    auto& core = make_core();
    core.receive(start() + protocol::encode_setup(0, 0));
    std::string bytes;
    protocol::append_header(bytes, {0x09, 3});
    bytes += "abc";
    bytes += protocol::encode_org_unit("/ime");
    const auto out = core.receive(bytes);
    EXPECT_FALSE(out.close_reason);
    EXPECT_EQ(out.bytes, protocol::encode_status(Opcode::org_unit, true));
    ASSERT_FALSE(log_.empty());
    EXPECT_NE(log_.back().find("0x09"), std::string::npos) << log_.back();
}

TEST_F(SessionCoreTest, IntervalChangesAndIsClampedAtOneMillisecond) {
    auto& core = logged_in("alice");
    EXPECT_EQ(core.interval(), std::chrono::milliseconds(25));
    core.receive(protocol::encode_interval(2'500'000'000));
    EXPECT_EQ(core.interval(), std::chrono::milliseconds(2500));
    core.receive(protocol::encode_interval(0));
    EXPECT_EQ(core.interval(), std::chrono::milliseconds(1));
}

TEST_F(SessionCoreTest, EverySplitPointGivesTheSameOutput) {
    const auto script = start() + protocol::encode_setup(0, 0) + protocol::encode_org_unit("/ime") +
                        protocol::encode_user("carol") + protocol::encode_interval(1'000'000) +
                        protocol::encode_send(std::vector<std::string>{"bob"}, "split") +
                        protocol::encode_exit() + start();
    auto& whole = make_core();
    const auto expected = whole.receive(script).bytes;
    for (std::size_t cut = 0; cut <= script.size(); ++cut) {
        auto& core = make_core();
        auto got = core.receive(script.substr(0, cut)).bytes;
        got += core.receive(script.substr(cut)).bytes;
        ASSERT_EQ(got, expected) << "split at " << cut;
        EXPECT_TRUE(core.in_module());
        EXPECT_FALSE(core.mid_frame());
    }
    auto& drip = make_core();
    std::string got;
    for (char c : script) {
        got += drip.receive(std::string_view(&c, 1)).bytes;
    }
    EXPECT_EQ(got, expected);
}

TEST_F(SessionCoreTest, MidFrameTracksPartialInput) {
    auto& core = make_core();
    core.receive(start().substr(0, 3));
    EXPECT_TRUE(core.mid_frame());
    core.receive(start().substr(3));
    EXPECT_FALSE(core.mid_frame());
    core.receive(protocol::encode_setup(0, 0).substr(0, 7));
    EXPECT_TRUE(core.mid_frame());
}

} // namespace
} // namespace xsime::mock
