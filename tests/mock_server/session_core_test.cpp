// Tests of the reference server's session core, driven byte by byte without sockets.
#include "mock_server/fs_mailbox.hpp"
#include "mock_server/session_core.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/stream_decoder.hpp"
#include "protocol/tf_framing.hpp"
#include "tests/support/files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <random>
#include <sys/stat.h>
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

    SessionCore& make_core(Faults faults = {}) {
        CoreSettings settings;
        settings.faults = faults;
        cores_.push_back(std::make_unique<SessionCore>(
            *mailbox_, locks_, settings, [this] { return now_; },
            [this](std::string_view line) { log_.emplace_back(line); }));
        return *cores_.back();
    }

    // Every core call of these tests goes through these two, which check the call cuts
    // (CoreOutput::calls) of whatever came out.
    static CoreOutput receive(SessionCore& core, std::string_view bytes) {
        auto out = core.receive(bytes);
        expect_cuts_follow_the_bytes(out);
        return out;
    }
    static CoreOutput poll_deliveries(SessionCore& core) {
        auto out = core.poll_deliveries();
        expect_cuts_follow_the_bytes(out);
        return out;
    }

    // The cuts add up to the bytes, none is empty, and each falls where a TF peer cuts:
    // a 4-byte TF length, then a call of exactly that body's size (none for an empty body),
    // or a 5-byte XSIME header, then one of exactly its payload's size (none if empty).
    // The tests that inject wire faults check their cuts by hand instead.
    static void expect_cuts_follow_the_bytes(const CoreOutput& out) {
        const auto& calls = out.calls;
        std::size_t at = 0;
        for (std::size_t i = 0; i < calls.size(); ++i) {
            ASSERT_GT(calls[i], 0u) << "call " << i;
            ASSERT_LE(at + calls[i], out.bytes.size()) << "call " << i;
            const auto rest = std::string_view(out.bytes).substr(at);
            std::size_t body = 0;
            if (calls[i] == protocol::tf_length_size) {
                const auto step = protocol::decode_tf_message(rest);
                ASSERT_TRUE(std::holds_alternative<std::string>(step.result)) << "call " << i;
                body = std::get<std::string>(step.result).size();
            } else if (calls[i] == protocol::header_size) {
                const auto step = protocol::decode_frame(rest, protocol::Direction::to_client);
                ASSERT_TRUE(std::holds_alternative<Frame>(step.result)) << "call " << i;
                body = std::get<Frame>(step.result).payload.size();
            } else {
                FAIL() << "call " << i << " of " << calls[i]
                       << " bytes is neither a TF length nor an XSIME header";
            }
            at += calls[i];
            if (body > 0) {
                ++i;
                ASSERT_LT(i, calls.size()) << "the body of " << body << " bytes has no call";
                ASSERT_EQ(calls[i], body) << "call " << i;
                at += body;
            }
        }
        EXPECT_EQ(at, out.bytes.size()) << "the cuts do not cover the bytes";
    }

    // Enters the module and logs `user` in with `flags` and `since`.
    SessionCore& logged_in(const std::string& user, std::int32_t flags = 0,
                           std::uint64_t since = 0) {
        auto& core = make_core();
        auto out =
            receive(core, start() + protocol::encode_setup(flags, since) +
                              protocol::encode_org_unit("/ime") + protocol::encode_user(user));
        EXPECT_EQ(out.bytes, protocol::encode_tf_message("OK") +
                                 protocol::encode_status(Opcode::org_unit, true) +
                                 protocol::encode_status(Opcode::user, true));
        EXPECT_TRUE(core.delivering());
        return core;
    }

    void send(SessionCore& core, const std::vector<std::string>& to, std::string_view text) {
        const auto out = receive(core, protocol::encode_send(to, text));
        EXPECT_EQ(out.bytes, "") << "a successful send has no reply";
    }

    // Polls and decodes the pushes; performs removals as the I/O layer would.
    std::vector<protocol::Push> poll(SessionCore& core) {
        auto out = poll_deliveries(core);
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
        return test::message_files(root_ / "ime" / user / "messages").size();
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
    EXPECT_EQ(receive(core, protocol::encode_tf_message("LIST /")).bytes,
              protocol::encode_tf_message("UNKNOWN"));
    EXPECT_FALSE(core.in_module());
    EXPECT_EQ(receive(core, start()).bytes, protocol::encode_tf_message("OK"));
    EXPECT_TRUE(core.in_module());
    EXPECT_FALSE(core.delivering());

    auto& other = make_core();
    const auto out = receive(other, protocol::encode_tf_message("END"));
    EXPECT_EQ(out.bytes, "");
    ASSERT_TRUE(out.close_reason);
    EXPECT_TRUE(other.closed());
}

TEST_F(SessionCoreTest, NegativeTfLengthClosesWithReason) {
    auto& core = make_core();
    const auto out = receive(core, std::string("\xff\xff\xff\xfe", 4));
    ASSERT_TRUE(out.close_reason);
    EXPECT_NE(out.close_reason->find("negative"), std::string::npos) << *out.close_reason;
}

TEST_F(SessionCoreTest, OrderIsSetupThenOrgUnitThenUser) {
    auto& core = make_core();
    receive(core, start());
    EXPECT_EQ(receive(core, protocol::encode_org_unit("/ime")).bytes,
              protocol::encode_status(Opcode::org_unit, false));
    EXPECT_EQ(receive(core, protocol::encode_user("alice")).bytes,
              protocol::encode_status(Opcode::user, false));
    EXPECT_EQ(receive(core, protocol::encode_send(std::vector<std::string>{"bob"}, "hi")).bytes,
              protocol::encode_status(Opcode::message, false));
    receive(core, protocol::encode_setup(0, 0));
    EXPECT_EQ(receive(core, protocol::encode_user("alice")).bytes,
              protocol::encode_status(Opcode::user, false))
        << "2 before 1 fails";
    EXPECT_EQ(receive(core, protocol::encode_org_unit("ime")).bytes,
              protocol::encode_status(Opcode::org_unit, true));
    EXPECT_EQ(receive(core, protocol::encode_user("alice")).bytes,
              protocol::encode_status(Opcode::user, true));
    EXPECT_TRUE(core.delivering());
    // Once logged in, 1 and 2 are refused (the reference server's rule).
    EXPECT_EQ(receive(core, protocol::encode_org_unit("ime")).bytes,
              protocol::encode_status(Opcode::org_unit, false));
    EXPECT_EQ(receive(core, protocol::encode_user("bob")).bytes,
              protocol::encode_status(Opcode::user, false));
}

TEST_F(SessionCoreTest, MissingFoldersAndTraversalAreRefused) {
    auto& core = make_core();
    receive(core, start() + protocol::encode_setup(0, 0));
    EXPECT_EQ(receive(core, protocol::encode_org_unit("/nope")).bytes,
              protocol::encode_status(Opcode::org_unit, false));
    EXPECT_EQ(receive(core, protocol::encode_org_unit("/../etc")).bytes,
              protocol::encode_status(Opcode::org_unit, false));
    EXPECT_EQ(receive(core, protocol::encode_org_unit("/ime")).bytes,
              protocol::encode_status(Opcode::org_unit, true));
    EXPECT_EQ(receive(core, protocol::encode_user("../ime/alice")).bytes,
              protocol::encode_status(Opcode::user, false));
    EXPECT_EQ(receive(core, protocol::encode_user("dave")).bytes,
              protocol::encode_status(Opcode::user, false));
}

TEST_F(SessionCoreTest, UserNameLimitIs128Bytes) {
    const std::string at_limit(128, 'u');
    const std::string over_limit(129, 'u');
    fs::create_directories(root_ / "ime" / at_limit);
    fs::create_directories(root_ / "ime" / over_limit);
    auto& core = make_core();
    receive(core, start() + protocol::encode_setup(0, 0) + protocol::encode_org_unit("/ime"));
    EXPECT_EQ(receive(core, protocol::encode_user(over_limit)).bytes,
              protocol::encode_status(Opcode::user, false));
    EXPECT_EQ(receive(core, protocol::encode_user(at_limit)).bytes,
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
        EXPECT_EQ(receive(alice, frame).bytes, "") << payload;
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
        receive(alice, protocol::encode_send(std::vector<std::string>{"bob"}, too_long));
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
    auto out = poll_deliveries(bob);
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
    receive(bob, protocol::encode_setup(0, 0));
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
    EXPECT_EQ(receive(second, login).bytes, protocol::encode_tf_message("OK") +
                                                protocol::encode_status(Opcode::org_unit, true) +
                                                protocol::encode_status(Opcode::user, false));
    // Cooperative: an instance without flag 1 is not refused.
    logged_in("bob");
    first.on_close();
    EXPECT_EQ(receive(second, protocol::encode_user("bob")).bytes,
              protocol::encode_status(Opcode::user, true));
}

TEST_F(SessionCoreTest, ExitEchoesAndReentryKeepsConfiguration) {
    auto& alice = logged_in("alice");
    auto& bob = logged_in("bob");
    // Opcode 0 and a TF command pipelined in one read.
    auto out = receive(bob, protocol::encode_exit() + protocol::encode_tf_message("NOOP"));
    EXPECT_EQ(out.bytes, protocol::encode_exit_echo() + protocol::encode_tf_message("UNKNOWN"));
    EXPECT_FALSE(bob.in_module());
    send(alice, {"bob"}, "while away");
    EXPECT_TRUE(poll(bob).empty()) << "no pushes at the TF level";
    EXPECT_EQ(receive(bob, start()).bytes, protocol::encode_tf_message("OK"));
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
        const auto out = receive(core, frame);
        EXPECT_EQ(out.bytes, "") << sz;
        ASSERT_TRUE(out.close_reason) << sz;
        EXPECT_TRUE(core.closed());
        EXPECT_TRUE(receive(core, protocol::encode_exit()).empty()) << "a closed core is inert";
    }
}

TEST_F(SessionCoreTest, UnknownOpcodeIsSkippedAndLogged) {
    auto& core = make_core();
    receive(core, start() + protocol::encode_setup(0, 0));
    std::string bytes;
    protocol::append_header(bytes, {0x09, 3});
    bytes += "abc";
    bytes += protocol::encode_org_unit("/ime");
    const auto out = receive(core, bytes);
    EXPECT_FALSE(out.close_reason);
    EXPECT_EQ(out.bytes, protocol::encode_status(Opcode::org_unit, true));
    ASSERT_FALSE(log_.empty());
    EXPECT_NE(log_.back().find("0x09"), std::string::npos) << log_.back();
}

TEST_F(SessionCoreTest, IntervalChangesAndIsClampedAtOneMillisecond) {
    auto& core = logged_in("alice");
    EXPECT_EQ(core.interval(), std::chrono::milliseconds(25));
    receive(core, protocol::encode_interval(2'500'000'000));
    EXPECT_EQ(core.interval(), std::chrono::milliseconds(2500));
    receive(core, protocol::encode_interval(0));
    EXPECT_EQ(core.interval(), std::chrono::milliseconds(1));
}

TEST_F(SessionCoreTest, EverySplitPointGivesTheSameOutput) {
    const auto script = start() + protocol::encode_setup(0, 0) + protocol::encode_org_unit("/ime") +
                        protocol::encode_user("carol") + protocol::encode_interval(1'000'000) +
                        protocol::encode_send(std::vector<std::string>{"bob"}, "split") +
                        protocol::encode_exit() + start();
    auto& whole = make_core();
    const auto expected = receive(whole, script).bytes;
    for (std::size_t cut = 0; cut <= script.size(); ++cut) {
        auto& core = make_core();
        auto got = receive(core, script.substr(0, cut)).bytes;
        got += receive(core, script.substr(cut)).bytes;
        ASSERT_EQ(got, expected) << "split at " << cut;
        EXPECT_TRUE(core.in_module());
        EXPECT_FALSE(core.mid_frame());
    }
    auto& drip = make_core();
    std::string got;
    for (char c : script) {
        got += receive(drip, std::string_view(&c, 1)).bytes;
    }
    EXPECT_EQ(got, expected);
}

TEST_F(SessionCoreTest, MidFrameTracksPartialInput) {
    auto& core = make_core();
    receive(core, start().substr(0, 3));
    EXPECT_TRUE(core.mid_frame());
    receive(core, start().substr(3));
    EXPECT_FALSE(core.mid_frame());
    receive(core, protocol::encode_setup(0, 0).substr(0, 7));
    EXPECT_TRUE(core.mid_frame());
}

// ---- TF read-only commands: FSTAT, LS, LSR, DATE ----

TEST_F(SessionCoreTest, FstatAndDateAnswerOnOneLine) {
    auto& core = make_core();
    const auto command = [&](std::string_view text) {
        return receive(core, protocol::encode_tf_message(text)).bytes;
    };
    const auto reply = [](std::string_view text) { return protocol::encode_tf_message(text); };
    { std::ofstream(root_ / "ime" / "alice" / "notes") << "twelve bytes"; }
    // "OK <T> <size> <atime> <mtime>", times as the file system has them.
    const auto notes = root_ / "ime" / "alice" / "notes";
    struct stat st {};
    ASSERT_EQ(::stat(notes.c_str(), &st), 0);
    EXPECT_EQ(command("FSTAT /ime/alice/notes"),
              reply("OK F 12 " + std::to_string(st.st_atim.tv_sec) + " " +
                    std::to_string(st.st_mtim.tv_sec)));
    const auto body = [&](std::string_view text) {
        return std::get<std::string>(protocol::decode_tf_message(command(text)).result);
    };
    EXPECT_TRUE(body("FSTAT /ime").starts_with("OK D "));
    EXPECT_TRUE(body("FSTAT /").starts_with("OK D ")) << "the root may be looked at";
    EXPECT_EQ(command("FSTAT /ime/nobody"),
              reply("FAILED 9 : File does not exist. ('/ime/nobody' does not exist)"));
    EXPECT_EQ(command("FSTAT /nope/x"),
              reply("FAILED 9 : File does not exist. ('/nope' does not exist)"));
    EXPECT_EQ(command("FSTAT /../x"),
              reply("FAILED 1 : Access denied to location. ('..' climbs out of the root)"));
    fs::create_directory_symlink(root_ / "ime", root_ / "link");
    EXPECT_EQ(command("FSTAT /link"),
              reply("FAILED 1 : Access denied to location. ('/link' is a symlink)"));
    EXPECT_EQ(command("FSTAT /link/alice"),
              reply("FAILED 1 : Access denied to location. ('/link' is a symlink)"));
    EXPECT_EQ(command("FSTAT"), reply("FAILED 16 : Missing parameter. (FSTAT needs a path)"));
    now_ = 1796049383;
    EXPECT_EQ(command("DATE"), reply("OK 1796049383"));
    EXPECT_EQ(command("DATE x"), reply(protocol::tf_unknown));
    EXPECT_FALSE(core.in_module());
}

TEST_F(SessionCoreTest, LsAndLsrListInChunksThatTheClientPaces) {
    auto& core = make_core();
    const auto command = [&](std::string_view text) {
        return receive(core, protocol::encode_tf_message(text)).bytes;
    };
    const auto reply = [](std::string_view text) { return protocol::encode_tf_message(text); };
    fs::create_directories(root_ / "ime" / "alice" / "messages" / "blacklist");
    std::ofstream(root_ / "ime" / "alice" / "messages" / "m1") << "x";
    std::ofstream(root_ / "ime" / "alice" / "messages" / "blacklist" / "mallory");
    fs::create_directory_symlink(root_ / "ime", root_ / "ime" / "alice" / "messages" / "link");

    EXPECT_EQ(command("LS /ime/alice/messages"), reply("CONT D: blacklist/\nU: link\nF: m1\n"));
    EXPECT_EQ(command("CONT"), reply("OK"));
    EXPECT_EQ(command("LSR /ime/alice"),
              reply("CONT D: messages/\nD: messages/blacklist/\nF: messages/blacklist/mallory\n"
                    "U: messages/link\nF: messages/m1\n"))
        << "names relative to the listed folder, the symlink never followed";
    EXPECT_EQ(command("BREAK"), reply("OK"));
    EXPECT_EQ(command("LS /ime/bob"), reply("OK")) << "an empty folder: no chunk at all";
    EXPECT_EQ(command("LS /ime/none"),
              reply("FAILED 10 : Directory does not exist. ('/ime/none' does not exist)"));
    EXPECT_EQ(command("LS /ime/alice/messages/m1"),
              reply("FAILED 10 : Directory does not exist. ('/ime/alice/messages/m1' is not a "
                    "folder)"));
    EXPECT_EQ(command("LS /ime/alice/messages/link"),
              reply("FAILED 1 : Access denied to location. ('/ime/alice/messages/link' is a "
                    "symlink)"));
    EXPECT_EQ(command("LSR /ime/alice/messages/link/bob"),
              reply("FAILED 1 : Access denied to location. ('/ime/alice/messages/link' is a "
                    "symlink)"));
    EXPECT_EQ(command("LS /ime/../.."),
              reply("FAILED 1 : Access denied to location. ('..' climbs out of the root)"));
    EXPECT_EQ(command("LS /.xsime-tmp"),
              reply("FAILED 1 : Access denied to location. ('/.xsime-tmp' is the server's "
                    "temporary folder)"));
    EXPECT_EQ(command("LS /"), reply("CONT D: ime/\n")) << "the temporary folder is not listed";
    EXPECT_EQ(command("CONT"), reply("OK"));
    EXPECT_EQ(command("LS"), reply("FAILED 16 : Missing parameter. (LS needs a path)"));
    // Still at the TF level, and usable.
    EXPECT_EQ(receive(core, start()).bytes, reply("OK"));
}

TEST_F(SessionCoreTest, ALongListingComesInChunksOfWholeEntries) {
    auto& core = make_core();
    const auto dir = root_ / "ime" / "carol";
    for (int i = 0; i < 300; ++i) {
        std::ofstream(dir / ("message-file-" + std::to_string(1000 + i)));
    }
    const auto decode = [](const std::string& bytes) {
        std::vector<std::string> bodies;
        std::string_view rest = bytes;
        while (!rest.empty()) {
            const auto step = protocol::decode_tf_message(rest);
            bodies.push_back(std::get<std::string>(step.result));
            rest.remove_prefix(step.consumed);
        }
        return bodies;
    };
    // The client may send its answers ahead (pipelined): each is read in turn.
    std::string data;
    auto bodies = decode(receive(core, protocol::encode_tf_message("LS /ime/carol")).bytes);
    while (bodies.size() == 1 && bodies[0].starts_with("CONT ")) {
        EXPECT_LE(bodies[0].size() - 5, 4096u);
        EXPECT_TRUE(bodies[0].ends_with("\n")) << "whole entries only";
        data += bodies[0].substr(5);
        bodies = decode(receive(core, protocol::encode_tf_message("CONT")).bytes);
    }
    ASSERT_EQ(bodies, std::vector<std::string>{"OK"});
    EXPECT_EQ(std::count(data.begin(), data.end(), '\n'), 300);
    EXPECT_TRUE(data.starts_with("F: message-file-1000\nF: message-file-1001\n"));

    // BREAK after the first chunk ends it; anything else there closes the connection.
    EXPECT_EQ(decode(receive(core, protocol::encode_tf_message("LS /ime/carol")).bytes).size(), 1u);
    EXPECT_EQ(receive(core, protocol::encode_tf_message("BREAK")).bytes,
              protocol::encode_tf_message("OK"));
    receive(core, protocol::encode_tf_message("LS /ime/carol"));
    auto out = receive(core, protocol::encode_tf_message("MKDIR /ime/x"));
    EXPECT_TRUE(out.close_reason.has_value());
    EXPECT_FALSE(fs::exists(root_ / "ime" / "x"));
}

// ---- TF file commands ----

TEST_F(SessionCoreTest, FileCommandsAnswerOkOrFailedNamingTheClientsPath) {
    auto& core = make_core();
    const auto command = [&](std::string_view text) {
        return receive(core, protocol::encode_tf_message(text)).bytes;
    };
    const auto ok = protocol::encode_tf_message("OK");
    EXPECT_EQ(command("MKDIR /org"), ok);
    EXPECT_EQ(command("MKDIR /org/a"), ok);
    EXPECT_TRUE(fs::is_directory(root_ / "org" / "a"));
    EXPECT_EQ(command("MKDIR /org/a"),
              protocol::encode_tf_message("FAILED MKDIR /org/a: already exists"));
    EXPECT_EQ(command("MKDIR /nope/a"),
              protocol::encode_tf_message("FAILED MKDIR /nope/a: parent folder does not exist"));
    EXPECT_EQ(command("TOUCH /org/a/blocked user"), ok) << "the path is all the rest";
    EXPECT_TRUE(fs::is_regular_file(root_ / "org" / "a" / "blocked user"));
    EXPECT_EQ(command("DEL /org/a/blocked user"), ok);
    EXPECT_FALSE(fs::exists(root_ / "org" / "a" / "blocked user"));
    EXPECT_EQ(command("DEL /org/a"), protocol::encode_tf_message(
                                         "FAILED DEL /org/a: is a folder (RMDIR removes folders)"));
    EXPECT_EQ(command("TOUCH /org/a/f"), ok);
    EXPECT_EQ(command("RMDIR /org"), ok);
    EXPECT_FALSE(fs::exists(root_ / "org"));
    EXPECT_EQ(command("RMDIR /"),
              protocol::encode_tf_message("FAILED RMDIR /: names the root itself"));
    EXPECT_EQ(command("RMDIR /ime/.."),
              protocol::encode_tf_message("FAILED RMDIR /ime/..: names the root itself"));
    EXPECT_EQ(command("RMDIR /../x"),
              protocol::encode_tf_message("FAILED RMDIR /../x: '..' climbs out of the root"));
    EXPECT_TRUE(fs::is_directory(root_ / "ime" / "alice"));
    // Still at the TF level, and usable.
    EXPECT_FALSE(core.in_module());
    EXPECT_EQ(receive(core, start()).bytes, ok);
}

TEST_F(SessionCoreTest, FileCommandWordsAreExactAndNeedOneSpaceThenAPath) {
    auto& core = make_core();
    const auto command = [&](std::string_view text) {
        return receive(core, protocol::encode_tf_message(text)).bytes;
    };
    for (const char* text : {"mkdir /org", "MKDIRS /org", "MKDIR\t/org", "Touch /org", "DELETE /x",
                             "RMDIR\n/ime", "XSIME_START /x"}) {
        EXPECT_EQ(command(text), protocol::encode_tf_message("UNKNOWN")) << text;
    }
    EXPECT_EQ(command("MKDIR"), protocol::encode_tf_message("FAILED MKDIR: missing path"));
    EXPECT_EQ(command("TOUCH "), protocol::encode_tf_message("FAILED TOUCH: missing path"));
    EXPECT_EQ(command("DEL"), protocol::encode_tf_message("FAILED DEL: missing path"));
    EXPECT_EQ(command("RMDIR "), protocol::encode_tf_message("FAILED RMDIR: missing path"));
    EXPECT_EQ(command("MKDIR  /org"),
              protocol::encode_tf_message("FAILED MKDIR  /org: path does not begin with '/'"));
    EXPECT_EQ(command("TOUCH org"),
              protocol::encode_tf_message("FAILED TOUCH org: path does not begin with '/'"));
    EXPECT_EQ(command("RMDIR ime"),
              protocol::encode_tf_message("FAILED RMDIR ime: path does not begin with '/'"));
    EXPECT_TRUE(fs::is_directory(root_ / "ime"));
    EXPECT_FALSE(fs::exists(root_ / "org"));
    EXPECT_FALSE(fs::exists(root_ / " "));
}

TEST_F(SessionCoreTest, FileCommandRepliesEscapeBytesAndNeverNameTheServersRoot) {
    fs::create_directory_symlink(root_ / "ime", root_ / "link");
    auto& core = make_core();
    const auto reply = [&](std::string_view text) {
        auto bytes = receive(core, protocol::encode_tf_message(text)).bytes;
        auto step = protocol::decode_tf_message(bytes);
        EXPECT_EQ(step.consumed, bytes.size()) << "one TF message";
        return std::holds_alternative<std::string>(step.result) ? std::get<std::string>(step.result)
                                                                : std::string("(no message)");
    };
    EXPECT_EQ(reply("MKDIR /link/x"), "FAILED MKDIR /link/x: '/link' is a symlink");
    EXPECT_FALSE(fs::exists(root_ / "ime" / "x"));
    EXPECT_EQ(reply(std::string("MKDIR /a\0b", 10)),
              "FAILED MKDIR /a\\x00b: path contains a NUL byte");
    EXPECT_EQ(reply("MKDIR /no\nne\\/x"),
              "FAILED MKDIR /no\\x0ane\\\\/x: parent folder does not exist");
    // A path far longer than any folder name: the reply is cut, and stays a short message.
    const auto long_reply = reply("MKDIR /" + std::string(60000, 'a'));
    EXPECT_EQ(long_reply.rfind("FAILED MKDIR /aaaa", 0), 0u) << long_reply.substr(0, 40);
    EXPECT_NE(long_reply.find("...: File name too long"), std::string::npos);
    EXPECT_LT(long_reply.size(), 1200u);
    for (const auto& line : log_) {
        EXPECT_EQ(line.find('\0'), std::string::npos) << "log lines are escaped too";
    }
}

// ---- call cuts (CoreOutput::calls) ----

using Cuts = std::vector<std::size_t>;

TEST_F(SessionCoreTest, CallCutsOfEachKindOfOutput) {
    auto& core = make_core();
    EXPECT_EQ(receive(core, protocol::encode_tf_message("NOPE")).calls, (Cuts{4, 7}));
    EXPECT_EQ(receive(core, protocol::encode_tf_message("MKDIR /org")).calls, (Cuts{4, 2}));
    EXPECT_EQ(receive(core, protocol::encode_tf_message("MKDIR /org")).calls,
              (Cuts{4, std::string_view("FAILED MKDIR /org: already exists").size()}));
    EXPECT_EQ(receive(core, start()).calls, (Cuts{4, 2}));
    EXPECT_EQ(receive(core, protocol::encode_setup(0, 0)).calls, Cuts{}) << "no reply";
    EXPECT_EQ(receive(core, protocol::encode_org_unit("/ime")).calls, (Cuts{5}));
    EXPECT_EQ(receive(core, protocol::encode_user("alice")).calls, (Cuts{5}));
    EXPECT_EQ(receive(core, protocol::encode_send(std::vector<std::string>{"../x"}, "out")).calls,
              (Cuts{5}))
        << "a refused send";

    auto& bob = logged_in("bob");
    send(core, {"bob"}, "hi");
    send(core, {"bob"}, "hi2");
    // "1700000000:alice:hi" is 19 bytes.
    EXPECT_EQ(poll_deliveries(bob).calls, (Cuts{5, 19, 5, 20}));
    // Opcode 0 and a TF command in one read: the echo, then a TF reply.
    EXPECT_EQ(receive(bob, protocol::encode_exit() + protocol::encode_tf_message("NOOP")).calls,
              (Cuts{5, 4, 7}));
    // Pipelined login: one cut list for all the replies.
    auto& carol = make_core();
    EXPECT_EQ(receive(carol, start() + protocol::encode_setup(0, 0) +
                                 protocol::encode_org_unit("/ime") + protocol::encode_user("carol"))
                  .calls,
              (Cuts{4, 2, 5, 5}));
}

TEST_F(SessionCoreTest, CallCutsUnderFaults) {
    Faults faults;
    for (const Fault f : {Fault::no_org_reply, Fault::exit_no_echo, Fault::sz_little_endian,
                          Fault::ascii_opcodes, Fault::push_duplicated}) {
        faults.add(f);
    }
    auto& alice = logged_in("alice");
    auto& bob = make_core(faults);
    // Called directly: the rewritten headers do not decode, which the check would reject.
    auto out = bob.receive(start() + protocol::encode_setup(0, 0) +
                           protocol::encode_org_unit("/ime") + protocol::encode_user("bob"));
    EXPECT_EQ(out.calls, (Cuts{4, 2, 5})) << "the org unit reply is taken back with its cut";
    EXPECT_EQ(out.bytes.size(), 11u);
    send(alice, {"bob"}, "hi");
    out = bob.poll_deliveries();
    EXPECT_EQ(out.calls, (Cuts{5, 19, 5, 19})) << "rewritten in place, sent twice";
    ASSERT_EQ(out.bytes.size(), 48u);
    EXPECT_EQ(out.bytes[0], '5') << "the faults did apply";
    EXPECT_EQ(out.bytes.substr(1, 4), std::string("\x13\x00\x00\x00", 4));
    out = bob.receive(protocol::encode_exit());
    EXPECT_EQ(out.bytes, "");
    EXPECT_EQ(out.calls, Cuts{}) << "the echo is taken back with its cut";
    EXPECT_FALSE(bob.in_module());
}

// ---- next_call_size ----

TEST_F(SessionCoreTest, NextCallSizeAtTheTfLevelAndAfterEachHeader) {
    auto& core = make_core();
    EXPECT_EQ(core.next_call_size(), 4u);
    receive(core, start().substr(0, 4));
    EXPECT_EQ(core.next_call_size(), 11u) << "the body of XSIME_START";
    receive(core, start().substr(4));
    ASSERT_TRUE(core.in_module());
    EXPECT_EQ(core.next_call_size(), 5u) << "a header";

    // The size announced after the header of each opcode a client sends.
    const auto after_header = [&](const std::string& frame) {
        receive(core, frame.substr(0, protocol::header_size));
        const auto size = core.next_call_size();
        receive(core, frame.substr(protocol::header_size));
        EXPECT_EQ(core.next_call_size(), 5u) << "the frame is complete";
        return size;
    };
    EXPECT_EQ(after_header(protocol::encode_setup(3, 0)), 8u) << "sz holds flags, not a size";
    EXPECT_EQ(after_header(protocol::encode_org_unit("/ime")), 4u);
    EXPECT_EQ(after_header(protocol::encode_user("alice")), 5u);
    EXPECT_EQ(after_header(protocol::encode_send(std::vector<std::string>{"bob"}, "hi")), 7u);
    EXPECT_EQ(after_header(protocol::encode_interval(1'000'000)), 8u);
    std::string interval_sz0 = protocol::encode_header({protocol::raw(Opcode::interval), 0});
    interval_sz0 += std::string(8, '\0');
    EXPECT_EQ(after_header(interval_sz0), 8u) << "interval: 8 bytes whatever sz";
    std::string unknown = protocol::encode_header({0x09, 3});
    unknown += "abc";
    EXPECT_EQ(after_header(unknown), 3u) << "an unknown opcode's payload is skipped";

    // Opcode 0 is a header only, and the core is back at the TF level.
    receive(core, protocol::encode_exit());
    EXPECT_FALSE(core.in_module());
    EXPECT_EQ(core.next_call_size(), 4u);
    receive(core, protocol::encode_tf_message("END"));
    EXPECT_TRUE(core.closed());
    EXPECT_EQ(core.next_call_size(), 0u);
}

TEST_F(SessionCoreTest, NextCallSizeIsZeroAfterAFatalError) {
    auto& core = logged_in("alice");
    receive(core, protocol::encode_header({protocol::raw(Opcode::user), -1}));
    ASSERT_TRUE(core.closed());
    EXPECT_EQ(core.next_call_size(), 0u);
    auto& tf = make_core();
    receive(tf, std::string("\x80\x00\x00\x00", 4));
    ASSERT_TRUE(tf.closed());
    EXPECT_EQ(tf.next_call_size(), 0u);
}

// A client that sends exactly next_call_size() bytes at a time (as the tf transport does)
// sends what it would send in one write, in the cuts a TF client makes.
TEST_F(SessionCoreTest, FeedingNextCallSizeBytesFollowsTheClientsCuts) {
    const std::string command = "MKDIR /made";
    const auto script = start() + protocol::encode_setup(0, 0) + protocol::encode_org_unit("/ime") +
                        protocol::encode_user("carol") +
                        protocol::encode_send(std::vector<std::string>{"bob"}, "x") +
                        protocol::encode_interval(1'000'000) + protocol::encode_exit() +
                        protocol::encode_tf_message(command) + start();
    auto& whole = make_core();
    const auto expected = receive(whole, script);
    ASSERT_TRUE(fs::remove(root_ / "made")) << "so that the second MKDIR succeeds too";
    auto& stepped = make_core();
    Cuts sizes;
    std::string got;
    Cuts got_calls;
    for (std::size_t at = 0; at < script.size();) {
        const auto n = stepped.next_call_size();
        ASSERT_GT(n, 0u) << at;
        ASSERT_LE(at + n, script.size()) << at;
        sizes.push_back(n);
        auto out = receive(stepped, std::string_view(script).substr(at, n));
        at += n;
        got += out.bytes;
        got_calls.insert(got_calls.end(), out.calls.begin(), out.calls.end());
    }
    EXPECT_EQ(sizes, (Cuts{4, 11, 5, 8, 5, 4, 5, 5, 5, 6, 5, 8, 5, 4, command.size(), 4, 11}));
    EXPECT_EQ(got, expected.bytes);
    EXPECT_EQ(got_calls, expected.calls);
    EXPECT_TRUE(fs::is_directory(root_ / "made"));
    EXPECT_TRUE(stepped.in_module());
}

} // namespace
} // namespace xsime::mock
