// DriverProcess against small /bin/sh scripts: lines, EOF, deadlines, the 1 MiB line cap, the
// capped stderr, a driver that stops reading, SIGPIPE, exit statuses, the process group, and
// the cancel flag.
#include "harness/driver_process.hpp"
#include "tests/support/files.hpp"
#include "tests/support/script_dir.hpp"
#include "tests/support/wait_until.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace xsime::harness {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Generous: the bound proves "does not hang", not speed.
constexpr auto bounded = 10s;

class DriverProcessTest : public ::testing::Test {
protected:
    // argv that runs `body` with /bin/sh.
    std::vector<std::string> script(const std::string& body) { return dir_.script(body); }

    static Clock::time_point in(std::chrono::milliseconds ms) { return Clock::now() + ms; }

    test::ScriptDir dir_{"driver_process_test"};
};

std::string read_text(DriverProcess& driver) {
    const LineRead read = driver.read_line(Clock::now() + bounded);
    EXPECT_EQ(read.kind, LineRead::Kind::line);
    return read.line;
}

// True when `pid` is gone or a zombie (a reparented process init has not reaped yet).
bool dead(pid_t pid) {
    const std::string stat = test::read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto paren = stat.rfind(')');
    return stat.empty() || (paren != std::string::npos && stat.substr(paren + 2, 1) == "Z");
}

TEST_F(DriverProcessTest, ExecFailureSaysWhatCouldNotRun) {
    DriverProcess driver;
    EXPECT_EQ(driver.start({"/nonexistent/driver", "x"}),
              "cannot run '/nonexistent/driver': No such file or directory");
    EXPECT_FALSE(driver.started());
    DriverProcess from_path;
    EXPECT_EQ(from_path.start({"xsime-no-such-driver-program"}),
              "cannot run 'xsime-no-such-driver-program': No such file or directory");
    DriverProcess not_executable;
    const auto argv = script("echo hi\n");
    EXPECT_EQ(not_executable.start({argv[1]}), "cannot run '" + argv[1] + "': Permission denied");
}

TEST_F(DriverProcessTest, ReadsLinesThenALastLineWithoutNewlineThenEof) {
    DriverProcess driver;
    ASSERT_EQ(driver.start(script("printf 'one\\n\\ntwo\\nlast'\n")), std::nullopt);
    EXPECT_EQ(read_text(driver), "one");
    EXPECT_EQ(read_text(driver), "");
    EXPECT_EQ(read_text(driver), "two");
    EXPECT_EQ(read_text(driver), "last");
    EXPECT_EQ(driver.read_line(in(bounded)).kind, LineRead::Kind::eof);
    const auto status = driver.wait_exit(in(bounded));
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(status->success());
}

TEST_F(DriverProcessTest, WritesLinesTheDriverReads) {
    DriverProcess driver;
    ASSERT_EQ(driver.start(script("while IFS= read -r l; do printf 'got %s\\n' \"$l\"; done\n"
                                  "echo bye; exit 4\n")),
              std::nullopt);
    EXPECT_EQ(driver.write_line("a b", in(bounded)), WriteResult::written);
    EXPECT_EQ(driver.write_line("{\"cmd\":\"x\"}", in(bounded)), WriteResult::written);
    EXPECT_EQ(read_text(driver), "got a b");
    EXPECT_EQ(read_text(driver), "got {\"cmd\":\"x\"}");
    driver.close_stdin();
    EXPECT_EQ(read_text(driver), "bye");
    EXPECT_EQ(driver.read_line(in(bounded)).kind, LineRead::Kind::eof);
    const auto status = driver.wait_exit(in(bounded));
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status->code, 4);
    EXPECT_EQ(describe(*status), "exited with status 4");
    EXPECT_EQ(driver.write_line("late", in(bounded)), WriteResult::closed);
}

TEST_F(DriverProcessTest, ReadAndWaitTimeOutAtTheDeadline) {
    DriverProcess driver;
    ASSERT_EQ(driver.start(script("exec sleep 600\n")), std::nullopt);
    const auto started = Clock::now();
    EXPECT_EQ(driver.read_line(started + 300ms).kind, LineRead::Kind::timeout);
    EXPECT_GE(Clock::now() - started, 300ms);
    EXPECT_EQ(driver.wait_exit(Clock::now() + 200ms), std::nullopt);
    EXPECT_LT(Clock::now() - started, bounded);
}

TEST_F(DriverProcessTest, ALineOverOneMebibyteIsTooLongAndSkipped) {
    DriverProcess driver;
    ASSERT_EQ(driver.start(script("head -c 3000000 /dev/zero | tr '\\0' a; echo; echo after\n")),
              std::nullopt);
    const LineRead read = driver.read_line(in(bounded));
    EXPECT_EQ(read.kind, LineRead::Kind::too_long);
    EXPECT_EQ(read.line, std::string(200, 'a'));
    EXPECT_EQ(read_text(driver), "after");
    EXPECT_EQ(driver.read_line(in(bounded)).kind, LineRead::Kind::eof);
}

TEST_F(DriverProcessTest, StderrIsDrainedMeanwhileAndKeptHeadAndTail) {
    // 200 KiB on stderr before the first stdout line: a harness that only read stdout would
    // leave the driver blocked on a full stderr pipe, and itself waiting for the line.
    DriverProcess driver;
    ASSERT_EQ(driver.start(script("printf HEAD >&2; head -c 204800 /dev/zero | tr '\\0' e >&2\n"
                                  "printf '\\nTAIL\\nlast words\\n' >&2; echo ready\n")),
              std::nullopt);
    const auto started = Clock::now();
    EXPECT_EQ(read_text(driver), "ready");
    ASSERT_TRUE(driver.wait_exit(in(bounded)).has_value());
    EXPECT_LT(Clock::now() - started, bounded);
    const std::string text = driver.stderr_text();
    EXPECT_EQ(driver.stderr_bytes(), 4u + 204800u + 17u);
    EXPECT_EQ(text.substr(0, 5), "HEADe");
    EXPECT_EQ(text.substr(text.size() - 17), "\nTAIL\nlast words\n");
    EXPECT_NE(text.find("\n[... " + std::to_string(204821 - DriverProcess::max_stderr) +
                        " bytes left out ...]\n"),
              std::string::npos);
    EXPECT_LE(text.size(), DriverProcess::max_stderr + 100);
    EXPECT_EQ(driver.stderr_tail(2), (std::vector<std::string>{"TAIL", "last words"}));
}

TEST_F(DriverProcessTest, WritingToAClosedStdinIsAResultNotSigpipe) {
    DriverProcess driver;
    ASSERT_EQ(driver.start(script("exec 0<&-; echo ready; exec sleep 600\n")), std::nullopt);
    EXPECT_EQ(read_text(driver), "ready");
    // With SIGPIPE at its default the test process would die here.
    EXPECT_EQ(driver.write_line(std::string(100000, 'x'), in(bounded)), WriteResult::closed);
    EXPECT_EQ(driver.write_line("again", in(bounded)), WriteResult::closed);
    sigset_t pending;
    ::sigpending(&pending);
    EXPECT_FALSE(::sigismember(&pending, SIGPIPE));
}

TEST_F(DriverProcessTest, ADriverThatDoesNotReadMakesTheWriteTimeOut) {
    DriverProcess driver;
    ASSERT_EQ(driver.start(script("echo ready; exec sleep 600\n")), std::nullopt);
    EXPECT_EQ(read_text(driver), "ready");
    const auto started = Clock::now();
    // More than a pipe holds: the write has to wait for a reader that never comes.
    EXPECT_EQ(driver.write_line(std::string(4 * 1024 * 1024, 'x'), started + 300ms),
              WriteResult::timeout);
    EXPECT_GE(Clock::now() - started, 300ms);
    EXPECT_LT(Clock::now() - started, bounded);
    // Half a line went out: stdin is closed rather than continued with garbage.
    EXPECT_EQ(driver.write_line("next", in(bounded)), WriteResult::closed);
}

TEST_F(DriverProcessTest, ExitByASignal) {
    DriverProcess driver;
    ASSERT_EQ(driver.start(script("kill -9 $$\n")), std::nullopt);
    const auto status = driver.wait_exit(in(bounded));
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status->signal, SIGKILL);
    EXPECT_EQ(status->code, -1);
    EXPECT_FALSE(status->success());
    EXPECT_EQ(describe(*status), "killed by signal 9 (Killed)");
}

TEST_F(DriverProcessTest, RunsInItsOwnProcessGroupAndKillReachesGrandchildren) {
    DriverProcess driver;
    ASSERT_EQ(driver.start(script("cut -d' ' -f5 /proc/$$/stat\n"
                                  "sleep 600 & echo $!\nwait\n")),
              std::nullopt);
    EXPECT_EQ(read_text(driver), std::to_string(driver.pid()));
    const pid_t grandchild = std::stoi(read_text(driver));
    ASSERT_FALSE(dead(grandchild));
    const auto started = Clock::now();
    driver.kill();
    EXPECT_LT(Clock::now() - started, bounded);
    ASSERT_TRUE(driver.exit_status().has_value());
    EXPECT_EQ(driver.exit_status()->signal, SIGKILL);
    EXPECT_TRUE(test::wait_until([&] { return dead(grandchild); }, bounded));
    // Reaped: no zombie of ours is left.
    EXPECT_EQ(::waitpid(driver.pid(), nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
}

TEST_F(DriverProcessTest, TheDestructorKillsAndReaps) {
    pid_t pid = -1;
    {
        DriverProcess driver;
        ASSERT_EQ(driver.start(script("exec sleep 600\n")), std::nullopt);
        pid = driver.pid();
    }
    EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
    EXPECT_TRUE(dead(pid));
}

TEST_F(DriverProcessTest, OnlyTheThreePipesAreInherited) {
    const int stray = ::open("/dev/null", O_RDONLY); // no O_CLOEXEC, as a careless library's
    ASSERT_GE(stray, 3);
    DriverProcess driver;
    const auto fd = std::to_string(stray);
    ASSERT_EQ(driver.start(script("if [ -e /proc/self/fd/" + fd + " ]; then echo leaked; " +
                                  "else echo closed; fi\n")),
              std::nullopt);
    EXPECT_EQ(read_text(driver), "closed");
    ::close(stray);
}

TEST_F(DriverProcessTest, TheCancelFlagEndsWaitsEarly) {
    std::atomic<bool> cancel{false};
    DriverProcess driver;
    ASSERT_EQ(driver.start(script("echo ready; exec sleep 600\n"), &cancel), std::nullopt);
    EXPECT_EQ(read_text(driver), "ready");
    const auto started = Clock::now();
    std::thread canceller([&] { cancel = true; });
    EXPECT_EQ(driver.read_line(started + 60s).kind, LineRead::Kind::cancelled);
    canceller.join();
    EXPECT_EQ(driver.wait_exit(started + 60s), std::nullopt);
    EXPECT_EQ(driver.write_line(std::string(4 * 1024 * 1024, 'x'), started + 60s),
              WriteResult::cancelled);
    EXPECT_LT(Clock::now() - started, bounded);
}

} // namespace
} // namespace xsime::harness
