// A report file written whole or not at all: the report goes to FILE.tmp-<pid> in FILE's
// folder, opened before the run (so a bad path fails at once), and is renamed over FILE only
// once complete. A run killed before the end leaves the previous FILE as it was; a run that
// ends without writing (a usage error after the files were opened) removes the temporary.
#pragma once

#include <fstream>
#include <string>

namespace xsime::cli {

class ReportFile : public std::ofstream {
public:
    // Opens the temporary; check the stream (operator bool) for success. FILE itself is not
    // touched until commit().
    explicit ReportFile(std::string path);
    ReportFile(ReportFile&& other) noexcept;
    ReportFile& operator=(ReportFile&& other) noexcept;
    ReportFile(const ReportFile&) = delete;
    ReportFile& operator=(const ReportFile&) = delete;
    // Removes the temporary unless commit() renamed it.
    ~ReportFile() override;

    const std::string& path() const { return path_; }
    const std::string& temporary() const { return temporary_; }

    // Flushes, closes and renames the temporary over FILE. False, with the temporary removed
    // and FILE untouched, when a write or the rename failed; `error` then says why.
    bool commit(std::string& error);

private:
    void discard();

    std::string path_;
    std::string temporary_;
    bool owns_temporary_ = false;
};

} // namespace xsime::cli
