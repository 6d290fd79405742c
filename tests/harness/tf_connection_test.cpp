// Integration tests of the tf transport's client (TfConnection) over 127.0.0.1: against the real
// `xsime-conform serve --transport tf`, and against in-test fake TF peers for what the reference
// server never does (closing or falling silent mid-handshake, dripping ciphered bytes).
#include "harness/tf_connection.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_cipher.hpp"
#include "protocol/tf_framing.hpp"
#include "protocol/tf_rsa.hpp"
#include "tests/support/scripted_client.hpp"
#include "tests/support/server_process.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <variant>
#include <vector>

namespace xsime::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using harness::TfConnection;
using harness::TfSettings;
using harness::TransportError;
using protocol::Frame;
using protocol::Header;
using protocol::Opcode;
using steady = std::chrono::steady_clock;

// Generous bounds for what must happen (a loaded 2-core machine under ASan); short ones only
// where the test waits for a silence on purpose.
constexpr auto io_timeout = 5000ms;
constexpr auto log_timeout = 5000ms;
constexpr auto silence_timeout = 700ms;
// A handshake against a peer that closes or falls silent must give up well within this.
constexpr auto give_up_bound = 4000ms;

constexpr std::string_view version = "2.7";
constexpr std::string_view hash = "hash-of-the-tf-test-server";

// Key generation is slow under sanitizers: two pairs for the whole binary.
struct Keys {
    protocol::TfKeyPair server;
    protocol::TfKeyPair other;
};

const Keys& keys() {
    static const Keys generated = [] {
        auto make = [] {
            auto pair = protocol::generate_tf_key_pair();
            if (auto* error = std::get_if<protocol::TfRsaError>(&pair)) {
                throw std::runtime_error("key generation: " + error->reason);
            }
            return std::get<protocol::TfKeyPair>(std::move(pair));
        };
        return Keys{make(), make()};
    }();
    return generated;
}

TfSettings good_settings() {
    return TfSettings{keys().server.public_pem, std::string(hash), std::string(version)};
}

// The handshake's outcome: the connection, or the error (which the failure tests want).
std::variant<std::unique_ptr<TfConnection>, TransportError>
handshake(std::uint16_t port, const TfSettings& settings, harness::Deadline timeout = io_timeout) {
    return TfConnection::connect("127.0.0.1", port, settings, timeout);
}

// The error of a handshake that must fail: kind `handshake`, naming `step`.
TransportError handshake_error(std::variant<std::unique_ptr<TfConnection>, TransportError> result,
                               std::string_view step) {
    if (std::holds_alternative<std::unique_ptr<TfConnection>>(result)) {
        ADD_FAILURE() << "the handshake succeeded";
        return {};
    }
    auto error = std::get<TransportError>(std::move(result));
    EXPECT_EQ(error.kind, TransportError::Kind::handshake) << error.message;
    EXPECT_NE(error.message.find(step), std::string::npos) << error.message;
    return error;
}

// One established tf session, read as a script (tests/support/scripted_client.hpp).
class Session : public ScriptedClient {
public:
    Session(std::uint16_t port, std::string name, const TfSettings& settings = good_settings())
        : ScriptedClient(connect(port, name, settings), name) {}

private:
    static std::unique_ptr<harness::Connection> connect(std::uint16_t port, const std::string& name,
                                                        const TfSettings& settings) {
        auto result = handshake(port, settings);
        if (auto* error = std::get_if<TransportError>(&result)) {
            throw std::runtime_error(name + ": connect: " + harness::describe(*error));
        }
        return std::move(std::get<std::unique_ptr<TfConnection>>(result));
    }
};

// ---- against the real `serve --transport tf` ----

// A tf server per test on its own root, its private key in the TempRoot's base folder (beside
// the mailbox, not in it). Every test ends with SIGTERM and expects exit status 0, which
// catches a crash during the test and the sanitizers' reports.
class TfServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto key_path = root_.base() / "private.pem";
        std::ofstream(key_path) << keys().server.private_pem;
        server_ = std::make_unique<ServerProcess>(
            root_,
            std::vector<std::string>{"--transport", "tf", "--key", key_path.string(), "--hash",
                                     std::string(hash), "--proto-version", std::string(version)});
        for (const auto* user : {"alice", "bob"}) {
            root_.make_user("acme", user);
        }
    }

    void TearDown() override {
        if (!server_) {
            return; // SetUp failed to start it, and said why
        }
        const auto status = server_->terminate(10s);
        ASSERT_TRUE(status.has_value()) << "the server did not exit within 10 s of SIGTERM\n"
                                        << server_->stderr_text();
        EXPECT_TRUE(status->success())
            << "the server " << describe(*status) << "\n--- server stderr ---\n"
            << server_->stderr_text();
    }

    std::uint16_t port() const { return server_->port(); }

    // XSIME_START, then opcodes 4, 1, 2 pipelined in one send, both replies 0.
    Session logged_in(const std::string& user) {
        Session session(port(), user);
        EXPECT_EQ(session.command(protocol::tf_xsime_start), protocol::tf_ok);
        session.send(protocol::encode_setup(0, 0) + protocol::encode_org_unit("/acme") +
                     protocol::encode_user(user));
        EXPECT_EQ(session.status(Opcode::org_unit), 0);
        EXPECT_EQ(session.status(Opcode::user), 0);
        return session;
    }

    // The connect must fail with a handshake error naming `step` and quoting `failed`.
    TransportError expect_refused(const TfSettings& settings, std::string_view step,
                                  std::string_view failed) {
        auto error = handshake_error(handshake(port(), settings), step);
        EXPECT_NE(error.message.find(failed), std::string::npos) << error.message;
        return error;
    }

    TempRoot root_;
    std::unique_ptr<ServerProcess> server_;
};

TEST_F(TfServerTest, HandshakeStartLoginAndAPushBetweenTwoSessions) {
    auto alice = logged_in("alice");
    auto bob = logged_in("bob");
    alice.send(protocol::encode_send(std::vector<std::string>{"bob"}, "hello over tf"));
    const auto push = bob.push();
    EXPECT_EQ(push.sender, "alice");
    EXPECT_EQ(push.text, "hello over tf");
    EXPECT_EQ(bob.connection().buffered(), 0u);
    EXPECT_EQ(server_->stderr_text().find("refused"), std::string::npos) << server_->stderr_text();
}

TEST_F(TfServerTest, UnknownCommandAndExitAndReentryOverTheCipher) {
    auto alice = logged_in("alice");
    alice.send(protocol::encode_exit());
    const auto echo = alice.frame();
    EXPECT_EQ(echo.header, (Header{protocol::raw(Opcode::exit), 0}));
    // Back at the TF level: commands are TF messages again, in their own two calls.
    EXPECT_EQ(alice.command("NO_SUCH_COMMAND"), protocol::tf_unknown);
    EXPECT_EQ(alice.command(protocol::tf_xsime_start), protocol::tf_ok);
    // The configuration survives re-entry: a send works without a new login.
    auto bob = logged_in("bob");
    alice.send(protocol::encode_send(std::vector<std::string>{"bob"}, "after re-entry"));
    EXPECT_EQ(bob.push().text, "after re-entry");
}

TEST_F(TfServerTest, WrongVersionFailsAtStep1) {
    auto settings = good_settings();
    settings.protocol_version = "9.9";
    expect_refused(settings, "step 1", "FAILED protocol version");
    EXPECT_TRUE(server_->wait_for_log("TF handshake refused: protocol version '9.9'", log_timeout))
        << server_->stderr_text();
    // The refusal is per connection: the next good client is served.
    EXPECT_EQ(Session(port(), "after").command(protocol::tf_xsime_start), protocol::tf_ok);
}

TEST_F(TfServerTest, PublicKeyOfAnotherPairFailsAtStep2) {
    auto settings = good_settings();
    settings.public_key_pem = keys().other.public_pem;
    expect_refused(settings, "step 2", "FAILED the session key cannot be decrypted");
    EXPECT_TRUE(server_->wait_for_log("TF handshake refused: the session key cannot be decrypted",
                                      log_timeout))
        << server_->stderr_text();
    EXPECT_EQ(Session(port(), "after").command(protocol::tf_xsime_start), protocol::tf_ok);
}

TEST_F(TfServerTest, WrongHashFailsAtStep3) {
    auto settings = good_settings();
    settings.hash = "not-the-hash";
    const auto error = expect_refused(settings, "step 3", "FAILED wrong hash");
    // The FAILED of step 3 is ciphered: quoting it proves the client unpacked it.
    EXPECT_NE(error.message.find("after unpacking"), std::string::npos) << error.message;
    EXPECT_TRUE(server_->wait_for_log("TF handshake refused: wrong hash", log_timeout))
        << server_->stderr_text();
    EXPECT_EQ(Session(port(), "after").command(protocol::tf_xsime_start), protocol::tf_ok);
}

TEST_F(TfServerTest, SessionKeySizesAtBothLimitsWork) {
    for (const std::size_t size : {protocol::tf_session_key_min, protocol::tf_session_key_max}) {
        SCOPED_TRACE(std::to_string(size) + "-byte session key");
        auto settings = good_settings();
        settings.session_key_size = size;
        Session session(port(), "limit", settings);
        EXPECT_EQ(session.command(protocol::tf_xsime_start), protocol::tf_ok);
    }
}

// TCP segments that cut cipher calls, client to server: each piece is its own send (one TCP
// write, Nagle off, a pause between), so the server gets headers in two segments and
// payloads a byte at a time, and must put the calls together before unpacking.
TEST_F(TfServerTest, FramesSentInPiecesAreReassembledByTheServer) {
    auto bob = logged_in("bob");
    Session alice(port(), "alice");
    EXPECT_EQ(alice.command(protocol::tf_xsime_start), protocol::tf_ok);
    auto send_in_pieces = [&](const std::string& frame) {
        alice.send(std::string_view(frame).substr(0, 2));
        std::this_thread::sleep_for(2ms);
        alice.send(std::string_view(frame).substr(2, 3));
        for (std::size_t i = protocol::header_size; i < frame.size(); ++i) {
            std::this_thread::sleep_for(1ms);
            alice.send(std::string_view(frame).substr(i, 1));
        }
    };
    send_in_pieces(protocol::encode_setup(0, 0));
    send_in_pieces(protocol::encode_org_unit("/acme"));
    EXPECT_EQ(alice.status(Opcode::org_unit), 0);
    send_in_pieces(protocol::encode_user("alice"));
    EXPECT_EQ(alice.status(Opcode::user), 0);
    send_in_pieces(protocol::encode_send(std::vector<std::string>{"bob"}, "one byte at a time"));
    const auto push = bob.push();
    EXPECT_EQ(push.sender, "alice");
    EXPECT_EQ(push.text, "one byte at a time");
}

// ---- against fake peers ----

// A loopback listener that accepts one connection and runs `script` on it, on its own thread.
// Every wait of the script is bounded (a 10 s ceiling, and the destructor's stop), so a test
// never hangs on it; what the script saw or found wrong is kept for the test to assert on.
class FakePeer {
public:
    using Script = std::function<void(FakePeer&)>;

    explicit FakePeer(Script script) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (listener_ < 0) {
            throw std::runtime_error("socket failed");
        }
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(listener_, 4) != 0 ||
            ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            ::close(listener_);
            throw std::runtime_error("cannot listen on 127.0.0.1");
        }
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this, script = std::move(script)] {
            if (accept_one()) {
                script(*this);
            }
            close_connection();
        });
    }

    ~FakePeer() {
        stop_ = true;
        finish();
        ::close(listener_);
    }
    FakePeer(const FakePeer&) = delete;
    FakePeer& operator=(const FakePeer&) = delete;

    std::uint16_t port() const { return port_; }

    // Waits for the script to end (after stop(), within one poll slice).
    void stop() {
        stop_ = true;
        finish();
    }

    // What the script recorded; read after stop().
    std::vector<std::string> problems() const {
        std::lock_guard lock(mutex_);
        return problems_;
    }
    // The problems on one line each, for a failure message.
    std::string problems_text() const {
        std::string all;
        for (const auto& line : problems()) {
            all += line + "\n";
        }
        return all;
    }
    std::vector<std::string> seen() const {
        std::lock_guard lock(mutex_);
        return seen_;
    }

    // ---- for scripts ----

    void problem(std::string what) {
        std::lock_guard lock(mutex_);
        problems_.push_back(std::move(what));
    }
    void saw(std::string what) {
        std::lock_guard lock(mutex_);
        seen_.push_back(std::move(what));
    }

    // Exactly `size` bytes, or nullopt on EOF, error, the ceiling or stop().
    std::optional<std::string> read_exact(std::size_t size) {
        std::string out;
        while (out.size() < size) {
            if (!wait_readable()) {
                return std::nullopt;
            }
            char buffer[512];
            const auto want = std::min(sizeof buffer, size - out.size());
            const ssize_t n = ::read(fd_, buffer, want);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                return std::nullopt;
            }
            out.append(buffer, static_cast<std::size_t>(n));
        }
        return out;
    }

    // One clear TF message's body.
    std::optional<std::string> read_clear_message() {
        auto length = read_exact(protocol::tf_length_size);
        if (!length) {
            return std::nullopt;
        }
        const auto step = protocol::decode_tf_message(*length);
        if (std::holds_alternative<std::string>(step.result)) {
            return std::string();
        }
        if (!std::holds_alternative<protocol::NeedMore>(step.result)) {
            problem("bad clear TF length");
            return std::nullopt;
        }
        return read_exact(std::get<protocol::NeedMore>(step.result).missing);
    }

    // One ciphered TF message's body, read call by call.
    std::optional<std::string> read_ciphered_message(protocol::TfCipherReceiver& in) {
        while (true) {
            auto result = in.next_tf_message();
            if (auto* body = std::get_if<std::string>(&result)) {
                return *body;
            }
            if (auto* error = std::get_if<protocol::TfError>(&result)) {
                problem("bad ciphered TF message: " + error->reason);
                return std::nullopt;
            }
            auto more = read_exact(std::get<protocol::NeedMore>(result).missing);
            if (!more) {
                return std::nullopt;
            }
            in.feed(*more);
        }
    }

    // Every byte as one write (or one write per byte, with a pause between, when `drip`).
    bool write(std::string_view bytes, bool drip = false) {
        while (!bytes.empty()) {
            const auto size = drip ? std::size_t{1} : bytes.size();
            const ssize_t n = ::send(fd_, bytes.data(), size, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                problem("write failed");
                return false;
            }
            bytes.remove_prefix(static_cast<std::size_t>(n));
            if (drip && !bytes.empty()) {
                std::this_thread::sleep_for(2ms);
            }
        }
        return true;
    }

    // Keeps the connection open and silent until stop() or the ceiling.
    void hold() {
        while (!stop_ && steady::now() < ceiling_) {
            std::this_thread::sleep_for(10ms);
        }
    }

private:
    bool wait_for(int fd) {
        while (!stop_ && steady::now() < ceiling_) {
            pollfd pfd{fd, POLLIN, 0};
            const int ready = ::poll(&pfd, 1, 20);
            if (ready > 0) {
                return true;
            }
            if (ready < 0 && errno != EINTR) {
                return false;
            }
        }
        return false;
    }
    bool wait_readable() { return wait_for(fd_); }

    bool accept_one() {
        if (!wait_for(listener_)) {
            return false;
        }
        fd_ = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd_ < 0) {
            problem("accept failed");
            return false;
        }
        // Each dripped byte leaves as its own segment.
        const int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return true;
    }

    void close_connection() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

    void finish() {
        if (thread_.joinable()) {
            thread_.join();
        }
    }

    int listener_ = -1;
    int fd_ = -1; // the accepted connection, used by the script's thread only
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    const steady::time_point ceiling_ = steady::now() + 10s;
    mutable std::mutex mutex_; // guards problems_ and seen_
    std::vector<std::string> problems_;
    std::vector<std::string> seen_;
    std::thread thread_;
};

// Connects to `peer` with `timeout`, expects a handshake error naming `step`, and checks the
// whole attempt took less than give_up_bound.
TransportError expect_handshake_failure(FakePeer& peer, std::string_view step,
                                        harness::Deadline timeout = io_timeout) {
    const auto started = steady::now();
    auto result = handshake(peer.port(), good_settings(), timeout);
    EXPECT_LT(steady::now() - started, give_up_bound);
    return handshake_error(std::move(result), step);
}

TEST(TfConnectionFakePeer, CloseRightAfterAcceptFailsAtStep1) {
    FakePeer peer([](FakePeer&) {}); // accepts, then closes at once
    const auto error = expect_handshake_failure(peer, "step 1");
    EXPECT_NE(error.message.find("no reply"), std::string::npos) << error.message;
    peer.stop();
    EXPECT_TRUE(peer.problems().empty()) << peer.problems_text();
}

TEST(TfConnectionFakePeer, CloseAfterStep1FailsAtStep2) {
    FakePeer peer([](FakePeer& self) {
        if (auto got = self.read_clear_message()) {
            self.saw(*got);
            self.write(protocol::encode_tf_message(protocol::tf_ok));
        }
    });
    expect_handshake_failure(peer, "step 2");
    peer.stop();
    EXPECT_EQ(peer.seen(), (std::vector<std::string>{std::string(version)}));
    EXPECT_TRUE(peer.problems().empty()) << peer.problems_text();
}

TEST(TfConnectionFakePeer, SilenceAtStep1TimesOutWithinTheDeadline) {
    FakePeer peer([](FakePeer& self) { self.hold(); });
    const auto started = steady::now();
    const auto error = expect_handshake_failure(peer, "step 1", silence_timeout);
    EXPECT_GE(steady::now() - started, silence_timeout - 50ms) << "gave up before the deadline";
    EXPECT_NE(error.message.find("timed out"), std::string::npos) << error.message;
    peer.stop();
}

TEST(TfConnectionFakePeer, SilenceAtStep3TimesOutWithinTheDeadline) {
    FakePeer peer([](FakePeer& self) {
        for (int step = 0; step < 2; ++step) {
            if (!self.read_clear_message()) {
                self.problem("step " + std::to_string(step + 1) + " message missing");
                return;
            }
            self.write(protocol::encode_tf_message(protocol::tf_ok));
        }
        self.hold(); // never answers the hash
    });
    const auto error = expect_handshake_failure(peer, "step 3", silence_timeout);
    EXPECT_NE(error.message.find("timed out"), std::string::npos) << error.message;
    peer.stop();
    EXPECT_TRUE(peer.problems().empty()) << peer.problems_text();
}

TEST(TfConnectionFakePeer, GarbageInsteadOfAReplyFailsAtStep1) {
    // Not a TF message: a length of -1 in clear.
    FakePeer peer([](FakePeer& self) {
        self.read_clear_message();
        self.write(std::string("\xff\xff\xff\xff", 4));
        self.hold();
    });
    const auto error = expect_handshake_failure(peer, "step 1");
    EXPECT_NE(error.message.find("not a TF message"), std::string::npos) << error.message;
    peer.stop();
}

// A TF server written here from the primitives: the handshake by hand, then XSIME_START
// answered and pushes written one byte per write, so the client's cipher chunks arrive cut
// across many segments.
class DrippingTfServer {
public:
    explicit DrippingTfServer(std::vector<std::string> pushes)
        : pushes_(std::move(pushes)), peer_([this](FakePeer& self) { run(self); }) {}

    FakePeer& peer() { return peer_; }

private:
    void run(FakePeer& self) {
        const auto got_version = self.read_clear_message();
        if (!got_version) {
            return self.problem("no version");
        }
        self.saw("version " + *got_version);
        self.write(protocol::encode_tf_message(protocol::tf_ok));
        const auto sealed = self.read_clear_message();
        if (!sealed) {
            return self.problem("no session key");
        }
        auto key = protocol::decrypt_session_key(keys().server.private_pem, *sealed);
        if (auto* error = std::get_if<protocol::TfRsaError>(&key)) {
            return self.problem("session key: " + error->reason);
        }
        const auto& session_key = std::get<std::string>(key);
        self.write(protocol::encode_tf_message(protocol::tf_ok));
        protocol::TfCipher out(session_key);
        protocol::TfCipherReceiver in{protocol::TfCipher(session_key)};

        const auto got_hash = self.read_ciphered_message(in);
        if (!got_hash) {
            return self.problem("no hash");
        }
        self.saw("hash " + *got_hash);
        self.write(protocol::pack_tf_message(out, protocol::tf_ok), true);
        const auto command = self.read_ciphered_message(in);
        if (!command) {
            return self.problem("no command");
        }
        self.saw("command " + *command);
        // The OK of XSIME_START dripped too: the client reassembles TF messages as well.
        self.write(protocol::pack_tf_message(out, protocol::tf_ok), true);

        // The first push a byte at a time; the others all in one write, several calls in
        // one segment.
        std::string together;
        for (std::size_t i = 0; i < pushes_.size(); ++i) {
            const auto frame = protocol::encode_push(pushes_[i]);
            std::string wire = out.pack(std::string_view(frame).substr(0, protocol::header_size));
            wire += out.pack(std::string_view(frame).substr(protocol::header_size));
            if (i == 0) {
                self.write(wire, true);
            } else {
                together += wire;
            }
        }
        self.write(together);
        self.hold();
    }

    std::vector<std::string> pushes_;
    FakePeer peer_; // last: its thread uses the members above
};

TEST(TfConnectionFakePeer, CipheredRepliesAndPushesDrippedByteByByteAreReassembled) {
    const std::vector<std::string> pushes = {
        protocol::format_push_payload(1'700'000'000, "alice", "dripped through the cipher"),
        protocol::format_push_payload(1'700'000'001, "carol", "second: in one segment"),
        protocol::format_push_payload(1'700'000'002, "dave", "third: in one segment"),
    };
    DrippingTfServer server(pushes);
    Session session(server.peer().port(), "client");
    EXPECT_EQ(session.command(protocol::tf_xsime_start), protocol::tf_ok);
    for (const auto& payload : pushes) {
        const auto frame = session.frame();
        EXPECT_EQ(frame.header, (Header{protocol::raw(Opcode::message),
                                        static_cast<std::int32_t>(payload.size())}));
        EXPECT_EQ(frame.payload, payload);
    }
    EXPECT_EQ(session.connection().buffered(), 0u);
    session.connection().close();
    server.peer().stop();
    EXPECT_TRUE(server.peer().problems().empty()) << server.peer().problems_text();
    EXPECT_EQ(server.peer().seen(),
              (std::vector<std::string>{"version " + std::string(version),
                                        "hash " + std::string(hash), "command XSIME_START"}));
}

} // namespace
} // namespace xsime::test
