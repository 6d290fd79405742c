// The temporary folder at start: what a crashed server left in <root>/.xsime-tmp is removed,
// only files the server's own naming could have made, and the server logs how many.
#include "mock_server/fs_mailbox.hpp"
#include "mock_server/server.hpp"
#include "tests/support/files.hpp"

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <gtest/gtest.h>
#include <mutex>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace xsime::mock {
namespace {

namespace fs = std::filesystem;
using test::message_file_names;
using test::write_file;

class FsLeftoversTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "fs_leftovers_test.XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        base_ = pattern;
        root_ = base_ / "root";
        tmp_ = root_ / ".xsime-tmp";
        fs::create_directories(tmp_);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(base_, ec);
    }
    // A leftover as deliver() names it: msg-<pid>-<sequence>.
    fs::path leftover(long pid, std::string_view sequence) {
        const fs::path path = tmp_ / ("msg-" + std::to_string(pid) + "-" + std::string(sequence));
        write_file(path, "1700000000:alice:half a mess");
        return path;
    }
    static void age(const fs::path& path, std::chrono::seconds by) {
        const auto then = fs::last_write_time(path) - by;
        fs::last_write_time(path, then);
    }
    std::vector<std::string> remaining() {
        std::vector<std::string> out;
        for (const auto& entry : fs::directory_iterator(tmp_)) {
            out.push_back(entry.path().filename().string());
        }
        std::sort(out.begin(), out.end());
        return out;
    }

    fs::path base_;
    fs::path root_;
    fs::path tmp_;
};

TEST_F(FsLeftoversTest, RemovesOnlyTheServersOwnLeftovers) {
    const long self = ::getpid();
    const long live = ::getppid(); // another process that is running: maybe a sibling server
    leftover(self, "12");          // a restarted server often gets its old pid back
    leftover(2147483647, "5");     // no such process
    leftover(live, "7");           // a live server's delivery in progress: kept
    age(leftover(live, "8"), std::chrono::hours(2)); // too old to be in progress
    // Not ours: other names, a folder, a symlink (its target must survive too).
    for (const auto* name : {"notes.txt", "msg-1-x", "msg--3", "msg-12", "msg-1-", "xmsg-1-2"}) {
        write_file(tmp_ / name, "keep");
    }
    fs::create_directory(tmp_ / "msg-4-4");
    write_file(base_ / "precious", "keep");
    fs::create_symlink(base_ / "precious", tmp_ / "msg-5-5");

    const FsMailbox mailbox(root_);
    EXPECT_EQ(mailbox.removed_leftovers(), 3u);
    std::vector<std::string> expected = {
        "msg--3",    "msg-1-",   "msg-1-x",
        "msg-12",    "msg-4-4",  "msg-5-5",
        "notes.txt", "xmsg-1-2", "msg-" + std::to_string(live) + "-7"};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(remaining(), expected);
    EXPECT_TRUE(fs::exists(base_ / "precious"));
}

TEST_F(FsLeftoversTest, NothingToRemoveIsZero) {
    EXPECT_EQ(FsMailbox(root_).removed_leftovers(), 0u);
    fs::remove(tmp_);
    EXPECT_EQ(FsMailbox(root_).removed_leftovers(), 0u) << "a fresh temporary folder";
}

TEST_F(FsLeftoversTest, TheServerLogsHowManyItRemoved) {
    leftover(2147483647, "1");
    leftover(2147483647, "2");
    std::mutex mutex;
    std::vector<std::string> lines;
    boost::asio::io_context io;
    ServerConfig config;
    config.root = root_;
    config.log = [&](std::string_view line) {
        std::lock_guard lock(mutex);
        lines.emplace_back(line);
    };
    Server server(io, config);
    server.start();
    std::lock_guard lock(mutex);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], "removed 2 leftover temporary file(s) from '" + tmp_.string() + "'");
    EXPECT_TRUE(message_file_names(tmp_).empty());
}

} // namespace
} // namespace xsime::mock
