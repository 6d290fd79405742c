// Integration tests of the reference server: the real `xsime-conform serve` process on a
// temporary root, driven over loopback sockets with the plain transport, every wait bounded.
#include "harness/plain_connection.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_framing.hpp"
#include "tests/support/files.hpp"
#include "tests/support/scripted_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/wait_until.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace xsime::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using harness::TransportError;
using protocol::Frame;
using protocol::Header;
using protocol::Opcode;
using protocol::Push;

// Generous bounds: an expected reply may be slow on a loaded 2-core machine under ASan,
// and a generous bound costs nothing when the reply comes. Absence is checked over
// quiet_period, long enough for the default 25 ms delivery interval to have run many times.
constexpr auto io_timeout = scripted_io_timeout;
constexpr auto quiet_period = std::chrono::milliseconds(300);
constexpr auto close_timeout = std::chrono::milliseconds(2000);

std::uint64_t unix_now() {
    return static_cast<std::uint64_t>(std::time(nullptr));
}

// A header followed by raw bytes, for frames the encoders refuse to build (lying `sz`,
// unknown opcodes, ASCII digits).
std::string raw_frame(std::uint8_t opcode, std::int32_t sz, std::string_view body = {}) {
    std::string out = protocol::encode_header(Header{opcode, sz});
    out.append(body);
    return out;
}

// Opcode 5 with a payload written out by hand ("bob:carol: hi"), as the spec quotes it.
std::string send_frame(std::string_view payload) {
    return raw_frame(protocol::raw(Opcode::message), static_cast<std::int32_t>(payload.size()),
                     payload);
}

// One plain client session (tests/support/scripted_client.hpp), read as a script.
class Client : public ScriptedClient {
public:
    Client(std::uint16_t port, std::string name)
        : ScriptedClient(ScriptedClient::plain(port, std::move(name))) {}

    // A round trip that changes nothing: a message to a recipient outside the org unit is
    // refused with -1. The server handles a session's frames in order and writes its output
    // in order, so when the refusal arrives everything sent before it has been read and
    // handled, and everything the server wrote before it (with the removals that follow
    // a push's write) is done.
    void sync() {
        message("../nobody: sync");
        const auto reply = frame();
        if (reply.header != Header{protocol::raw(Opcode::message), -1}) {
            throw std::runtime_error(name() + ": expected the sync refusal, got " +
                                     describe_frame(reply));
        }
    }
};

// A server per test on its own root. Every test ends with SIGTERM and expects exit status
// 0: that catches a server that crashed during the test, and the sanitizers' reports
// (ASan errors, UBSan, leaks at exit) that make the exit status non-zero.
class ServerTest : public ::testing::Test {
protected:
    explicit ServerTest(std::vector<std::string> extra_args = {})
        : extra_args_(std::move(extra_args)) {}

    void SetUp() override {
        server_ = std::make_unique<ServerProcess>(root_, extra_args_);
        for (const auto* user : {"alice", "bob", "carol"}) {
            root_.make_user("acme", user);
        }
    }

    void TearDown() override {
        if (!server_) {
            return; // SetUp failed to start it, and said why
        }
        const auto status = server_->terminate(std::chrono::seconds(10));
        ASSERT_TRUE(status.has_value()) << "the server did not exit within 10 s of SIGTERM\n"
                                        << server_->stderr_text();
        EXPECT_TRUE(status->success())
            << "the server " << describe(*status) << "\n--- server stderr ---\n"
            << server_->stderr_text();
    }

    Client client(std::string name) { return Client(server_->port(), std::move(name)); }

    Client logged_in(std::string_view user, std::int32_t flags = 0, std::uint64_t since = 0) {
        Client c = client(std::string(user));
        c.login("acme", user, flags, since);
        return c;
    }

    TempRoot root_;
    std::vector<std::string> extra_args_;
    std::unique_ptr<ServerProcess> server_;
};

// ---- TF command level ----

TEST_F(ServerTest, XsimeStartIsAnsweredOk) {
    auto c = client("c");
    EXPECT_EQ(c.command(protocol::tf_xsime_start), protocol::tf_ok);
}

TEST_F(ServerTest, UnknownTfCommandIsAnsweredUnknown) {
    auto c = client("c");
    EXPECT_EQ(c.command("NOSUCHCOMMAND"), protocol::tf_unknown);
    // The session is still at the TF level and usable.
    EXPECT_EQ(c.command(protocol::tf_xsime_start), protocol::tf_ok);
}

TEST_F(ServerTest, EndClosesTheConnection) {
    auto c = client("c");
    c.send(protocol::encode_tf_message(protocol::tf_end));
    EXPECT_TRUE(c.closed_within(close_timeout));
}

// ---- TF file commands ----

// A harness that cannot reach the server's folders prepares them with MKDIR, TOUCH, DEL
// and RMDIR; the real server must act on its root, and only there.
TEST_F(ServerTest, FileCommandsPrepareAMailboxInsideTheRootOnly) {
    const fs::path org = root_.root() / "org";
    auto c = client("c");
    EXPECT_EQ(c.command("MKDIR /org"), "OK");
    EXPECT_EQ(c.command("MKDIR /org/dave"), "OK");
    EXPECT_EQ(c.command("MKDIR /org/dave"), "FAILED MKDIR /org/dave: already exists");
    EXPECT_TRUE(fs::is_directory(org / "dave"));

    // The folders are a mailbox: dave logs in there, which creates messages/blacklist/.
    auto dave = client("dave");
    dave.login("org", "dave");
    EXPECT_EQ(c.command("TOUCH /org/dave/messages/blacklist/mallory"), "OK");
    EXPECT_TRUE(fs::is_regular_file(org / "dave" / "messages" / "blacklist" / "mallory"));
    EXPECT_EQ(c.command("DEL /org/dave/messages/blacklist/mallory"), "OK");
    EXPECT_FALSE(fs::exists(org / "dave" / "messages" / "blacklist" / "mallory"));
    EXPECT_EQ(c.command("DEL /org/dave"),
              "FAILED DEL /org/dave: is a folder (RMDIR removes folders)");

    // Nothing outside the root, through '..' or a symlink, and never the root itself.
    fs::create_directories(root_.base() / "outside");
    fs::create_directory_symlink(root_.base() / "outside", root_.root() / "out");
    EXPECT_EQ(c.command("MKDIR /../escape"),
              "FAILED MKDIR /../escape: '..' climbs out of the root");
    EXPECT_EQ(c.command("TOUCH /out/x"), "FAILED TOUCH /out/x: '/out' is a symlink");
    EXPECT_EQ(c.command("RMDIR /"), "FAILED RMDIR /: names the root itself");
    EXPECT_EQ(c.command("RMDIR /out"), "FAILED RMDIR /out: is a symlink");
    EXPECT_FALSE(fs::exists(root_.base() / "escape"));
    EXPECT_TRUE(fs::is_empty(root_.base() / "outside"));
    EXPECT_EQ(c.command("mkdir /org/x"), protocol::tf_unknown) << "words are case-sensitive";

    // RMDIR takes the whole org unit, with what the server created in it.
    dave.close();
    EXPECT_EQ(c.command("RMDIR /org"), "OK");
    EXPECT_FALSE(fs::exists(org));
    EXPECT_TRUE(fs::is_directory(root_.root() / "acme" / "alice"));
    // The session is still at the TF level and usable.
    EXPECT_EQ(c.command(protocol::tf_xsime_start), protocol::tf_ok);
}

// A harness that cannot look into the server's folders observes a mailbox with LS, LSR
// and FSTAT: the listing comes in CONT chunks the client paces, ended by OK.
TEST_F(ServerTest, ListingCommandsObserveAMailboxInsideTheRootOnly) {
    auto dave = client("dave");
    dave.login("acme", "alice"); // creates messages/ and messages/blacklist/
    auto c = client("c");
    EXPECT_EQ(c.command("TOUCH /acme/alice/messages/blacklist/mallory"), "OK");
    EXPECT_EQ(c.command("LS /acme/alice/messages"), "CONT D: blacklist/\n");
    EXPECT_EQ(c.command("CONT"), "OK");
    EXPECT_EQ(c.command("LSR /acme/alice"),
              "CONT D: messages/\nD: messages/blacklist/\nF: messages/blacklist/mallory\n");
    EXPECT_EQ(c.command("BREAK"), "OK");
    EXPECT_TRUE(c.command("FSTAT /acme/alice/messages/blacklist/mallory").starts_with("OK F 0 "));
    EXPECT_TRUE(c.command("FSTAT /acme").starts_with("OK D "));
    EXPECT_EQ(c.command("LS /acme/none"),
              "FAILED 10 : Directory does not exist. ('/acme/none' does not exist)");
    EXPECT_EQ(c.command("FSTAT /acme/none"),
              "FAILED 9 : File does not exist. ('/acme/none' does not exist)");

    fs::create_directories(root_.base() / "outside");
    fs::create_directory_symlink(root_.base() / "outside", root_.root() / "out");
    EXPECT_EQ(c.command("LS /out"), "FAILED 1 : Access denied to location. ('/out' is a symlink)");
    EXPECT_EQ(c.command("LSR /.."),
              "FAILED 1 : Access denied to location. ('..' climbs out of the root)");
    EXPECT_TRUE(c.command("DATE").starts_with("OK "));
    // The session is still at the TF level and usable.
    EXPECT_EQ(c.command(protocol::tf_xsime_start), protocol::tf_ok);
}

// ---- every opcode ----

TEST_F(ServerTest, EveryOpcodeGetsItsReplyOrNone) {
    auto bob = logged_in("bob");
    auto alice = client("alice");
    alice.start();
    // Opcode 4 has no reply: the first frame after it must be the reply to opcode 1.
    alice.send(protocol::encode_setup(0, 0));
    EXPECT_EQ(alice.org_unit("acme"), 0);
    EXPECT_EQ(alice.user("alice"), 0);
    // Opcode 7 has no reply either: the next frame is the echo of opcode 0 below.
    alice.send(protocol::encode_interval(25'000'000));
    alice.message("bob: over");
    const auto push = bob.push();
    EXPECT_EQ(push.sender, "alice");
    EXPECT_EQ(push.text, "over");
    alice.send(protocol::encode_exit());
    const auto echo = alice.frame();
    EXPECT_EQ(echo.header, (Header{protocol::raw(Opcode::exit), 0}));
    EXPECT_TRUE(echo.payload.empty());
}

// ---- order of opcodes ----

TEST_F(ServerTest, OrgUnitBeforeSetupFails) {
    auto c = client("c");
    c.start();
    EXPECT_EQ(c.org_unit("acme"), -1);
}

TEST_F(ServerTest, UserBeforeOrgUnitFails) {
    auto c = client("c");
    c.start();
    EXPECT_EQ(c.user("bob"), -1); // neither 4 nor 1 yet
    c.send(protocol::encode_setup(0, 0));
    EXPECT_EQ(c.user("bob"), -1); // 4 but not 1
    EXPECT_EQ(c.org_unit("acme"), 0);
    EXPECT_EQ(c.user("bob"), 0);
}

TEST_F(ServerTest, MessageBeforeLoginIsRefused) {
    auto c = client("c");
    c.start();
    c.message("bob: too early");
    EXPECT_EQ(c.frame().header, (Header{protocol::raw(Opcode::message), -1}));
    c.send(protocol::encode_setup(0, 0));
    EXPECT_EQ(c.org_unit("acme"), 0);
    c.message("bob: still too early");
    EXPECT_EQ(c.frame().header, (Header{protocol::raw(Opcode::message), -1}));
}

// ---- delivery ----

TEST_F(ServerTest, TwoUsersExchangeMessages) {
    auto alice = logged_in("alice");
    auto bob = logged_in("bob");
    alice.message("bob: hello bob");
    const auto to_bob = bob.push();
    EXPECT_EQ(to_bob.sender, "alice");
    EXPECT_EQ(to_bob.text, "hello bob");
    bob.message("alice: hello: alice"); // a colon inside the text is part of it
    const auto to_alice = alice.push();
    EXPECT_EQ(to_alice.sender, "bob");
    EXPECT_EQ(to_alice.text, "hello: alice");
}

TEST_F(ServerTest, OneMessageToTwoRecipientsIsPushedOnceToEach) {
    auto alice = logged_in("alice");
    auto bob = logged_in("bob");
    auto carol = logged_in("carol");
    const auto before = unix_now();
    alice.message("bob:carol: hi");
    const std::regex format("^([0-9]+):alice:hi$");
    for (auto* recipient : {&bob, &carol}) {
        const auto payload = recipient->push_payload();
        std::smatch match;
        ASSERT_TRUE(std::regex_match(payload, match, format)) << payload;
        const auto stamp = std::stoull(match[1].str());
        EXPECT_GE(stamp, before);
        EXPECT_LE(stamp, unix_now());
    }
    EXPECT_TRUE(bob.silent_for(quiet_period));
    EXPECT_TRUE(carol.silent_for(std::chrono::milliseconds(50)));
    EXPECT_TRUE(alice.silent_for(std::chrono::milliseconds(50))); // not a recipient
}

TEST_F(ServerTest, BlacklistedSenderIsSilentlyDropped) {
    auto bob = logged_in("bob");
    auto carol = logged_in("carol");
    auto alice = logged_in("alice");
    // Created after login, as a client would with TF commands: checked at delivery.
    std::ofstream(root_.messages("acme", "bob") / "blacklist" / "alice").put('\n');
    alice.message("bob:carol: hi");
    EXPECT_EQ(carol.push().text, "hi");
    EXPECT_TRUE(bob.silent_for(quiet_period));
    EXPECT_TRUE(message_files(root_.messages("acme", "bob")).empty());
    // Replies come back without a -1: the drop is silent for the sender too.
    EXPECT_TRUE(alice.silent_for(std::chrono::milliseconds(50)));
    // Others still reach bob.
    carol.message("bob: from carol");
    EXPECT_EQ(bob.push().sender, "carol");
}

TEST_F(ServerTest, AutoDeleteRemovesThePushedMessage) {
    auto bob = logged_in("bob", protocol::flag_auto_delete);
    auto alice = logged_in("alice");
    alice.message("bob: read once");
    EXPECT_EQ(bob.push().text, "read once");
    // The file goes once the push is on the wire, which may be just after it arrived.
    EXPECT_TRUE(wait_until([&] { return message_files(root_.messages("acme", "bob")).empty(); },
                           io_timeout))
        << message_files(root_.messages("acme", "bob")).size() << " files left";
    EXPECT_TRUE(bob.silent_for(quiet_period));
}

TEST_F(ServerTest, WithoutAutoDeleteTheTimestampSelectsMessages) {
    auto bob = logged_in("bob");
    auto alice = logged_in("alice");
    alice.message("bob: keep me");
    auto first = bob.frame();
    const auto push = std::get<Push>(protocol::parse_push(first.payload));
    EXPECT_EQ(push.text, "keep me");
    // With auto delete the file would be gone once the push was written, before any later
    // reply to bob (AutoDeleteRemovesThePushedMessage): after one, it must still be there.
    bob.sync();
    EXPECT_EQ(message_files(root_.messages("acme", "bob")).size(), 1u);
    EXPECT_TRUE(bob.silent_for(quiet_period)); // pushed once, though still on disk

    // "0 means the beginning of time": a second session of bob gets it again, byte for byte.
    auto again = logged_in("bob", 0, 0);
    EXPECT_EQ(again.frame().payload, first.payload);
    // Older than the message: still pushed.
    auto older = logged_in("bob", 0, push.timestamp - 1);
    EXPECT_EQ(older.frame().payload, first.payload);
    // "the point in the time continuum from which ... to look": the push's own timestamp
    // is the last one seen, so that message is not pushed again.
    auto caught_up = logged_in("bob", 0, push.timestamp);
    EXPECT_TRUE(caught_up.silent_for(quiet_period));
}

TEST_F(ServerTest, BurstIsDeliveredExactlyOnceInOrder) {
    constexpr int count = 200;
    auto bob = logged_in("bob");
    auto alice = logged_in("alice");
    // Start just after a second boundary so that the whole burst most likely shares one
    // timestamp: then only the server's tie-break keeps the order.
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto into_second = now - std::chrono::duration_cast<std::chrono::seconds>(now);
    std::this_thread::sleep_for(std::chrono::seconds(1) - into_second +
                                std::chrono::milliseconds(5));
    std::string burst;
    for (int i = 0; i < count; ++i) {
        burst += send_frame("bob: seq " + std::to_string(i));
    }
    alice.send(burst);
    std::vector<std::uint64_t> stamps;
    for (int i = 0; i < count; ++i) {
        const auto push = bob.push();
        ASSERT_EQ(push.text, "seq " + std::to_string(i)) << "push #" << i;
        stamps.push_back(push.timestamp);
    }
    EXPECT_TRUE(std::is_sorted(stamps.begin(), stamps.end()));
    EXPECT_TRUE(bob.silent_for(quiet_period));
}

// Two bursts from two senders interleave at the recipient: every message of each sender
// arrives exactly once, in that sender's order.
TEST_F(ServerTest, ConcurrentSendersLoseNothing) {
    constexpr int count = 150;
    auto bob = logged_in("bob");
    bob.send(protocol::encode_interval(1'000'000)); // scan often, to widen the race window
    auto alice = logged_in("alice");
    auto carol = logged_in("carol");
    std::string from_alice;
    std::string from_carol;
    for (int i = 0; i < count; ++i) {
        from_alice += send_frame("bob: a" + std::to_string(i));
        from_carol += send_frame("bob: c" + std::to_string(i));
    }
    alice.send(from_alice);
    carol.send(from_carol);
    int next_alice = 0;
    int next_carol = 0;
    while (next_alice < count || next_carol < count) {
        const auto push = bob.push();
        auto& next = push.sender == "alice" ? next_alice : next_carol;
        const char tag = push.sender == "alice" ? 'a' : 'c';
        ASSERT_EQ(push.text, tag + std::to_string(next))
            << "from " << push.sender << "; alice at " << next_alice << ", carol at " << next_carol;
        ++next;
    }
    EXPECT_TRUE(bob.silent_for(quiet_period));
}

// More I/O threads than cores, so that deliveries of different senders overlap in time.
class ThreadedServerTest : public ServerTest {
protected:
    ThreadedServerTest() : ServerTest({"--threads", "4"}) {}
};

// One sender's messages arrive in order even while other senders' messages are linked into
// the same folder: readdir is no snapshot (a file linked into a slot the listing already
// passed is missed while a later one is seen), so the mailbox only trusts a listing that no
// placement overlapped.
TEST_F(ThreadedServerTest, OverlappingDeliveriesArePushedInOrder) {
    constexpr int count = 200;
    const std::vector<std::string> senders = {"s0", "s1", "s2", "s3", "s4", "s5"};
    for (const auto& sender : senders) {
        root_.make_user("acme", sender);
    }
    auto bob = logged_in("bob");
    bob.send(protocol::encode_interval(1'000'000)); // scan every millisecond
    // Each sender is its own thread and connection, writing one message at a time.
    auto send_all = [this](const std::string& user) {
        auto c = logged_in(user);
        for (int i = 0; i < count; ++i) {
            c.message("bob: " + std::to_string(i));
            if (i % 10 == 0) {
                std::this_thread::sleep_for(std::chrono::microseconds(200));
            }
        }
        // No replies are due: a round trip shows that the server has read and handled every
        // message before the connection closes.
        c.sync();
    };
    std::vector<std::jthread> threads;
    for (const auto& sender : senders) {
        threads.emplace_back([&send_all, sender] {
            try {
                send_all(sender);
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
            }
        });
    }
    // Everything is collected first, so that a failure shows reordering and losses apart.
    std::map<std::string, std::vector<int>> received;
    std::size_t total = 0;
    try {
        for (; total < count * senders.size(); ++total) {
            const auto push = bob.push();
            received[push.sender].push_back(std::stoi(push.text));
        }
    } catch (const std::exception& e) {
        ADD_FAILURE() << e.what() << " after " << total << " pushes";
    }
    for (const auto& sender : senders) {
        const auto& got = received[sender];
        std::vector<int> expected(count);
        std::iota(expected.begin(), expected.end(), 0);
        if (got == expected) {
            continue;
        }
        // The first out-of-place push and a few around it are enough to see what happened.
        const auto bad = static_cast<std::size_t>(
            std::mismatch(got.begin(), got.end(), expected.begin()).first - got.begin());
        std::string around;
        for (std::size_t i = bad > 2 ? bad - 2 : 0; i < std::min(got.size(), bad + 4); ++i) {
            around += " " + std::to_string(got[i]);
        }
        ADD_FAILURE() << sender << ": " << got.size() << " of " << count
                      << " pushed; in the order ..." << around << " ... from position " << bad;
    }
}

// ---- unique user ----

TEST_F(ServerTest, UniqueUserRefusesASecondInstance) {
    auto first = logged_in("bob", protocol::flag_unique_user);
    auto second = client("second");
    second.start();
    second.send(protocol::encode_setup(protocol::flag_unique_user, 0));
    EXPECT_EQ(second.org_unit("acme"), 0);
    EXPECT_EQ(second.user("bob"), -1);

    first.close();
    // The hold is released when the server sees the close, which may take a moment;
    // opcode 2 may be sent again after a refusal.
    auto third = client("third");
    third.start();
    third.send(protocol::encode_setup(protocol::flag_unique_user, 0));
    EXPECT_EQ(third.org_unit("acme"), 0);
    std::int32_t sz = -1;
    EXPECT_TRUE(wait_until([&] { return (sz = third.user("bob")) == 0; }, io_timeout,
                           std::chrono::milliseconds(20)))
        << "bob was still held after the first session closed (last reply " << sz << ")";
}

TEST_F(ServerTest, UniqueUserIsCooperative) {
    // Flag 1 on only one of the instances: "all involved instances ... must set it on,
    // otherwise it won't work", in either order.
    {
        auto holder = logged_in("bob", protocol::flag_unique_user);
        auto other = logged_in("bob", 0);
    }
    {
        auto other = logged_in("carol", 0);
        auto holder = logged_in("carol", protocol::flag_unique_user);
    }
}

// ---- leaving and re-entering the module ----

TEST_F(ServerTest, ExitAndReenterKeepsTheConfiguration) {
    auto bob = logged_in("bob");
    auto alice = logged_in("alice");
    bob.send(protocol::encode_exit());
    EXPECT_EQ(bob.frame().header, (Header{protocol::raw(Opcode::exit), 0}));

    // At the TF level nothing is pushed.
    alice.message("bob: while away");
    EXPECT_TRUE(bob.silent_for(quiet_period));
    EXPECT_EQ(bob.command("NOSUCHCOMMAND"), protocol::tf_unknown);

    // Back in, with no opcode 4, 1 or 2: the message that waited is pushed, new ones too,
    // and bob may send.
    bob.start();
    EXPECT_EQ(bob.push().text, "while away");
    alice.message("bob: welcome back");
    EXPECT_EQ(bob.push().text, "welcome back");
    bob.message("alice: thanks");
    EXPECT_EQ(alice.push().text, "thanks");
}

TEST_F(ServerTest, ConfigurationIsForgottenOnANewConnection) {
    {
        auto bob = logged_in("bob");
        bob.send(protocol::encode_exit());
        EXPECT_EQ(bob.frame().header.opcode, protocol::raw(Opcode::exit));
    }
    auto fresh = client("fresh");
    fresh.start();
    fresh.message("alice: who am I");
    EXPECT_EQ(fresh.frame().header, (Header{protocol::raw(Opcode::message), -1}));
}

// ---- names and paths ----

TEST_F(ServerTest, UserNameOf128BytesIsAcceptedAnd129Refused) {
    const std::string longest(128, 'u');
    const std::string too_long(129, 'v');
    root_.make_user("acme", longest);
    root_.make_user("acme", too_long); // exists, so only the length can refuse it
    auto c = client("c");
    c.start();
    c.send(protocol::encode_setup(0, 0));
    EXPECT_EQ(c.org_unit("acme"), 0);
    EXPECT_EQ(c.user(too_long), -1);
    EXPECT_EQ(c.user(longest), 0);
}

TEST_F(ServerTest, PathsCannotLeaveTheRootOrTheOrgUnit) {
    fs::create_directories(root_.base() / "x");   // root/../x exists: only the jail refuses
    fs::create_directories(root_.root() / "bob"); // acme/../bob exists too
    auto c = client("c");
    c.start();
    c.send(protocol::encode_setup(0, 0));
    EXPECT_EQ(c.org_unit("../x"), -1);
    EXPECT_EQ(c.org_unit("/../x"), -1);
    EXPECT_EQ(c.org_unit("/acme"), 0); // a leading '/' names the root (DESIGN.md)
    EXPECT_EQ(c.user("../bob"), -1);
    EXPECT_EQ(c.user("bob/../../bob"), -1);
    EXPECT_EQ(c.user("bob"), 0);
    // A recipient that climbs out refuses the message.
    c.message("../bob: out");
    EXPECT_EQ(c.frame().header, (Header{protocol::raw(Opcode::message), -1}));
    EXPECT_FALSE(fs::exists(root_.root() / "bob" / "messages"));
}

// ---- interval ----

TEST_F(ServerTest, ShortIntervalDeliversQuickly) {
    auto bob = logged_in("bob");
    bob.send(protocol::encode_interval(1'000'000)); // 1 ms
    auto alice = logged_in("alice");
    alice.message("bob: quick");
    EXPECT_EQ(bob.push(std::chrono::milliseconds(500)).text, "quick");
}

TEST_F(ServerTest, LongIntervalDelaysDelivery) {
    auto bob = logged_in("bob");
    bob.send(protocol::encode_interval(2'000'000'000)); // 2 s
    bob.sync();                                         // the interval is in effect
    auto alice = logged_in("alice");
    // Setting the interval triggers one scan at once, unseen while bob's folder is empty. A
    // first message makes a scan seen: once it is pushed, the next scan is 2 s away (each
    // scan schedules the next one interval later), so the second message must wait for it.
    alice.message("bob: first");
    EXPECT_EQ(bob.push(io_timeout).text, "first");
    const auto sent = std::chrono::steady_clock::now();
    alice.message("bob: slow");
    EXPECT_TRUE(bob.silent_for(quiet_period));
    EXPECT_EQ(bob.push(io_timeout).text, "slow");
    EXPECT_GE(std::chrono::steady_clock::now() - sent, quiet_period);
}

// ---- bad input ----

TEST_F(ServerTest, NegativeSizeClosesOnlyThatSession) {
    auto alice = logged_in("alice");
    auto bob = logged_in("bob");
    auto bad = client("bad");
    bad.start();
    bad.send(raw_frame(protocol::raw(Opcode::org_unit), -1));
    EXPECT_TRUE(bad.closed_within(close_timeout));
    alice.message("bob: still here");
    EXPECT_EQ(bob.push().text, "still here");
    bob.message("alice: me too");
    EXPECT_EQ(alice.push().text, "me too");
}

TEST_F(ServerTest, OversizedPayloadCloses) {
    auto c = logged_in("alice");
    c.send(raw_frame(protocol::raw(Opcode::message), protocol::max_payload + 1));
    EXPECT_TRUE(c.closed_within(close_timeout));
}

TEST_F(ServerTest, PayloadOfExactlyTheLimitIsRead) {
    auto c = client("c");
    c.start();
    c.send(protocol::encode_setup(0, 0));
    // 16384 bytes is allowed on the wire; the path does not exist, so the reply is -1.
    EXPECT_EQ(c.org_unit(std::string(protocol::max_payload, 'p')), -1);
    EXPECT_EQ(c.org_unit("acme"), 0);
}

TEST_F(ServerTest, UnknownOpcodeIsSkipped) {
    auto c = client("c");
    c.start();
    c.send(protocol::encode_setup(0, 0) + raw_frame(0x09, 3, "abc") +
           protocol::encode_org_unit("acme"));
    EXPECT_EQ(c.status(Opcode::org_unit), 0);
}

TEST_F(ServerTest, AsciiOpcodeIsDiagnosedAndSkipped) {
    auto c = client("c");
    c.start();
    c.send(protocol::encode_setup(0, 0) + raw_frame('5', 4, "abcd") +
           protocol::encode_org_unit("acme"));
    EXPECT_EQ(c.status(Opcode::org_unit), 0);
    EXPECT_TRUE(server_->wait_for_log("looks like ASCII", io_timeout)) << server_->stderr_text();
    EXPECT_EQ(c.user("bob"), 0);
}

TEST_F(ServerTest, ManyConcurrentSessions) {
    constexpr int count = 50;
    auto name = [](int i) { return "u" + std::to_string(i); };
    std::vector<Client> clients;
    clients.reserve(count);
    for (int i = 0; i < count; ++i) {
        root_.make_user("acme", name(i));
        clients.push_back(client(name(i)));
    }
    // All logins are in flight before any reply is read.
    for (int i = 0; i < count; ++i) {
        clients[i].send(protocol::encode_tf_message(protocol::tf_xsime_start) +
                        protocol::encode_setup(0, 0) + protocol::encode_org_unit("acme") +
                        protocol::encode_user(name(i)));
    }
    for (auto& c : clients) {
        ASSERT_EQ(c.tf_reply(), protocol::tf_ok);
        ASSERT_EQ(c.status(Opcode::org_unit), 0);
        ASSERT_EQ(c.status(Opcode::user), 0);
    }
    // A ring: each user writes to the next one.
    for (int i = 0; i < count; ++i) {
        clients[i].message(name((i + 1) % count) + ": from " + name(i));
    }
    for (int i = 0; i < count; ++i) {
        const auto push = clients[i].push();
        EXPECT_EQ(push.sender, name((i + count - 1) % count));
        EXPECT_EQ(push.text, "from " + push.sender);
    }
    for (int i = 0; i < count; ++i) {
        EXPECT_TRUE(clients[i].silent_for(i == 0 ? quiet_period : std::chrono::milliseconds(1)));
    }
}

// ---- process level ----

TEST_F(ServerTest, SigtermExitsCleanlyWithSessionsOpen) {
    auto bob = logged_in("bob");
    auto alice = logged_in("alice");
    auto idle = client("idle"); // still at the TF level
    EXPECT_EQ(idle.command("NOSUCHCOMMAND"), protocol::tf_unknown);
    auto partial = client("partial"); // half a header sent
    partial.start();
    partial.send(std::string_view("\x05\x00", 2));
    const auto status = server_->terminate(std::chrono::milliseconds(5000));
    ASSERT_TRUE(status.has_value()) << "no exit within 5 s of SIGTERM";
    EXPECT_TRUE(status->success()) << describe(*status) << "\n" << server_->stderr_text();
    EXPECT_TRUE(bob.closed_within(close_timeout));
    EXPECT_TRUE(idle.closed_within(close_timeout));
}

// The server installs its signal handler before it announces the port, so a SIGTERM sent
// as soon as the line is read still gets a clean exit 0.
TEST_F(ServerTest, SigtermRightAfterTheListeningLineExitsCleanly) {
    const auto status = server_->terminate(std::chrono::milliseconds(5000));
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(status->success()) << describe(*status);
}

class StallServerTest : public ServerTest {
protected:
    StallServerTest() : ServerTest({"--read-timeout-ms", "300"}) {}
};

TEST_F(StallServerTest, HalfHeaderIsDroppedAtTheReadDeadline) {
    auto idle = client("idle"); // whole frames only: never dropped for silence
    idle.start();
    auto stalled = client("stalled");
    stalled.start();
    const auto sent = std::chrono::steady_clock::now();
    stalled.send(std::string_view("\x01\x00\x00", 3));
    EXPECT_TRUE(stalled.closed_within(std::chrono::milliseconds(3000)));
    // The server cannot have seen the bytes before they were sent.
    EXPECT_GE(std::chrono::steady_clock::now() - sent, std::chrono::milliseconds(300));
    idle.send(protocol::encode_setup(0, 0));
    EXPECT_EQ(idle.org_unit("acme"), 0);
}

TEST_F(StallServerTest, HalfTfCommandIsDroppedAtTheReadDeadline) {
    auto stalled = client("stalled");
    stalled.send(std::string_view("\x00\x00", 2));
    EXPECT_TRUE(stalled.closed_within(std::chrono::milliseconds(3000)));
}

class LimitedServerTest : public ServerTest {
protected:
    LimitedServerTest() : ServerTest({"--max-sessions", "2"}) {}
};

TEST_F(LimitedServerTest, ConnectionBeyondTheLimitIsClosed) {
    auto first = client("first");
    auto second = client("second");
    // A reply proves each was admitted before the third arrives.
    EXPECT_EQ(first.command("NOSUCHCOMMAND"), protocol::tf_unknown);
    EXPECT_EQ(second.command("NOSUCHCOMMAND"), protocol::tf_unknown);
    auto third = client("third");
    EXPECT_TRUE(third.closed_within(close_timeout));
    EXPECT_TRUE(server_->wait_for_log("sessions already open", io_timeout));
    // The admitted ones are unaffected.
    EXPECT_EQ(first.command(protocol::tf_xsime_start), protocol::tf_ok);
}

} // namespace
} // namespace xsime::test
