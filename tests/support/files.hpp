// Test support: reading and writing whole files, and listing a mailbox folder's message files,
// as the tests of every layer need them (one copy, so they all mean the same thing).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace xsime::test {

// The bytes of `path`, exactly; "" when it cannot be opened (a missing file reads as empty,
// so an assertion on its content fails with a readable message instead of throwing).
std::string read_file(const std::filesystem::path& path);

// A fresh folder made with mkdtemp under the system's temporary folder
// (`<tmp>/<prefix>.XXXXXX`), removed with everything in it at destruction. Throws
// std::runtime_error when it cannot be made.
class TempDir {
public:
    explicit TempDir(std::string_view prefix = "xsime-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// Writes `content` to `path` in binary, replacing the file; the folder must exist.
void write_file(const std::filesystem::path& path, std::string_view content);

// The regular files directly in `dir` (a user's messages/ folder: the blacklist folder beside
// them is not one), sorted by name; empty when `dir` does not exist. Dot files are included,
// as every earlier copy of this helper did: a temporary or ".part" file left in a messages
// folder is something a test must see, not hide.
std::vector<std::filesystem::path> message_files(const std::filesystem::path& dir);

// The file names of message_files(dir), in the same order.
std::vector<std::string> message_file_names(const std::filesystem::path& dir);

} // namespace xsime::test
