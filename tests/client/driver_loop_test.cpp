// The client driver loop in-process against a scripted loopback server: the protocol page's
// complete exchange byte for byte, pushes while a command waits, stdin read while a command
// waits, the end of input, garbage lines, a peer that closes, a reply that never comes.
#include "protocol/messages.hpp"
#include "protocol/tf_framing.hpp"
#include "protocol/tf_rsa.hpp"
#include "tests/client/driver_test_support.hpp"
#include "tests/support/server_process.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <memory>

namespace xsime::test {
namespace {

std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (const int v : values) {
        out.push_back(static_cast<char>(v));
    }
    return out;
}

Json ok(int id, const char* cmd) {
    return Json{{"event", "ok"}, {"id", id}, {"cmd", cmd}};
}

void expect_failed(const Json& event, int id, const char* cmd) {
    EXPECT_EQ(event.value("event", ""), "failed") << event;
    EXPECT_EQ(event.value("id", -1), id) << event;
    EXPECT_EQ(event.value("cmd", ""), cmd) << event;
    EXPECT_FALSE(event.value("reason", "").empty()) << event;
}

Json connect_command(int id, std::uint16_t port) {
    return {{"cmd", "connect"},
            {"id", id},
            {"host", "127.0.0.1"},
            {"port", port},
            {"transport", "plain"}};
}

// hello, then connect (id 1) over plain, accepted.
void connect_plain(InProcessDriver& driver, FakeServer& server) {
    ASSERT_EQ(driver.next().value("event", ""), "hello");
    driver.command(connect_command(1, server.port()));
    ASSERT_TRUE(server.accept());
    ASSERT_EQ(driver.next(), ok(1, "connect"));
}

// hello, connect, start, setup, org_unit "ime", user "bob": ids 1..5, each answered.
void log_in(InProcessDriver& driver, FakeServer& server) {
    connect_plain(driver, server);
    driver.command({{"cmd", "start"}, {"id", 2}});
    ASSERT_EQ(server.read(15), protocol::encode_tf_message("XSIME_START"));
    server.write(protocol::encode_tf_message("OK"));
    ASSERT_EQ(driver.next(), ok(2, "start"));
    driver.command(
        {{"cmd", "setup"}, {"id", 3}, {"unique", false}, {"auto_delete", false}, {"timestamp", 0}});
    ASSERT_EQ(server.read(13), bytes({4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    ASSERT_EQ(driver.next(), ok(3, "setup"));
    driver.command({{"cmd", "org_unit"}, {"id", 4}, {"path", "ime"}});
    ASSERT_EQ(server.read(8), bytes({1, 0, 0, 0, 3}) + "ime");
    server.write(bytes({1, 0, 0, 0, 0}));
    ASSERT_EQ(driver.next(), ok(4, "org_unit"));
    driver.command({{"cmd", "user"}, {"id", 5}, {"name", "bob"}});
    ASSERT_EQ(server.read(8), bytes({2, 0, 0, 0, 3}) + "bob");
    server.write(bytes({2, 0, 0, 0, 0}));
    ASSERT_EQ(driver.next(), ok(5, "user"));
}

TEST(DriverLoopTest, TheCompleteExchangeOfTheProtocolPage) {
    FakeServer server;
    InProcessDriver driver;
    log_in(driver, server);
    server.write(protocol::encode_push("1700000000:alice:hi:)"));
    EXPECT_EQ(
        driver.next(),
        (Json{
            {"event", "message"}, {"timestamp", 1700000000}, {"from", "alice"}, {"text", "hi:)"}}));
    driver.command(
        {{"cmd", "send"}, {"id", 6}, {"to", {"alice", "carol"}}, {"text", "h\xc3\xa9llo"}});
    EXPECT_EQ(server.read(24), bytes({5, 0, 0, 0, 19}) + "alice:carol: h\xc3\xa9llo");
    EXPECT_EQ(driver.next(), ok(6, "send"));
    driver.command({{"cmd", "exit"}, {"id", 7}});
    EXPECT_EQ(server.read(5), bytes({0, 0, 0, 0, 0}));
    server.write(protocol::encode_push("1700000001:carol:late") + bytes({0, 0, 0, 0, 0}));
    EXPECT_EQ(
        driver.next(),
        (Json{
            {"event", "message"}, {"timestamp", 1700000001}, {"from", "carol"}, {"text", "late"}}));
    EXPECT_EQ(driver.next(), ok(7, "exit"));
    driver.command({{"cmd", "disconnect"}, {"id", 8}});
    EXPECT_EQ(driver.next(), ok(8, "disconnect"));
    EXPECT_TRUE(server.sees_close());
    EXPECT_EQ(driver.finish(), 0);
    EXPECT_EQ(driver.next(), Json({{"event", "done"}}));
    EXPECT_FALSE(driver.event(200ms).has_value()); // nothing after done
}

TEST(DriverLoopTest, PushesAndCommandLinesAreHandledWhileACommandWaits) {
    FakeServer server;
    InProcessDriver driver;
    log_in(driver, server);
    driver.command({{"cmd", "exit"}, {"id", 6}});
    ASSERT_EQ(server.read(5), bytes({0, 0, 0, 0, 0}));
    // exit waits for the echo; a push is reported meanwhile, and stdin is still read.
    server.write(protocol::encode_push("1:carol:while waiting"));
    EXPECT_EQ(driver.next().value("text", ""), "while waiting");
    driver.line("this is not json");
    EXPECT_EQ(driver.next().value("event", ""), "error");
    server.write(bytes({0, 0, 0, 0, 0}));
    EXPECT_EQ(driver.next(), ok(6, "exit"));
}

TEST(DriverLoopTest, BytesThatAreNotUtf8AreHex) {
    FakeServer server;
    InProcessDriver driver;
    log_in(driver, server);
    server.write(protocol::encode_push("7:al\xffice:caf\xe9"));
    const auto message = driver.next();
    EXPECT_EQ(message.value("text_hex", ""), "636166e9") << message;
    EXPECT_FALSE(message.contains("text")) << message;
    EXPECT_EQ(message.value("from_hex", ""), "616cff696365") << message;
    driver.command({{"cmd", "send"}, {"id", 6}, {"to", {"alice"}}, {"text_hex", "FF00"}});
    EXPECT_EQ(server.read(14), bytes({5, 0, 0, 0, 9}) + "alice: " + bytes({0xff, 0}));
    EXPECT_EQ(driver.next(), ok(6, "send"));
}

TEST(DriverLoopTest, TheEndOfInputFailsWhatWaitsAndPrintsDone) {
    FakeServer server;
    InProcessDriver driver;
    connect_plain(driver, server);
    driver.command({{"cmd", "start"}, {"id", 2}}); // never answered
    driver.command({{"cmd", "setup"},
                    {"id", 3},
                    {"unique", true},
                    {"auto_delete", true},
                    {"timestamp", 5}}); // queued behind it
    ASSERT_EQ(server.read(15).size(), 15u);
    const auto started = std::chrono::steady_clock::now();
    driver.close_input();
    expect_failed(driver.next(), 2, "start");
    expect_failed(driver.next(), 3, "setup");
    EXPECT_EQ(driver.next(), Json({{"event", "done"}}));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_EQ(driver.finish(), 0);
    EXPECT_TRUE(server.sees_close());
}

TEST(DriverLoopTest, GarbageLinesAreErrorsOrFailuresAndTheDriverGoesOn) {
    InProcessDriver driver;
    ASSERT_EQ(driver.next().value("event", ""), "hello");
    driver.line("not json");
    EXPECT_EQ(driver.next().value("event", ""), "error");
    driver.line("[1, 2]");
    EXPECT_EQ(driver.next().value("event", ""), "error");
    driver.line(R"({"cmd":"start"})"); // no id: nothing to fail
    EXPECT_EQ(driver.next().value("event", ""), "error");
    driver.line(R"({"cmd":"fly","id":1})");
    expect_failed(driver.next(), 1, "fly");
    driver.line(R"({"id":2})");
    expect_failed(driver.next(), 2, "");
    driver.line(R"({"cmd":"setup","id":3,"unique":"yes"})");
    expect_failed(driver.next(), 3, "setup");
    driver.line(R"({"cmd":"send","id":4,"to":["a"],"text_hex":"abc"})");
    expect_failed(driver.next(), 4, "send");
    driver.line(R"({"cmd":"connect","id":5,"transport":"tf"})");
    expect_failed(driver.next(), 5, "connect");
    driver.line(std::string("{\"cmd\":\"user\",\"id\":6,\"name\":\"\xff\"}")); // not UTF-8
    EXPECT_EQ(driver.next().value("event", ""), "error");
    driver.line(R"({"cmd":"start","id":7})");
    expect_failed(driver.next(), 7, "start"); // not connected
    EXPECT_EQ(driver.finish(), 0);
    EXPECT_EQ(driver.next(), Json({{"event", "done"}}));
}

TEST(DriverLoopTest, APeerThatClosesIsClosedAndFailsTheWaitingCommand) {
    FakeServer server;
    InProcessDriver driver;
    connect_plain(driver, server);
    driver.command({{"cmd", "start"}, {"id", 2}});
    ASSERT_EQ(server.read(15).size(), 15u);
    server.close_client();
    EXPECT_EQ(driver.next().value("event", ""), "closed");
    expect_failed(driver.next(), 2, "start");
    driver.command({{"cmd", "start"}, {"id", 3}});
    expect_failed(driver.next(), 3, "start");
}

TEST(DriverLoopTest, AFrameTheClientCannotReadClosesTheConnection) {
    FakeServer server;
    InProcessDriver driver;
    log_in(driver, server);
    server.write(bytes({5, 0, 0, 0x40, 1})); // sz 16385
    EXPECT_EQ(driver.next().value("event", ""), "error");
    EXPECT_EQ(driver.next().value("event", ""), "closed");
    EXPECT_TRUE(server.sees_close());
}

TEST(DriverLoopTest, AReplyThatNeverComesFailsAtTheDeadline) {
    auto options = InProcessDriver::defaults();
    options.session.timeout = 300ms;
    FakeServer server;
    InProcessDriver driver(options);
    connect_plain(driver, server);
    const auto started = std::chrono::steady_clock::now();
    driver.command({{"cmd", "start"}, {"id", 2}});
    expect_failed(driver.next(), 2, "start");
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 3s);
}

TEST(DriverLoopTest, AConnectToAClosedPortFails) {
    std::uint16_t port = 0;
    {
        FakeServer gone; // listens, then closes: nothing is there any more
        port = gone.port();
    }
    InProcessDriver driver;
    ASSERT_EQ(driver.next().value("event", ""), "hello");
    driver.command(connect_command(1, port));
    expect_failed(driver.next(), 1, "connect");
}

// ---- over tf, against the real `xsime-conform serve --transport tf` ----

constexpr const char* tf_version = "2.7";
constexpr const char* tf_hash = "hash-of-the-client-test-server";

const protocol::TfKeyPair& tf_keys() {
    static const protocol::TfKeyPair pair = [] {
        auto made = protocol::generate_tf_key_pair();
        if (auto* error = std::get_if<protocol::TfRsaError>(&made)) {
            throw std::runtime_error("key generation: " + error->reason);
        }
        return std::get<protocol::TfKeyPair>(std::move(made));
    }();
    return pair;
}

class DriverOverTfTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto key_path = root_.base() / "private.pem";
        std::ofstream(key_path) << tf_keys().private_pem;
        server_ = std::make_unique<ServerProcess>(
            root_, std::vector<std::string>{"--transport", "tf", "--key", key_path.string(),
                                            "--hash", tf_hash, "--proto-version", tf_version});
        root_.make_user("acme", "alice");
        root_.make_user("acme", "bob");
    }
    void TearDown() override {
        if (!server_) {
            return;
        }
        const auto status = server_->terminate(10s);
        ASSERT_TRUE(status.has_value()) << server_->stderr_text();
        EXPECT_TRUE(status->success()) << server_->stderr_text();
    }

    Json connect_tf(int id, const char* hash = tf_hash) const {
        return {{"cmd", "connect"},
                {"id", id},
                {"host", "127.0.0.1"},
                {"port", server_->port()},
                {"transport", "tf"},
                {"tf",
                 {{"public_key", tf_keys().public_pem}, {"hash", hash}, {"version", tf_version}}}};
    }

    void log_in(InProcessDriver& driver, const std::string& user) const {
        ASSERT_EQ(driver.next().value("event", ""), "hello");
        driver.command(connect_tf(1));
        ASSERT_EQ(driver.next(), ok(1, "connect"));
        driver.command({{"cmd", "start"}, {"id", 2}});
        ASSERT_EQ(driver.next(), ok(2, "start"));
        driver.command({{"cmd", "setup"},
                        {"id", 3},
                        {"unique", false},
                        {"auto_delete", true},
                        {"timestamp", 0}});
        ASSERT_EQ(driver.next(), ok(3, "setup"));
        driver.command({{"cmd", "org_unit"}, {"id", 4}, {"path", "/acme"}});
        ASSERT_EQ(driver.next(), ok(4, "org_unit"));
        driver.command({{"cmd", "user"}, {"id", 5}, {"name", user}});
        ASSERT_EQ(driver.next(), ok(5, "user"));
        driver.command({{"cmd", "interval"}, {"id", 6}, {"ns", 10'000'000}});
        ASSERT_EQ(driver.next(), ok(6, "interval"));
    }

    TempRoot root_;
    std::unique_ptr<ServerProcess> server_;
};

TEST_F(DriverOverTfTest, TwoClientsExchangeMessagesAndOneLeavesAndReenters) {
    InProcessDriver alice;
    InProcessDriver bob;
    log_in(alice, "alice");
    log_in(bob, "bob");
    alice.command({{"cmd", "send"}, {"id", 7}, {"to", {"bob"}}, {"text", "over tf: h\xc3\xa9"}});
    EXPECT_EQ(alice.next(), ok(7, "send"));
    auto message = bob.next();
    EXPECT_EQ(message.value("from", ""), "alice") << message;
    EXPECT_EQ(message.value("text", ""), "over tf: h\xc3\xa9") << message;

    bob.command({{"cmd", "exit"}, {"id", 7}});
    EXPECT_EQ(bob.next(), ok(7, "exit"));
    bob.command({{"cmd", "start"}, {"id", 8}});
    EXPECT_EQ(bob.next(), ok(8, "start"));
    // The module remembers the login: no setup, org unit or user again.
    alice.command({{"cmd", "send"}, {"id", 8}, {"to", {"bob"}}, {"text", "after re-entry"}});
    EXPECT_EQ(alice.next(), ok(8, "send"));
    EXPECT_EQ(bob.next().value("text", ""), "after re-entry");
    EXPECT_EQ(alice.finish(), 0);
    EXPECT_EQ(alice.next(), Json({{"event", "done"}}));
}

TEST_F(DriverOverTfTest, AWrongHashFailsTheConnectNamingStep3) {
    InProcessDriver driver;
    ASSERT_EQ(driver.next().value("event", ""), "hello");
    driver.command(connect_tf(1, "not the hash"));
    const auto event = driver.next();
    expect_failed(event, 1, "connect");
    EXPECT_NE(event.value("reason", "").find("step 3"), std::string::npos) << event;
    EXPECT_NE(event.value("reason", "").find("wrong hash"), std::string::npos) << event;
}

} // namespace
} // namespace xsime::test
