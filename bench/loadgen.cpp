// xsime-loadgen: loopback load generator for any XSIME server (throughput, loss, idle memory).
//
// Throughput mode: N sessions in a ring, session i sending to u_{(i+1)%N} with up to W messages
// in flight (or, with --pattern fan-in, all sending to u0); every message carries (run, sender,
// seq, send time) so the receiver measures latency and detects loss and duplicates. Idle mode: N
// logged-in sessions that do nothing, and the server's PSS before and after. One io_context
// thread, C++20 coroutines; every wait is bounded and the whole run has a deadline, so the
// program always ends.
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/stream_decoder.hpp"
#include "protocol/tf_framing.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <system_error>
#include <unistd.h>
#include <variant>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace proto = xsime::protocol;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// The same meanings as xsime-conform's exit codes, so CI scripts treat both alike.
constexpr int exit_ok = 0;
constexpr int exit_failed = 1; // lost, duplicated, refused or malformed traffic
constexpr int exit_usage = 2;
constexpr int exit_fault = 3; // target unreachable, login refused, or the global deadline hit

// Slack added to --duration for connecting, warm-up, drain and teardown: past it the run
// is cut short and reported as it stands.
constexpr auto global_slack = 10s;
constexpr auto warmup = 1s;
constexpr auto drain = 2s;
constexpr auto idle_settle = 2s;
// Per-reply bound during login; a server that needs longer is as good as broken.
constexpr auto login_reply_timeout = 5s;
// Logins in progress at once: bounded so that 1000 idle sessions do not overrun the
// server's accept backlog, while still logging in quickly.
constexpr std::size_t login_concurrency = 32;
// Errors kept verbatim for the report; the rest are only counted.
constexpr std::size_t max_error_samples = 10;
// Every message text starts with this, so stray pushes (a previous run's leftovers) are
// recognised rather than taken for corruption.
constexpr std::string_view text_tag = "xlg";

struct Options {
    std::string target;
    std::string root;
    std::string org = "loadgen";
    std::size_t sessions = 100;
    unsigned duration_s = 10;
    std::size_t window = 16;
    std::uint64_t interval_ms = 1;
    std::size_t size = 64;
    std::size_t idle = 0;
    int server_pid = 0;
    bool json = false;
    // ring: i sends to i+1 (every mailbox has one writer). fan-in: every session sends to
    // u0 and u0 to u1, so one mailbox has many concurrent writers.
    std::string pattern = "ring";
};

std::size_t recipient_of(const Options& options, std::size_t sender, std::size_t sessions) {
    if (options.pattern == "fan-in" && sender != 0) {
        return 0;
    }
    return (sender + 1) % sessions;
}

// Failures of the server (or the network) as the load generator saw them.
struct Failures {
    std::uint64_t refused_sends = 0;    // opcode 5 with sz -1
    std::uint64_t protocol_errors = 0;  // undecodable or unexpected frames, misrouted pushes
    std::uint64_t transport_errors = 0; // connect, read or write failures, early closes
    std::uint64_t login_failures = 0;
    std::vector<std::string> samples;

    void record(std::uint64_t& counter, std::string what) {
        ++counter;
        if (samples.size() < max_error_samples) {
            samples.push_back(std::move(what));
        }
    }
    bool any() const {
        return refused_sends + protocol_errors + transport_errors + login_failures > 0;
    }
};

std::string user_name(std::size_t index) {
    return "u" + std::to_string(index);
}

struct Session {
    Session(asio::io_context& io, std::size_t i) : socket(io), index(i), name(user_name(i)) {}
    tcp::socket socket;
    std::size_t index;
    std::string name;
    proto::StreamDecoder decoder{proto::Direction::to_client};
    std::vector<char> buffer = std::vector<char>(4096);
    bool logged_in = false;
};

// Reads the next XSIME frame sent by the server, waiting until `deadline`. Errors are
// recorded; std::nullopt means the session can no longer be trusted.
asio::awaitable<std::optional<proto::Frame>> next_frame(Session& s, Clock::time_point deadline,
                                                        Failures& failures) {
    asio::steady_timer timer(s.socket.get_executor());
    for (;;) {
        auto result = s.decoder.next();
        if (auto* frame = std::get_if<proto::Frame>(&result)) {
            co_return std::move(*frame);
        }
        if (auto* error = std::get_if<proto::ProtocolError>(&result)) {
            failures.record(failures.protocol_errors, s.name + ": " + error->reason);
            if (error->fatal) {
                co_return std::nullopt;
            }
            continue;
        }
        timer.expires_at(deadline);
        auto which = co_await (s.socket.async_read_some(asio::buffer(s.buffer), use_tuple) ||
                               timer.async_wait(use_tuple));
        if (which.index() == 1) {
            failures.record(failures.transport_errors, s.name + ": no reply before the deadline");
            co_return std::nullopt;
        }
        auto [ec, n] = std::get<0>(which);
        if (ec) {
            failures.record(failures.transport_errors, s.name + ": read: " + ec.message());
            co_return std::nullopt;
        }
        s.decoder.feed(std::string_view(s.buffer.data(), n));
    }
}

asio::awaitable<bool> write_all(Session& s, std::string_view bytes, Failures& failures) {
    auto [ec, n] = co_await asio::async_write(s.socket, asio::buffer(bytes), use_tuple);
    if (ec) {
        failures.record(failures.transport_errors, s.name + ": write: " + ec.message());
        co_return false;
    }
    co_return true;
}

// A status reply to opcode 1 or 2: a header with that opcode and sz 0. `what` names the
// request for the report ("org unit '/loadgen'").
asio::awaitable<bool> expect_status(Session& s, proto::Opcode opcode, std::string what,
                                    Failures& failures) {
    auto frame = co_await next_frame(s, Clock::now() + login_reply_timeout, failures);
    if (!frame) {
        co_return false;
    }
    if (frame->header.opcode != proto::raw(opcode)) {
        failures.record(failures.protocol_errors, s.name + ": " + what + " answered by " +
                                                      proto::describe_opcode(frame->header.opcode) +
                                                      " sz " + std::to_string(frame->header.sz));
        co_return false;
    }
    if (frame->header.sz != proto::status_ok) {
        // The usual cause is a missing folder, which --root would have created.
        failures.record(failures.login_failures,
                        s.name + ": " + what + " refused (sz " + std::to_string(frame->header.sz) +
                            "); does the folder exist under the server's root?");
        co_return false;
    }
    co_return true;
}

// Connect, XSIME_START, then setup (auto delete, timestamp 0), org unit and user, each
// reply checked, then the optional interval. Requests that have replies are sent one at a time
// because other implementations need not accept pipelined frames.
asio::awaitable<bool> login(Session& s, const tcp::endpoint& endpoint, const Options& options,
                            std::optional<std::uint64_t> interval_ns, Failures& failures) {
    {
        asio::steady_timer timer(s.socket.get_executor(), login_reply_timeout);
        auto which =
            co_await (s.socket.async_connect(endpoint, use_tuple) || timer.async_wait(use_tuple));
        if (which.index() == 1) {
            failures.record(failures.transport_errors, s.name + ": connect timed out");
            co_return false;
        }
        if (auto [ec] = std::get<0>(which); ec) {
            failures.record(failures.transport_errors, s.name + ": connect: " + ec.message());
            co_return false;
        }
    }
    // Messages are small and latency is measured: Nagle would add delay, not throughput.
    boost::system::error_code ignored;
    s.socket.set_option(tcp::no_delay(true), ignored);

    if (!co_await write_all(s, proto::encode_tf_message(proto::tf_xsime_start), failures)) {
        co_return false;
    }
    proto::TfDecoder tf;
    const auto deadline = Clock::now() + login_reply_timeout;
    asio::steady_timer timer(s.socket.get_executor());
    for (;;) {
        auto result = tf.next();
        if (auto* body = std::get_if<std::string>(&result)) {
            if (*body != proto::tf_ok) {
                failures.record(failures.login_failures,
                                s.name + ": XSIME_START answered '" + body->substr(0, 80) + "'");
                co_return false;
            }
            break;
        }
        if (auto* error = std::get_if<proto::TfError>(&result)) {
            failures.record(failures.protocol_errors,
                            s.name + ": XSIME_START reply: " + error->reason);
            co_return false;
        }
        timer.expires_at(deadline);
        auto which = co_await (s.socket.async_read_some(asio::buffer(s.buffer), use_tuple) ||
                               timer.async_wait(use_tuple));
        if (which.index() == 1) {
            failures.record(failures.transport_errors, s.name + ": XSIME_START not answered");
            co_return false;
        }
        auto [ec, n] = std::get<0>(which);
        if (ec) {
            failures.record(failures.transport_errors, s.name + ": read: " + ec.message());
            co_return false;
        }
        tf.feed(std::string_view(s.buffer.data(), n));
    }
    // Bytes behind "OK" already belong to the XSIME level.
    s.decoder.feed(tf.take_buffered());

    // A leading '/' as real clients send it: the org unit is relative to the server root.
    const std::string setup =
        proto::encode_setup(proto::flag_auto_delete, 0) + proto::encode_org_unit("/" + options.org);
    if (!co_await write_all(s, setup, failures) ||
        !co_await expect_status(s, proto::Opcode::org_unit, "org unit '/" + options.org + "'",
                                failures) ||
        !co_await write_all(s, proto::encode_user(s.name), failures) ||
        !co_await expect_status(s, proto::Opcode::user, "user '" + s.name + "'", failures)) {
        co_return false;
    }
    // The spec lists opcode 7 among what may follow a login, so it is sent only now.
    if (interval_ns && !co_await write_all(s, proto::encode_interval(*interval_ns), failures)) {
        co_return false;
    }
    s.logged_in = true;
    co_return true;
}

// Logs every session in, at most login_concurrency at a time; returns how many made it.
asio::awaitable<std::size_t> login_all(std::vector<std::unique_ptr<Session>>& sessions,
                                       const tcp::endpoint& endpoint, const Options& options,
                                       std::optional<std::uint64_t> interval_ns,
                                       Failures& failures) {
    auto executor = co_await asio::this_coro::executor;
    std::size_t next = 0;
    std::size_t running = 0;
    std::size_t succeeded = 0;
    asio::steady_timer done(executor, Clock::time_point::max());
    auto worker = [&]() -> asio::awaitable<void> {
        while (next < sessions.size()) {
            Session& s = *sessions[next++];
            if (co_await login(s, endpoint, options, interval_ns, failures)) {
                ++succeeded;
            }
        }
        if (--running == 0) {
            done.cancel();
        }
    };
    const std::size_t workers = std::min(login_concurrency, sessions.size());
    running = workers;
    for (std::size_t i = 0; i < workers; ++i) {
        asio::co_spawn(executor, worker, asio::detached);
    }
    // Every login is bounded by its own timeouts, so the workers all finish.
    while (running > 0) {
        co_await done.async_wait(use_tuple);
    }
    co_return succeeded;
}

// ---- /proc readers (the server's memory and CPU) ----

std::optional<long> read_pss_kb(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
    std::string line;
    while (std::getline(in, line)) {
        // "Pss:" exactly: Pss_Anon, Pss_File and friends are parts of it.
        if (line.rfind("Pss:", 0) == 0) {
            return std::strtol(line.c_str() + 4, nullptr, 10);
        }
    }
    return std::nullopt;
}

// utime + stime of a process, in seconds.
std::optional<double> read_cpu_seconds(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) {
        return std::nullopt;
    }
    // The command name is in parentheses and may hold spaces: count fields after ')'.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) {
        return std::nullopt;
    }
    std::string_view rest = std::string_view(stat).substr(close + 2);
    // Fields 3.. follow; utime and stime are fields 14 and 15, i.e. the 12th and 13th here.
    unsigned long long values[2] = {0, 0};
    for (int field = 3; field <= 15 && !rest.empty(); ++field) {
        const auto space = rest.find(' ');
        const auto token = rest.substr(0, space);
        if (field >= 14) {
            std::from_chars(token.data(), token.data() + token.size(), values[field - 14]);
        }
        rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    }
    return static_cast<double>(values[0] + values[1]) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// ---- throughput mode ----

struct Sender {
    explicit Sender(asio::io_context& io) : wake(io) {}
    std::uint64_t next_seq = 0;
    std::size_t in_flight = 0;
    std::vector<std::uint8_t> received; // by seq: 0 sent, 1 received
    asio::steady_timer wake;            // cancelled by a receiver when a slot frees
};

struct Throughput {
    Clock::time_point start, measure_from, measure_to, drain_to;
    std::uint32_t run_id = 0;
    std::uint64_t sent = 0;
    std::uint64_t delivered = 0;
    std::uint64_t delivered_in_window = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t stale = 0; // pushes of another run (leftovers in the mailbox)
    std::vector<std::int64_t> latencies_ns;
    std::optional<double> server_cpu_from, server_cpu_to;
    double own_cpu_from = 0, own_cpu_to = 0;
    bool stopping = false;
};

std::int64_t steady_ns(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// "xlg <run> <sender> <seq> <send ns> " then '.' up to `size` (never cut: the fields
// are what the receiver needs, so a --size below them gives a slightly longer text).
std::string make_text(std::uint32_t run, std::uint64_t sender, std::uint64_t seq,
                      std::int64_t sent_ns, std::size_t size) {
    std::string text;
    text.reserve(std::max<std::size_t>(size, 64));
    text.append(text_tag);
    for (const auto value :
         {std::uint64_t{run}, sender, seq, static_cast<std::uint64_t>(sent_ns)}) {
        text += ' ';
        text += std::to_string(value);
    }
    text += ' ';
    if (text.size() < size) {
        text.append(size - text.size(), '.');
    }
    return text;
}

struct TextFields {
    std::uint32_t run = 0;
    std::uint64_t sender = 0;
    std::uint64_t seq = 0;
    std::int64_t sent_ns = 0;
};

std::optional<TextFields> parse_text(std::string_view text) {
    if (text.substr(0, text_tag.size()) != text_tag) {
        return std::nullopt;
    }
    text.remove_prefix(text_tag.size());
    std::uint64_t values[4] = {};
    for (auto& value : values) {
        if (text.empty() || text.front() != ' ') {
            return std::nullopt;
        }
        text.remove_prefix(1);
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc{}) {
            return std::nullopt;
        }
        text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    }
    if (values[0] > UINT32_MAX) {
        return std::nullopt;
    }
    return TextFields{static_cast<std::uint32_t>(values[0]), values[1], values[2],
                      static_cast<std::int64_t>(values[3])};
}

class ThroughputRun {
public:
    ThroughputRun(asio::io_context& io, const Options& options,
                  std::vector<std::unique_ptr<Session>>& sessions, Failures& failures,
                  Throughput& result)
        : options_(options), sessions_(sessions), failures_(failures), r_(result) {
        for (std::size_t i = 0; i < sessions.size(); ++i) {
            senders_.push_back(std::make_unique<Sender>(io));
        }
    }

    asio::awaitable<void> run() {
        auto executor = co_await asio::this_coro::executor;
        for (auto& s : sessions_) {
            // Pushes of a whole window may arrive together: read them in few calls.
            s->buffer.resize(64 * 1024);
        }
        r_.start = Clock::now();
        r_.measure_from = r_.start + warmup;
        r_.measure_to = r_.measure_from + std::chrono::seconds(options_.duration_s);
        r_.drain_to = r_.measure_to + drain;
        for (std::size_t i = 0; i < sessions_.size(); ++i) {
            asio::co_spawn(executor, receive_loop(*sessions_[i]), asio::detached);
            asio::co_spawn(executor, send_loop(i), asio::detached);
        }
        asio::steady_timer timer(executor);
        timer.expires_at(r_.measure_from);
        co_await timer.async_wait(use_tuple);
        sample_cpu(r_.server_cpu_from, r_.own_cpu_from);
        timer.expires_at(r_.measure_to);
        co_await timer.async_wait(use_tuple);
        sample_cpu(r_.server_cpu_to, r_.own_cpu_to);
        // Senders stop at measure_to; wait for what is still in flight, up to the drain.
        while (Clock::now() < r_.drain_to && in_flight() > 0) {
            timer.expires_after(10ms);
            co_await timer.async_wait(use_tuple);
        }
        r_.stopping = true;
        for (auto& sender : senders_) {
            sender->wake.cancel();
        }
    }

    std::uint64_t in_flight() const {
        std::uint64_t total = 0;
        for (const auto& sender : senders_) {
            total += sender->in_flight;
        }
        return total;
    }

private:
    void sample_cpu(std::optional<double>& server, double& own) const {
        if (options_.server_pid > 0) {
            server = read_cpu_seconds(options_.server_pid);
        }
        own = own_cpu_seconds();
    }

    // Closed loop: keep the window full until measure_to, one write per refill.
    asio::awaitable<void> send_loop(std::size_t i) {
        Session& s = *sessions_[i];
        Sender& me = *senders_[i];
        const std::vector<std::string> recipients{
            user_name(recipient_of(options_, i, sessions_.size()))};
        std::string batch;
        while (!r_.stopping && s.socket.is_open() && Clock::now() < r_.measure_to) {
            batch.clear();
            const auto now_ns = steady_ns(Clock::now());
            while (me.in_flight < options_.window) {
                const auto text = make_text(r_.run_id, i, me.next_seq, now_ns, options_.size);
                batch += proto::encode_send(recipients, text);
                me.received.push_back(0);
                ++me.next_seq;
                ++me.in_flight;
                ++r_.sent;
            }
            if (!batch.empty() && !co_await write_all(s, batch, failures_)) {
                break;
            }
            if (me.in_flight >= options_.window) {
                me.wake.expires_at(r_.measure_to);
                co_await me.wake.async_wait(use_tuple);
            }
        }
    }

    asio::awaitable<void> receive_loop(Session& s) {
        for (;;) {
            for (;;) {
                auto result = s.decoder.next();
                if (std::holds_alternative<proto::NeedMore>(result)) {
                    break;
                }
                if (auto* error = std::get_if<proto::ProtocolError>(&result)) {
                    failures_.record(failures_.protocol_errors, s.name + ": " + error->reason);
                    if (error->fatal) {
                        s.socket.close();
                        co_return;
                    }
                    continue;
                }
                on_frame(s, std::get<proto::Frame>(result));
            }
            auto [ec, n] = co_await s.socket.async_read_some(asio::buffer(s.buffer), use_tuple);
            if (ec) {
                if (!r_.stopping) {
                    failures_.record(failures_.transport_errors,
                                     s.name + ": connection lost: " + ec.message());
                }
                co_return;
            }
            s.decoder.feed(std::string_view(s.buffer.data(), n));
        }
    }

    void on_frame(Session& s, const proto::Frame& frame) {
        if (frame.header.opcode != proto::raw(proto::Opcode::message)) {
            failures_.record(failures_.protocol_errors,
                             s.name + ": unexpected " +
                                 proto::describe_opcode(frame.header.opcode) + " sz " +
                                 std::to_string(frame.header.sz));
            return;
        }
        if (frame.header.sz == proto::status_failed) {
            failures_.record(failures_.refused_sends, s.name + ": send refused (opcode 5, sz -1)");
            return;
        }
        const auto received_at = Clock::now();
        auto parsed = proto::parse_push(frame.payload);
        if (auto* error = std::get_if<proto::ParseError>(&parsed)) {
            failures_.record(failures_.protocol_errors, s.name + ": bad push: " + error->reason);
            return;
        }
        const auto& push = std::get<proto::Push>(parsed);
        const auto fields = parse_text(push.text);
        if (!fields || fields->run != r_.run_id) {
            ++r_.stale;
            return;
        }
        // The whole text is known from its fields: any altered byte is caught here.
        if (push.text !=
            make_text(fields->run, fields->sender, fields->seq, fields->sent_ns, options_.size)) {
            failures_.record(failures_.protocol_errors, s.name + ": push text altered (" +
                                                            std::to_string(push.text.size()) +
                                                            " bytes): " + push.text.substr(0, 60));
            return;
        }
        const std::size_t n = sessions_.size();
        if (fields->sender >= n || push.sender != user_name(fields->sender) ||
            recipient_of(options_, fields->sender, n) != s.index) {
            failures_.record(failures_.protocol_errors, s.name + ": misrouted push from '" +
                                                            push.sender + "' for sender " +
                                                            std::to_string(fields->sender));
            return;
        }
        Sender& from = *senders_[fields->sender];
        if (fields->seq >= from.next_seq) {
            failures_.record(failures_.protocol_errors, s.name + ": push of seq " +
                                                            std::to_string(fields->seq) +
                                                            " that was never sent");
            return;
        }
        auto& mark = from.received[fields->seq];
        if (mark != 0) {
            ++r_.duplicated;
            return;
        }
        mark = 1;
        ++r_.delivered;
        --from.in_flight;
        from.wake.cancel();
        const auto sent_at = Clock::time_point(std::chrono::nanoseconds(fields->sent_ns));
        if (sent_at >= r_.measure_from && sent_at < r_.measure_to) {
            r_.latencies_ns.push_back(steady_ns(received_at) - fields->sent_ns);
        }
        if (received_at >= r_.measure_from && received_at < r_.measure_to) {
            ++r_.delivered_in_window;
        }
    }

    const Options& options_;
    std::vector<std::unique_ptr<Session>>& sessions_;
    Failures& failures_;
    Throughput& r_;
    std::vector<std::unique_ptr<Sender>> senders_;
};

// ---- reporting ----

double ms(std::int64_t ns) {
    return static_cast<double>(ns) / 1e6;
}

std::int64_t percentile(std::vector<std::int64_t>& sorted, double p) {
    if (sorted.empty()) {
        return 0;
    }
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

nlohmann::json failures_json(const Failures& f) {
    return {{"refused_sends", f.refused_sends},
            {"protocol_errors", f.protocol_errors},
            {"transport_errors", f.transport_errors},
            {"login_failures", f.login_failures},
            {"error_samples", f.samples}};
}

void print_failures(const Failures& f) {
    std::cout << "  refused sends " << f.refused_sends << ", protocol errors " << f.protocol_errors
              << ", transport errors " << f.transport_errors << ", login failures "
              << f.login_failures << '\n';
    for (const auto& sample : f.samples) {
        std::cout << "    " << sample << '\n';
    }
}

// ---- setup helpers ----

bool loopback_host(const std::string& host) {
    return host == "127.0.0.1" || host == "localhost";
}

std::optional<tcp::endpoint> parse_target(const std::string& target, std::string& why) {
    const auto colon = target.rfind(':');
    if (colon == std::string::npos) {
        why = "--target must be HOST:PORT";
        return std::nullopt;
    }
    const std::string host = target.substr(0, colon);
    const std::string port_text = target.substr(colon + 1);
    if (!loopback_host(host)) {
        why = "refusing target host '" + host +
              "': a load generator only runs against 127.0.0.1 or localhost";
        return std::nullopt;
    }
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
        why = "bad port '" + port_text + "'";
        return std::nullopt;
    }
    // "localhost" is taken to mean IPv4 loopback, without a resolver that might say otherwise.
    return tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<std::uint16_t>(port));
}

// One descriptor per session plus a few: raise the soft limit as far as the hard one allows.
void raise_fd_limit(std::size_t sessions) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return;
    }
    const rlim_t wanted = static_cast<rlim_t>(sessions) + 64;
    if (limit.rlim_cur < wanted) {
        limit.rlim_cur = std::min(wanted, limit.rlim_max);
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

bool make_user_folders(const Options& options, std::size_t count) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(options.root, ec)) {
        std::cerr << "xsime-loadgen: --root '" << options.root
                  << "' is not a directory (it must be the server's root)\n";
        return false;
    }
    for (std::size_t i = 0; i < count; ++i) {
        const fs::path dir = fs::path(options.root) / options.org / user_name(i);
        fs::create_directories(dir, ec);
        if (ec) {
            std::cerr << "xsime-loadgen: cannot create " << dir << ": " << ec.message() << '\n';
            return false;
        }
    }
    return true;
}

std::vector<std::unique_ptr<Session>> make_sessions(asio::io_context& io, std::size_t count) {
    std::vector<std::unique_ptr<Session>> sessions;
    sessions.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        sessions.push_back(std::make_unique<Session>(io, i));
    }
    return sessions;
}

void close_all(std::vector<std::unique_ptr<Session>>& sessions) {
    for (auto& s : sessions) {
        boost::system::error_code ignored;
        s->socket.shutdown(tcp::socket::shutdown_both, ignored);
        s->socket.close(ignored);
    }
}

// ---- the two modes ----

int run_throughput(const Options& options, const tcp::endpoint& endpoint,
                   Clock::time_point deadline) {
    asio::io_context io;
    auto sessions = make_sessions(io, options.sessions);
    Failures failures;
    Throughput r;
    r.run_id = std::random_device{}();
    ThroughputRun run(io, options, sessions, failures, r);
    std::size_t logged_in = 0;
    bool finished = false;

    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            logged_in = co_await login_all(sessions, endpoint, options,
                                           options.interval_ms * 1'000'000, failures);
            if (logged_in == sessions.size()) {
                co_await run.run();
            }
            r.stopping = true;
            close_all(sessions);
            finished = true;
            io.stop();
        },
        asio::detached);
    io.run_until(deadline);
    const bool deadline_hit = !finished;
    r.stopping = true;

    std::sort(r.latencies_ns.begin(), r.latencies_ns.end());
    const auto p50 = percentile(r.latencies_ns, 0.50);
    const auto p99 = percentile(r.latencies_ns, 0.99);
    const auto max = r.latencies_ns.empty() ? 0 : r.latencies_ns.back();
    const double window_s = static_cast<double>(options.duration_s);
    const double rate = static_cast<double>(r.delivered_in_window) / window_s;
    const std::uint64_t lost = run.in_flight();
    std::optional<double> server_cpu;
    if (r.server_cpu_from && r.server_cpu_to) {
        server_cpu = 100.0 * (*r.server_cpu_to - *r.server_cpu_from) / window_s;
    }
    const double own_cpu = 100.0 * (r.own_cpu_to - r.own_cpu_from) / window_s;
    const bool ok = !deadline_hit && logged_in == sessions.size() && lost == 0 &&
                    r.duplicated == 0 && !failures.any();

    std::cout << "throughput: " << options.sessions << " sessions (" << options.pattern
              << "), window " << options.window << ", interval " << options.interval_ms
              << " ms, text " << options.size << " B, measured " << options.duration_s
              << " s after " << warmup.count() << " s warm-up\n";
    if (logged_in != sessions.size()) {
        std::cout << "  only " << logged_in << " of " << sessions.size() << " sessions logged in\n";
    }
    char line[256];
    std::snprintf(
        line, sizeof line,
        "  delivered %.0f msg/s (%llu in window; %llu sent, %llu delivered in all)\n"
        "  latency p50 %.3f ms, p99 %.3f ms, max %.3f ms (%zu samples)\n"
        "  lost %llu, duplicated %llu, stale pushes %llu\n",
        rate, static_cast<unsigned long long>(r.delivered_in_window),
        static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.delivered),
        ms(p50), ms(p99), ms(max), r.latencies_ns.size(), static_cast<unsigned long long>(lost),
        static_cast<unsigned long long>(r.duplicated), static_cast<unsigned long long>(r.stale));
    std::cout << line;
    if (server_cpu) {
        std::snprintf(line, sizeof line,
                      "  CPU: server %.0f%%, load generator %.0f%% (of one core)\n", *server_cpu,
                      own_cpu);
        std::cout << line;
    }
    print_failures(failures);
    if (deadline_hit) {
        std::cout << "  DEADLINE: the run was cut short; the numbers are what was seen so far\n";
    }
    std::cout << "  result: " << (ok ? "PASS" : "FAIL") << '\n';

    if (options.json) {
        nlohmann::json j = {
            {"mode", "throughput"},
            {"target", options.target},
            {"sessions", options.sessions},
            {"pattern", options.pattern},
            {"logged_in", logged_in},
            {"duration_s", options.duration_s},
            {"window", options.window},
            {"interval_ms", options.interval_ms},
            {"size", options.size},
            {"sent", r.sent},
            {"delivered", r.delivered},
            {"delivered_in_window", r.delivered_in_window},
            {"messages_per_s", rate},
            {"latency_ms", {{"p50", ms(p50)}, {"p99", ms(p99)}, {"max", ms(max)}}},
            {"latency_samples", r.latencies_ns.size()},
            {"lost", lost},
            {"duplicated", r.duplicated},
            {"stale", r.stale},
            {"failures", failures_json(failures)},
            {"loadgen_cpu_percent", own_cpu},
            {"deadline_hit", deadline_hit},
            {"ok", ok},
        };
        if (server_cpu) {
            j["server_cpu_percent"] = *server_cpu;
        }
        std::cout << j.dump() << std::endl;
    }
    if (deadline_hit || logged_in != sessions.size()) {
        return exit_fault;
    }
    return ok ? exit_ok : exit_failed;
}

int run_idle(const Options& options, const tcp::endpoint& endpoint, Clock::time_point deadline) {
    const auto before = read_pss_kb(options.server_pid);
    if (!before) {
        std::cerr << "xsime-loadgen: cannot read Pss from /proc/" << options.server_pid
                  << "/smaps_rollup\n";
        return exit_usage;
    }
    asio::io_context io;
    auto sessions = make_sessions(io, options.idle);
    Failures failures;
    std::size_t logged_in = 0;
    std::optional<long> after;
    bool finished = false;

    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            logged_in = co_await login_all(sessions, endpoint, options, std::nullopt, failures);
            asio::steady_timer timer(io, idle_settle);
            co_await timer.async_wait(use_tuple);
            after = read_pss_kb(options.server_pid);
            close_all(sessions);
            finished = true;
            io.stop();
        },
        asio::detached);
    io.run_until(deadline);
    const bool deadline_hit = !finished;
    close_all(sessions);

    const bool all_in = logged_in == sessions.size();
    std::optional<double> per_session;
    if (after && logged_in > 0) {
        per_session = static_cast<double>(*after - *before) / static_cast<double>(logged_in);
    }
    std::cout << "idle memory: " << logged_in << " of " << sessions.size()
              << " sessions logged in and idle for " << idle_settle.count() << " s\n";
    std::cout << "  server PSS " << *before << " kB before";
    if (after) {
        char line[128];
        std::snprintf(line, sizeof line, ", %ld kB after: %.1f KiB per idle session\n", *after,
                      per_session.value_or(0.0));
        std::cout << line;
    } else {
        std::cout << ", not read after (the server is gone or the deadline hit)\n";
    }
    print_failures(failures);
    if (deadline_hit) {
        std::cout << "  DEADLINE: the run was cut short\n";
    }
    const bool ok = !deadline_hit && all_in && per_session && !failures.any();
    std::cout << "  result: " << (ok ? "PASS" : "FAIL") << '\n';
    if (options.json) {
        nlohmann::json j = {{"mode", "idle"},
                            {"target", options.target},
                            {"sessions", options.idle},
                            {"logged_in", logged_in},
                            {"pss_before_kb", *before},
                            {"failures", failures_json(failures)},
                            {"deadline_hit", deadline_hit},
                            {"ok", ok}};
        if (after) {
            j["pss_after_kb"] = *after;
        }
        if (per_session) {
            j["kib_per_idle_session"] = *per_session;
        }
        std::cout << j.dump() << std::endl;
    }
    if (deadline_hit || !all_in || !per_session) {
        return exit_fault;
    }
    return ok ? exit_ok : exit_failed;
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"xsime-loadgen: load generator for an XSIME server on this machine. "
                 "Throughput mode (default): --sessions sessions in a ring, each sending to the "
                 "next with --window messages in flight; reports delivered messages/s, latency "
                 "p50/p99/max, lost and duplicated messages. Idle mode (--idle N --server-pid "
                 "PID): the server's PSS growth per logged-in idle session."};
    app.footer("Exit status: 0 all delivered exactly once, no errors; 1 lost, duplicated, refused "
               "or malformed traffic; 2 bad usage; 3 target unreachable, login refused, or the "
               "global deadline (--duration + 10 s) hit.");
    app.add_option("--target", options.target, "Server address HOST:PORT (127.0.0.1 or localhost)")
        ->required();
    app.add_option("--root", options.root,
                   "The server's mailbox root: create <root>/<org>/u0..u{N-1} first "
                   "(without it those folders must already exist)");
    app.add_option("--org", options.org, "Org unit folder of the users")->capture_default_str();
    app.add_option("--sessions", options.sessions, "Sessions in throughput mode")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{100'000}));
    app.add_option("--duration", options.duration_s,
                   "Measured seconds (after a 1 s warm-up, before a drain of up to 2 s)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 3600u));
    app.add_option("--window", options.window, "Messages in flight per sender")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{4096}));
    app.add_option("--interval-ms", options.interval_ms,
                   "Server sleep interval sent with opcode 7, in milliseconds")
        ->capture_default_str()
        ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{60'000}));
    app.add_option("--size", options.size,
                   "Message text size in bytes (at least the ~40-byte header of sender, "
                   "sequence and send time)")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{16'000}));
    auto* idle = app.add_option("--idle", options.idle,
                                "Idle-memory mode: open N logged-in idle sessions and report "
                                "the server's PSS growth per session")
                     ->check(CLI::Range(std::size_t{1}, std::size_t{100'000}));
    auto* pid = app.add_option("--server-pid", options.server_pid,
                               "The server's process id: PSS in idle mode (required there), CPU "
                               "use in throughput mode")
                    ->check(CLI::PositiveNumber);
    idle->needs(pid);
    app.add_option("--pattern", options.pattern,
                   "Who sends to whom in throughput mode: ring (u_i to u_{i+1}) or fan-in "
                   "(everyone to u0, u0 to u1: many writers on one mailbox)")
        ->capture_default_str()
        ->check(CLI::IsMember({"ring", "fan-in"}));
    app.add_flag("--json", options.json, "Also print the results as one JSON object");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // CLI11's own codes (105, 107...) would blur the documented exit status.
        app.exit(e);
        return e.get_exit_code() == 0 ? exit_ok : exit_usage;
    }

    std::string why;
    const auto endpoint = parse_target(options.target, why);
    if (!endpoint) {
        std::cerr << "xsime-loadgen: " << why << '\n';
        return exit_usage;
    }
    const std::size_t users = options.idle > 0 ? options.idle : options.sessions;
    if (!options.root.empty() && !make_user_folders(options, users)) {
        return exit_usage;
    }
    raise_fd_limit(users);
    // Bounded whatever happens: connecting, warm-up, drain and a stuck server included.
    const auto deadline = Clock::now() + std::chrono::seconds(options.duration_s) + global_slack;
    return options.idle > 0 ? run_idle(options, *endpoint, deadline)
                            : run_throughput(options, *endpoint, deadline);
}
