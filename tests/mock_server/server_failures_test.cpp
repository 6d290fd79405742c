// Integration tests of the reference server's failure handling, in process over loopback: an
// exception that escapes one of a session's coroutines is logged and closes that session only
// (its unique-user hold released), and one that escapes the accept loop is logged and
// accepting goes on, or stops with a clear line when it keeps failing.
#include "mock_server/fs_mailbox.hpp"
#include "mock_server/server.hpp"
#include "protocol/messages.hpp"
#include "tests/support/scripted_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/wait_until.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <gtest/gtest.h>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace xsime::test {
namespace {

using namespace std::chrono_literals;
using mock::Mailbox;

constexpr auto deadline = std::chrono::milliseconds(5000);

// The real mailbox, except that delivering to a recipient named "boom" or scanning the user
// "doomed" throws: an unexpected exception in the reader and in the delivery loop.
class ThrowingMailbox final : public Mailbox {
public:
    explicit ThrowingMailbox(std::unique_ptr<Mailbox> inner) : inner_(std::move(inner)) {}

    std::variant<mock::OrgUnitRef, mock::MailboxError> open_org_unit(std::string_view p) override {
        return inner_->open_org_unit(p);
    }
    std::variant<mock::UserRef, mock::MailboxError> open_user(const mock::OrgUnitRef& org,
                                                              std::string_view name) override {
        return inner_->open_user(org, name);
    }
    std::variant<mock::DeliveryReport, mock::MailboxError>
    deliver(const mock::OrgUnitRef& org, std::string_view sender,
            std::span<const std::string> recipients, std::uint64_t timestamp,
            std::string_view content) override {
        if (std::find(recipients.begin(), recipients.end(), "boom") != recipients.end()) {
            throw std::runtime_error("planted failure in deliver");
        }
        return inner_->deliver(org, sender, recipients, timestamp, content);
    }
    std::optional<std::vector<mock::StoredMessage>> scan(const mock::UserRef& user,
                                                         mock::ScanMemo& memo) override {
        if (user.name == "doomed") {
            throw std::runtime_error("planted failure in scan");
        }
        return inner_->scan(user, memo);
    }
    std::optional<std::string> read(const mock::UserRef& user,
                                    const mock::StoredMessage& message) override {
        return inner_->read(user, message);
    }
    void remove(const mock::UserRef& user, const mock::StoredMessage& message) override {
        inner_->remove(user, message);
    }
    std::optional<mock::MailboxError> make_folder(std::string_view p) override {
        return inner_->make_folder(p);
    }
    std::optional<mock::MailboxError> touch_file(std::string_view p) override {
        return inner_->touch_file(p);
    }
    std::optional<mock::MailboxError> delete_file(std::string_view p) override {
        return inner_->delete_file(p);
    }
    std::optional<mock::MailboxError> remove_folder(std::string_view p) override {
        return inner_->remove_folder(p);
    }
    std::variant<mock::FileStatus, mock::FileFailure> file_status(std::string_view p) override {
        return inner_->file_status(p);
    }
    std::variant<std::vector<mock::ListEntry>, mock::FileFailure>
    list_folder(std::string_view p, bool recursive) override {
        return inner_->list_folder(p, recursive);
    }

private:
    std::unique_ptr<Mailbox> inner_;
};

// The server's log lines; a line containing `throw_on` (when set) makes the sink throw,
// once or always.
class Log {
public:
    void add(std::string_view line) {
        std::lock_guard lock(mutex_);
        lines_.emplace_back(line);
        if (!throw_on_.empty() && line.find(throw_on_) != std::string_view::npos &&
            (throw_always_ || !thrown_)) {
            thrown_ = true;
            throw std::runtime_error("planted failure in the log sink");
        }
    }
    void throw_on(std::string text, bool always) {
        std::lock_guard lock(mutex_);
        throw_on_ = std::move(text);
        throw_always_ = always;
    }
    std::size_t count(std::string_view text) const {
        std::lock_guard lock(mutex_);
        return static_cast<std::size_t>(
            std::count_if(lines_.begin(), lines_.end(), [&](const std::string& line) {
                return line.find(text) != std::string::npos;
            }));
    }
    bool shows(std::string_view text) const {
        return wait_until([&] { return count(text) > 0; }, deadline);
    }
    std::string all() const {
        std::lock_guard lock(mutex_);
        std::string out;
        for (const auto& line : lines_) {
            out += line + "\n";
        }
        return out;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
    std::string throw_on_;
    bool throw_always_ = false;
    bool thrown_ = false;
};

class ServerFailuresTest : public ::testing::Test {
protected:
    void SetUp() override {
        for (const auto* user : {"alice", "bob", "carol", "doomed"}) {
            root_.make_user("acme", user);
        }
    }
    void TearDown() override {
        if (!server_) {
            return;
        }
        server_->stop();
        EXPECT_TRUE(wait_until([&] { return server_->session_count() == 0; }, deadline));
        io_.stop();
        thread_.join();
        server_.reset();
    }

    void start(std::size_t max_sessions = 1024) {
        mock::ServerConfig config;
        config.root = root_.root();
        config.max_sessions = max_sessions;
        config.log = [this](std::string_view line) { log_.add(line); };
        config.wrap_mailbox = [](std::unique_ptr<Mailbox> inner) -> std::unique_ptr<Mailbox> {
            return std::make_unique<ThrowingMailbox>(std::move(inner));
        };
        server_ = std::make_unique<mock::Server>(io_, std::move(config));
        server_->start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ScriptedClient client(std::string name) {
        return ScriptedClient::plain(server_->local_endpoint().port(), std::move(name));
    }
    ScriptedClient logged_in(std::string_view user, std::int32_t flags = 0) {
        auto c = client(std::string(user));
        c.login("acme", user, flags);
        return c;
    }
    // The server still serves: a fresh alice (flag 1: refused if a crashed session still
    // held her) sends bob a message, which is pushed.
    void still_serving() {
        auto alice = logged_in("alice", protocol::flag_unique_user);
        auto bob = logged_in("bob");
        alice.message("bob: still here");
        EXPECT_EQ(bob.push().text, "still here");
    }

    TempRoot root_;
    Log log_;
    boost::asio::io_context io_;
    std::unique_ptr<mock::Server> server_;
    std::thread thread_;
};

TEST_F(ServerFailuresTest, ExceptionInTheReaderClosesThatSessionOnly) {
    start();
    auto bystander = logged_in("carol");
    auto victim = logged_in("alice", protocol::flag_unique_user);
    victim.message("boom: hi");
    EXPECT_TRUE(victim.closed_within(deadline));
    EXPECT_TRUE(log_.shows("unexpected exception in the reader: planted failure in deliver"))
        << log_.all();
    EXPECT_TRUE(log_.shows("closed: internal error in the reader")) << log_.all();
    EXPECT_TRUE(wait_until([&] { return server_->session_count() == 1; }, deadline))
        << "the crashed session was never finished";
    still_serving();
    // The session that was open meanwhile was not disturbed either.
    bystander.message("carol: me too");
    EXPECT_EQ(bystander.push().text, "me too");
}

TEST_F(ServerFailuresTest, ExceptionInTheDeliveryLoopClosesThatSessionOnly) {
    start();
    auto victim = client("doomed");
    victim.login("acme", "doomed", protocol::flag_unique_user);
    EXPECT_TRUE(victim.closed_within(deadline));
    EXPECT_TRUE(log_.shows("unexpected exception in the delivery loop: planted failure in scan"))
        << log_.all();
    EXPECT_TRUE(wait_until([&] { return server_->session_count() == 0; }, deadline));
    still_serving();
}

TEST_F(ServerFailuresTest, ExceptionInTheAcceptLoopIsLoggedAndAcceptingGoesOn) {
    // Every connection is refused with a log line; the first such line throws in the sink,
    // inside the accept loop.
    log_.throw_on("already open", false);
    start(0);
    auto first = client("first");
    EXPECT_TRUE(first.closed_within(deadline));
    EXPECT_TRUE(log_.shows("accept loop failed: planted failure in the log sink; accepting again"))
        << log_.all();
    auto second = client("second");
    EXPECT_TRUE(second.closed_within(deadline));
    EXPECT_TRUE(log_.shows("session 2: refused")) << log_.all();
}

TEST_F(ServerFailuresTest, AcceptLoopThatKeepsFailingStopsAccepting) {
    log_.throw_on("already open", true);
    start(0);
    for (std::size_t i = 1; i <= 11; ++i) {
        auto c = client("c" + std::to_string(i));
        ASSERT_TRUE(
            wait_until([&] { return log_.count("accept loop failed: planted") == i; }, deadline))
            << log_.all();
    }
    EXPECT_TRUE(log_.shows("11 failures in a row, no longer accepting connections")) << log_.all();
    EXPECT_THROW(client("late"), std::runtime_error) << "the listening socket is still open";
}

} // namespace
} // namespace xsime::test
