// Client driver protocol v1 from the harness's side, against fake drivers written in /bin/sh:
// a good one, and one for each way a driver goes wrong. Each failure is checked for its kind,
// its words and a bounded time; the event table and byte strings are checked without a process.
#include "harness/client_driver.hpp"
#include "tests/support/files.hpp"
#include "tests/support/script_dir.hpp"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <gtest/gtest.h>
#include <unistd.h>

namespace xsime::harness {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Kind = DriverFailure::Kind;
using namespace std::chrono_literals;
using namespace std::string_literals;

constexpr auto bounded = 10s; // "does not hang", generously

const std::string hello = R"(printf '%s\n' '{"event":"hello","protocol":1,"client":"fake 1.0"}')";
const std::string done = R"(printf '%s\n' '{"event":"done"}')";

// Answers every command with ok (a send first with a message event carrying its text), and
// says done at the end of stdin. `noise` runs before hello and after each command.
std::string good_driver(const std::string& noise = ":") {
    return noise + "\n" + hello + "\n" + R"sh(while IFS= read -r line; do
  id=$(printf '%s\n' "$line" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
  cmd=$(printf '%s\n' "$line" | sed -n 's/.*"cmd":"\([a-z_]*\)".*/\1/p')
  if [ "$cmd" = send ]; then
    text=$(printf '%s\n' "$line" | sed -n 's/.*"\(text\|text_hex\)":"\([^"]*\)".*/"\1":"\2"/p')
    printf '{"event":"message","timestamp":1700000000,"from":"alice",%s}\n' "$text"
  fi
  printf '{"event":"ok","id":%s,"cmd":"%s"}\n' "$id" "$cmd"
)sh" + noise +
           "\ndone\n" + done + "\n";
}

class ClientDriverTest : public ::testing::Test {
protected:
    // argv that runs `body` with /bin/sh.
    std::vector<std::string> script(const std::string& body) { return dir_.script(body); }

    // hello, then one line of `replies` per command read, then `at_end` once stdin ends.
    std::vector<std::string> scripted(const std::vector<std::string>& replies,
                                      const std::string& at_end = done) {
        const auto path = dir_.path() / ("replies" + std::to_string(dir_.count() + 1));
        std::string text;
        for (const auto& reply : replies) {
            text += reply + "\n";
        }
        test::write_file(path, text);
        return script(hello + "\nexec 3<'" + path.string() + "'\n" +
                      "while IFS= read -r line; do IFS= read -r reply <&3 && printf '%s\\n' "
                      "\"$reply\"; done\n" +
                      at_end + "\n");
    }

    // Starts `argv`, which must say hello.
    void start(ClientDriver& driver, const std::vector<std::string>& argv) {
        ASSERT_EQ(driver.start(argv, Clock::now() + bounded), std::nullopt);
    }

    test::ScriptDir dir_{"client_driver_test"};
};

Clock::time_point in(std::chrono::milliseconds ms) {
    return Clock::now() + ms;
}

DriverEvent event(ClientDriver& driver) {
    auto got = driver.next_event(in(bounded));
    if (auto* failure = std::get_if<DriverFailure>(&got)) {
        ADD_FAILURE() << to_string(failure->kind) << ": " << failure->message;
        return {};
    }
    return std::get<DriverEvent>(got);
}

DriverFailure failure(ClientDriver::EventResult got) {
    if (auto* f = std::get_if<DriverFailure>(&got)) {
        return *f;
    }
    ADD_FAILURE() << "an event instead of a failure: " << std::get<DriverEvent>(got).line;
    return {};
}

// One line to or from the driver, as the observer saw it.
struct Seen {
    bool from_driver;
    std::string line;
    bool operator==(const Seen&) const = default;
};

TEST_F(ClientDriverTest, AGoodDriverRunsAWholeExchange) {
    std::vector<Seen> seen;
    ClientDriver driver([&](bool from, const std::string& line) { seen.push_back({from, line}); });
    start(driver, script(good_driver()));
    EXPECT_EQ(driver.client_name(), "fake 1.0");

    EXPECT_EQ(driver.send({{"cmd", "connect"}, {"host", "127.0.0.1"}, {"port", 4000}}, in(bounded)),
              1);
    auto ok = event(driver);
    EXPECT_EQ(ok.kind, "ok");
    EXPECT_EQ(ok.fields.at("id"), 1);

    const std::string bytes = "h\xff\x00llo"s;
    Json send = {{"cmd", "send"}, {"to", {"alice"}}};
    put_bytes(send, "text", bytes);
    EXPECT_EQ(driver.send(send, in(bounded)), 2);
    const auto message = event(driver);
    EXPECT_EQ(message.kind, "message");
    EXPECT_EQ(event_bytes(message.fields, "text"), bytes);
    EXPECT_EQ(event(driver).kind, "ok");
    EXPECT_TRUE(driver.unanswered().empty());

    const auto finish = driver.finish(in(bounded));
    EXPECT_EQ(finish.failure.has_value(), false) << finish.failure->message;
    EXPECT_TRUE(finish.events.empty());
    ASSERT_TRUE(finish.exit.has_value());
    EXPECT_TRUE(finish.exit->success());

    ASSERT_EQ(seen.size(), 7u);
    EXPECT_EQ(seen[0], (Seen{true, R"({"event":"hello","protocol":1,"client":"fake 1.0"})"}));
    EXPECT_EQ(seen[1], (Seen{false, R"({"cmd":"connect","host":"127.0.0.1","port":4000,"id":1})"}));
    EXPECT_EQ(seen[2], (Seen{true, R"({"event":"ok","id":1,"cmd":"connect"})"}));
    EXPECT_EQ(seen[3],
              (Seen{false, R"({"cmd":"send","to":["alice"],"text_hex":"68ff006c6c6f","id":2})"}));
    EXPECT_EQ(seen[6], (Seen{true, R"({"event":"done"})"}));
}

TEST_F(ClientDriverTest, ADriverThatPrintsNothingTimesOutAndIsKilled) {
    ClientDriver driver;
    const auto started = Clock::now();
    // Long enough for sh to have written its stderr line even on a loaded machine.
    const auto failed = driver.start(script("echo starting >&2; sleep 600\n"), started + 1500ms);
    ASSERT_TRUE(failed.has_value());
    EXPECT_EQ(failed->kind, Kind::timeout);
    EXPECT_EQ(failed->message.rfind("the driver printed no hello within ", 0), 0u)
        << failed->message;
    EXPECT_NE(failed->message.find(" ms; its stderr ends: 'starting'"), std::string::npos)
        << failed->message;
    EXPECT_LT(Clock::now() - started, bounded);
    ASSERT_TRUE(driver.process().exit_status().has_value());
    EXPECT_EQ(driver.process().exit_status()->signal, SIGKILL);
}

TEST_F(ClientDriverTest, ADriverThatExitsEarlyShowsItsStatusAndStderr) {
    ClientDriver driver;
    const auto failed = driver.start(script("echo 'loading libxsime' >&2\n"
                                            "echo 'fatal: cannot open libxsime.so' >&2; exit 3\n"),
                                     in(bounded));
    ASSERT_TRUE(failed.has_value());
    EXPECT_EQ(failed->kind, Kind::exited);
    EXPECT_EQ(failed->message, "the driver exited with status 3 before printing hello; its stderr "
                               "ends: 'loading libxsime' | 'fatal: cannot open libxsime.so'");
    EXPECT_EQ(driver.stderr_text(), "loading libxsime\nfatal: cannot open libxsime.so\n");
}

TEST_F(ClientDriverTest, GarbageBeforeHelloIsQuoted) {
    ClientDriver driver;
    const auto failed = driver.start(script("echo 'Starting driver...'; sleep 600\n"), in(bounded));
    ASSERT_TRUE(failed.has_value());
    EXPECT_EQ(failed->kind, Kind::not_json);
    EXPECT_EQ(failed->message, "the driver printed something that is not JSON: 'Starting "
                               "driver...' (its first line must be hello)");
}

TEST_F(ClientDriverTest, AnotherProtocolVersionIsRefused) {
    ClientDriver driver;
    const auto failed = driver.start(
        script(R"(printf '%s\n' '{"event":"hello","protocol":2,"client":"x"}'; sleep 600)"),
        in(bounded));
    ASSERT_TRUE(failed.has_value());
    EXPECT_EQ(failed->kind, Kind::version);
    EXPECT_EQ(failed->message, "the driver speaks client driver protocol 2; this harness speaks 1");
}

TEST_F(ClientDriverTest, AFirstEventOtherThanHelloIsRefused) {
    ClientDriver driver;
    const auto failed =
        driver.start(script(R"(printf '%s\n' '{"event":"done"}'; sleep 600)"), in(bounded));
    ASSERT_TRUE(failed.has_value());
    EXPECT_EQ(failed->kind, Kind::out_of_order);
    EXPECT_EQ(failed->message,
              "the driver's first event must be hello, not 'done': '{\"event\":\"done\"}'");
}

TEST_F(ClientDriverTest, AnUnknownEventEndsTheDriver) {
    ClientDriver driver;
    start(driver, scripted({R"({"event":"okay","id":1,"cmd":"connect"})"}));
    driver.send({{"cmd", "connect"}}, in(bounded));
    const auto failed = failure(driver.next_event(in(bounded)));
    EXPECT_EQ(failed.kind, Kind::unknown_event);
    EXPECT_EQ(failed.message.rfind("unknown event 'okay' (protocol 1 has hello, ok, failed, "
                                   "message, send_refused, error, closed, done): ",
                                   0),
              0u)
        << failed.message;
    // The driver is gone: the same failure again, and finish says it too.
    EXPECT_EQ(failure(driver.next_event(in(bounded))).message, failed.message);
    const auto finish = driver.finish(in(bounded));
    ASSERT_TRUE(finish.failure.has_value());
    EXPECT_EQ(finish.failure->message, failed.message);
}

TEST_F(ClientDriverTest, OutcomesMustNameASentCommandOnce) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"event":"ok","id":5,"cmd":"connect"})",
         "event 'ok' names command 5, but the harness sent commands 1 to 1: "},
        {R"({"event":"ok","id":0,"cmd":"connect"})",
         "event 'ok' names command 0, but the harness sent commands 1 to 1: "},
        {R"({"event":"failed","id":1,"cmd":"start","reason":"x"})",
         "event 'failed' for command 1 says cmd 'start', but command 1 was 'connect': "},
        {R"({"event":"ok","id":1})", "event 'ok' has no 'cmd' (a string): "},
        {R"({"event":"ok","id":"1","cmd":"connect"})",
         "event 'ok' field 'id' is a string, not an integer: "},
        {R"({"event":"hello","protocol":1,"client":"again"})",
         "the driver printed a second hello: "},
        {R"({"event":"done"})", "the driver printed done before its stdin ended: "},
    };
    for (const auto& [reply, expected] : cases) {
        ClientDriver driver;
        start(driver, scripted({reply}));
        driver.send({{"cmd", "connect"}}, in(bounded));
        const auto failed = failure(driver.next_event(in(bounded)));
        EXPECT_EQ(failed.message, expected + quote_line(reply)) << reply;
    }
    ClientDriver twice;
    start(twice, scripted({R"({"event":"ok","id":1,"cmd":"connect"})",
                           R"({"event":"ok","id":1,"cmd":"connect"})"}));
    twice.send({{"cmd", "connect"}}, in(bounded));
    EXPECT_EQ(event(twice).kind, "ok");
    twice.send({{"cmd", "start"}}, in(bounded));
    const auto failed = failure(twice.next_event(in(bounded)));
    EXPECT_EQ(failed.kind, Kind::out_of_order);
    EXPECT_EQ(failed.message.rfind("a second outcome for command 1 ('connect'): ", 0), 0u);
}

TEST_F(ClientDriverTest, ALineOverOneMebibyteEndsTheDriver) {
    std::vector<std::string> seen;
    ClientDriver driver([&](bool, const std::string& line) { seen.push_back(line); });
    start(driver, script(hello + "\nread -r line; head -c 2000000 /dev/zero | tr '\\0' a; "
                                 "echo; exec sleep 600\n"));
    driver.send({{"cmd", "connect"}}, in(bounded));
    const auto failed = failure(driver.next_event(in(bounded)));
    EXPECT_EQ(failed.kind, Kind::too_long);
    EXPECT_EQ(failed.message, "the driver printed a line longer than 1048576 bytes, starting '" +
                                  std::string(200, 'a') + "'");
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[2], std::string(200, 'a') + " [... the line goes on beyond 1 MiB]");
}

TEST_F(ClientDriverTest, NoEventInTimeIsATimeoutThatLeavesTheDriverUsable) {
    ClientDriver driver;
    start(driver, script(good_driver()));
    const auto started = Clock::now();
    const auto failed = failure(driver.next_event(started + 200ms));
    EXPECT_EQ(failed.kind, Kind::timeout);
    EXPECT_EQ(failed.message.rfind("no event within ", 0), 0u) << failed.message;
    EXPECT_LT(Clock::now() - started, bounded);
    driver.send({{"cmd", "start"}}, in(bounded));
    EXPECT_EQ(event(driver).kind, "ok");
    EXPECT_FALSE(driver.finish(in(bounded)).failure.has_value());
}

TEST_F(ClientDriverTest, ADriverThatExitsMidScenarioNamesTheUnansweredCommand) {
    ClientDriver driver;
    start(driver, script(hello + "\nread -r line; echo 'segfault in libxsime' >&2; exit 0\n"));
    driver.send({{"cmd", "connect"}}, in(bounded));
    const auto failed = failure(driver.next_event(in(bounded)));
    EXPECT_EQ(failed.kind, Kind::exited);
    EXPECT_EQ(failed.message, "the driver exited with status 0 without answering command 1 "
                              "('connect'); its stderr ends: 'segfault in libxsime'");
}

TEST_F(ClientDriverTest, ADriverThatClosedItsStdinIsReportedWhenWaitingWouldBeInVain) {
    ClientDriver driver;
    // stdin closed before hello, so that the command cannot slip into the pipe first.
    start(driver, script("exec 0<&-\n" + hello + "\nexec sleep 600\n"));
    driver.send({{"cmd", "connect"}}, in(bounded));
    const auto started = Clock::now();
    const auto failed = failure(driver.next_event(started + 300ms));
    EXPECT_EQ(failed.kind, Kind::write_failed);
    EXPECT_EQ(failed.message, "the driver closed its stdin before command 1 ('connect')");
    EXPECT_LT(Clock::now() - started, bounded);
}

TEST_F(ClientDriverTest, FinishKillsADriverThatIgnoresTheEndOfStdin) {
    ClientDriver driver;
    start(driver, script(hello + "\nwhile :; do read -r line || sleep 600; done\n"));
    const auto started = Clock::now();
    const auto finish = driver.finish(started + 500ms);
    ASSERT_TRUE(finish.failure.has_value());
    EXPECT_EQ(finish.failure->kind, Kind::timeout);
    EXPECT_EQ(finish.failure->message.rfind("the driver did not print done within ", 0), 0u)
        << finish.failure->message;
    EXPECT_NE(finish.failure->message.find(" ms after its stdin closed; killed it"),
              std::string::npos);
    EXPECT_GE(Clock::now() - started, 500ms);
    EXPECT_LT(Clock::now() - started, bounded);
    ASSERT_TRUE(finish.exit.has_value());
    EXPECT_EQ(finish.exit->signal, SIGKILL);
}

TEST_F(ClientDriverTest, FinishWantsDoneThenStatusZero) {
    struct Case {
        std::string at_end;
        Kind kind;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"exit 0", Kind::exited,
         "the driver exited with status 0 without printing done; it printed nothing on stderr"},
        {done + "; echo 'bye' >&2; exit 2", Kind::exit_status,
         "the driver printed done, then exited with status 2; its stderr ends: 'bye'"},
        {done + "; echo extra", Kind::out_of_order,
         "the driver printed a line after done: 'extra'"},
    };
    for (const auto& c : cases) {
        ClientDriver driver;
        start(driver, scripted({}, c.at_end));
        const auto finish = driver.finish(in(bounded));
        ASSERT_TRUE(finish.failure.has_value()) << c.at_end;
        EXPECT_EQ(finish.failure->kind, c.kind) << c.at_end;
        EXPECT_EQ(finish.failure->message, c.message);
    }
}

TEST_F(ClientDriverTest, FinishKeepsTheEventsBeforeDone) {
    ClientDriver driver;
    start(driver,
          scripted({},
                   R"(printf '%s\n' '{"event":"message","timestamp":1,"from":"bob","text":"late"}')"
                   "\n"
                   R"(printf '%s\n' '{"event":"closed","reason":"peer closed"}')"
                   "\n" +
                       done));
    const auto finish = driver.finish(in(bounded));
    EXPECT_FALSE(finish.failure.has_value()) << finish.failure->message;
    ASSERT_EQ(finish.events.size(), 2u);
    EXPECT_EQ(finish.events[0].kind, "message");
    EXPECT_EQ(event_bytes(finish.events[0].fields, "text"), "late");
    EXPECT_EQ(finish.events[1].kind, "closed");
}

TEST_F(ClientDriverTest, TwoHundredKibibytesOfStderrDoNotDeadlock) {
    const std::string noise = "head -c 204800 /dev/zero | tr '\\0' e >&2; echo >&2";
    ClientDriver driver;
    const auto started = Clock::now();
    start(driver, script(good_driver(noise)));
    for (int i = 0; i < 3; ++i) {
        driver.send({{"cmd", "start"}}, in(bounded));
        EXPECT_EQ(event(driver).kind, "ok");
    }
    const auto finish = driver.finish(in(bounded));
    EXPECT_FALSE(finish.failure.has_value()) << finish.failure->message;
    EXPECT_LT(Clock::now() - started, bounded);
    EXPECT_EQ(driver.process().stderr_bytes(), 4u * 204801u); // before hello, after 3 commands
    EXPECT_LE(driver.stderr_text().size(), DriverProcess::max_stderr + 100);
}

TEST_F(ClientDriverTest, StartFailuresThatNeedNoOutput) {
    ClientDriver missing;
    const auto failed = missing.start({"/nonexistent/driver"}, in(bounded));
    ASSERT_TRUE(failed.has_value());
    EXPECT_EQ(failed->kind, Kind::cannot_start);
    EXPECT_EQ(failed->message, "cannot run '/nonexistent/driver': No such file or directory");

    std::atomic<bool> cancel{true};
    ClientDriver cancelled;
    const auto started = Clock::now();
    const auto stopped = cancelled.start(script("sleep 600\n"), started + 60s, &cancel);
    ASSERT_TRUE(stopped.has_value());
    EXPECT_EQ(stopped->kind, Kind::cancelled);
    EXPECT_LT(Clock::now() - started, bounded);
}

// ---- the event table, without a process ----

std::string parse_failure(const std::string& line, Kind kind) {
    auto parsed = parse_event(line);
    if (auto* failure = std::get_if<DriverFailure>(&parsed)) {
        EXPECT_EQ(failure->kind, kind) << line;
        return failure->message;
    }
    ADD_FAILURE() << "accepted: " << line;
    return {};
}

TEST(ParseEvent, EveryEventOfTheTable) {
    for (const std::string line :
         {R"({"event":"hello","protocol":1,"client":"c"})", R"({"event":"ok","id":1,"cmd":"x"})",
          R"({"event":"failed","id":1,"cmd":"x","reason":"r"})",
          R"({"event":"message","timestamp":-5,"from":"a","text":""})",
          R"({"event":"message","timestamp":1,"from":"a","text_hex":"FF00"})",
          R"({"event":"send_refused"})", R"({"event":"error","reason":"r"})",
          R"({"event":"closed","reason":"r"})", R"({"event":"done","later":[1,2]})"}) {
        auto parsed = parse_event(line);
        ASSERT_TRUE(std::holds_alternative<DriverEvent>(parsed)) << line;
        const auto& event = std::get<DriverEvent>(parsed);
        EXPECT_EQ(event.line, line);
        EXPECT_EQ(event.kind, event.fields.at("event").get<std::string>());
    }
}

TEST(ParseEvent, WhatIsWrongIsNamed) {
    EXPECT_EQ(parse_failure("ok", Kind::not_json),
              "the driver printed something that is not JSON: 'ok'");
    EXPECT_EQ(parse_failure("[1]", Kind::not_json),
              "the driver printed JSON that is not an object: '[1]'");
    EXPECT_EQ(parse_failure(R"({"cmd":"x"})", Kind::bad_field),
              "the driver printed an object without \"event\" (a string): '{\"cmd\":\"x\"}'");
    EXPECT_EQ(parse_failure(R"({"event":"hello","protocol":1.0,"client":"c"})", Kind::bad_field)
                  .substr(0, 64),
              "event 'hello' field 'protocol' is a fractional number, not an in");
    EXPECT_EQ(parse_failure(R"({"event":"error"})", Kind::bad_field),
              "event 'error' has no 'reason' (a string): '{\"event\":\"error\"}'");
    const std::string both =
        R"({"event":"message","timestamp":1,"from":"a","text":"","text_hex":""})";
    EXPECT_EQ(parse_failure(both, Kind::bad_field),
              "event 'message' has both 'text' and 'text_hex': " + quote_line(both));
    const std::string neither = R"({"event":"message","timestamp":1,"from":"a"})";
    EXPECT_EQ(parse_failure(neither, Kind::bad_field),
              "event 'message' has neither 'text' nor 'text_hex': " + quote_line(neither));
    const std::string bad_hex = R"({"event":"message","timestamp":1,"from":"a","text_hex":"6g"})";
    EXPECT_EQ(parse_failure(bad_hex, Kind::bad_field),
              "event 'message' field 'text_hex' is not hex ('g' is not a hex digit): " +
                  quote_line(bad_hex));
    EXPECT_EQ(parse_failure(R"({"event":"message","timestamp":"1","from":"a","text":""})",
                            Kind::bad_field)
                  .substr(0, 59),
              "event 'message' field 'timestamp' is a string, not an integ");
    // Raw bytes that are not UTF-8 are not JSON text.
    parse_failure("{\"event\":\"error\",\"reason\":\"\xff\"}", Kind::not_json);
}

TEST(DriverBytes, TextWhenUtf8ElseHex) {
    Json object;
    put_bytes(object, "text", "h\xc3\xa9llo");
    EXPECT_EQ(object.dump(), "{\"text\":\"h\xc3\xa9llo\"}");
    Json raw;
    put_bytes(raw, "text", "\xc3(\x00"s);
    EXPECT_EQ(raw.dump(), R"({"text_hex":"c32800"})");
    EXPECT_EQ(event_bytes(raw, "text"), "\xc3(\x00"s);
    EXPECT_EQ(event_bytes(Json{{"text_hex", "C328"}}, "text"), "\xc3(");
    EXPECT_EQ(event_bytes(Json{{"text", "a"}, {"text_hex", "61"}}, "text"), std::nullopt);
    EXPECT_EQ(event_bytes(Json{{"text_hex", "6"}}, "text"), std::nullopt);
    EXPECT_EQ(event_bytes(Json::object(), "text"), std::nullopt);
}

TEST(DriverBytes, StrictUtf8) {
    EXPECT_TRUE(is_utf8(""));
    EXPECT_TRUE(is_utf8("ascii \x7f"));
    EXPECT_TRUE(is_utf8("\xc2\x80 \xe0\xa0\x80 \xed\x9f\xbf \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf"));
    EXPECT_FALSE(is_utf8("\xc0\x80"));         // overlong NUL
    EXPECT_FALSE(is_utf8("\xe0\x9f\xbf"));     // overlong
    EXPECT_FALSE(is_utf8("\xed\xa0\x80"));     // a surrogate
    EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80")); // above U+10FFFF
    EXPECT_FALSE(is_utf8("\xe2\x82"));         // cut short
    EXPECT_FALSE(is_utf8("\x80"));             // a lone continuation byte
    EXPECT_FALSE(is_utf8("\xc3\x28"));         // a bad continuation byte
}

} // namespace
} // namespace xsime::harness
