// The self-check exchange: enter the module, log two users in, deliver one message, exit.
#include "harness/self_check.hpp"

#include "harness/plain_connection.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_framing.hpp"

#include <chrono>
#include <ctime>
#include <memory>
#include <random>
#include <vector>

namespace xsime::harness {

namespace {

using namespace std::chrono_literals;
using protocol::Opcode;
constexpr Deadline step_timeout = 2000ms;

class Checker {
public:
    explicit Checker(std::ostream& out) : out_(out) {}
    bool check(bool ok, const std::string& what, const std::string& detail = {}) {
        out_ << (ok ? "  PASS  " : "  FAIL  ") << what;
        if (!ok && !detail.empty()) {
            out_ << "\n        " << detail;
        }
        out_ << '\n';
        (ok ? result_.passed : result_.failed) += 1;
        return ok;
    }
    SelfCheckResult& result() { return result_; }

private:
    std::ostream& out_;
    SelfCheckResult result_;
};

std::string
describe_frame(const std::variant<protocol::Frame, protocol::ProtocolError, TransportError>& got) {
    if (const auto* frame = std::get_if<protocol::Frame>(&got)) {
        return "got " + protocol::describe_opcode(frame->header.opcode) + " sz " +
               std::to_string(frame->header.sz);
    }
    if (const auto* error = std::get_if<protocol::ProtocolError>(&got)) {
        return "protocol error: " + error->reason;
    }
    return describe(std::get<TransportError>(got));
}

bool is_status(const std::variant<protocol::Frame, protocol::ProtocolError, TransportError>& got,
               Opcode opcode, std::int32_t sz) {
    const auto* frame = std::get_if<protocol::Frame>(&got);
    return frame && frame->header.opcode == protocol::raw(opcode) && frame->header.sz == sz &&
           frame->payload.empty();
}

// Enters the module and logs `user` in; every reply is a check.
std::unique_ptr<PlainConnection> login(Checker& checker, const SelfCheckTarget& target,
                                       const std::string& org, const std::string& user) {
    auto connected = PlainConnection::connect(target.host, target.port, step_timeout);
    if (auto* error = std::get_if<TransportError>(&connected)) {
        checker.check(false, user + ": connect", describe(*error));
        checker.result().unreachable = true;
        return nullptr;
    }
    auto connection = std::move(std::get<std::unique_ptr<PlainConnection>>(connected));
    auto reply = connection->command(protocol::tf_xsime_start, step_timeout);
    const auto* text = std::get_if<std::string>(&reply);
    if (!checker.check(text && *text == protocol::tf_ok, user + ": XSIME_START answers OK",
                       text ? "got '" + *text + "'" : describe(std::get<TransportError>(reply)))) {
        return nullptr;
    }
    (void)connection->send(protocol::encode_setup(0, 0), step_timeout);
    (void)connection->send(protocol::encode_org_unit("/" + org), step_timeout);
    auto got = connection->receive_frame(step_timeout);
    if (!checker.check(is_status(got, Opcode::org_unit, 0), user + ": org unit accepted (1 → 0)",
                       describe_frame(got))) {
        return nullptr;
    }
    (void)connection->send(protocol::encode_user(user), step_timeout);
    got = connection->receive_frame(step_timeout);
    if (!checker.check(is_status(got, Opcode::user, 0), user + ": user accepted (2 → 0)",
                       describe_frame(got))) {
        return nullptr;
    }
    (void)connection->send(protocol::encode_interval(5'000'000), step_timeout);
    return connection;
}

} // namespace

SelfCheckResult run_self_check(const SelfCheckTarget& target, std::ostream& out) {
    Checker checker(out);
    std::random_device random;
    const std::string org = "selfcheck-" + std::to_string(random());
    std::error_code ec;
    for (const char* user : {"alice", "bob"}) {
        std::filesystem::create_directories(target.root / org / user, ec);
    }
    if (!checker.check(!ec, "fixture: org unit and users created under " + target.root.string(),
                       ec.message())) {
        return checker.result();
    }

    // Order: 1 before 4 is refused.
    if (auto connected = PlainConnection::connect(target.host, target.port, step_timeout);
        std::holds_alternative<std::unique_ptr<PlainConnection>>(connected)) {
        auto& early = std::get<std::unique_ptr<PlainConnection>>(connected);
        (void)early->command(protocol::tf_xsime_start, step_timeout);
        (void)early->send(protocol::encode_org_unit("/" + org), step_timeout);
        auto got = early->receive_frame(step_timeout);
        checker.check(is_status(got, Opcode::org_unit, -1), "org unit before setup fails (1 → -1)",
                      describe_frame(got));
    } else {
        checker.check(false, "connect", describe(std::get<TransportError>(connected)));
        checker.result().unreachable = true;
        return checker.result();
    }

    auto alice = login(checker, target, org, "alice");
    auto bob = login(checker, target, org, "bob");
    if (!alice || !bob) {
        return checker.result();
    }
    const auto before = static_cast<std::uint64_t>(std::time(nullptr));
    const std::vector<std::string> to_bob{"bob"};
    (void)alice->send(protocol::encode_send(to_bob, "hello from alice"), step_timeout);
    auto got = bob->receive_frame(step_timeout);
    const auto* frame = std::get_if<protocol::Frame>(&got);
    bool pushed = frame && frame->header.opcode == protocol::raw(Opcode::message);
    std::string detail = describe_frame(got);
    if (pushed) {
        auto push = protocol::parse_push(frame->payload);
        const auto* parsed = std::get_if<protocol::Push>(&push);
        const auto after = static_cast<std::uint64_t>(std::time(nullptr));
        pushed = parsed && parsed->sender == "alice" && parsed->text == "hello from alice" &&
                 parsed->timestamp >= before && parsed->timestamp <= after;
        detail = "payload '" + frame->payload + "'";
    }
    checker.check(pushed, "bob receives 'timestamp:alice:hello from alice'", detail);

    (void)bob->send(protocol::encode_exit(), step_timeout);
    got = bob->receive_frame(step_timeout);
    checker.check(is_status(got, Opcode::exit, 0), "exit is echoed (0 → 0)", describe_frame(got));
    auto reply = bob->command(protocol::tf_xsime_start, step_timeout);
    const auto* text = std::get_if<std::string>(&reply);
    checker.check(text && *text == protocol::tf_ok, "XSIME_START again after exit answers OK",
                  text ? "got '" + *text + "'" : describe(std::get<TransportError>(reply)));
    std::filesystem::remove_all(target.root / org, ec);
    return checker.result();
}

} // namespace xsime::harness
