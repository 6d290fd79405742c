// Report files replaced whole by a rename (report_file.hpp).
#include "cli/report_file.hpp"

#include "cli/run_interrupt.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <utility>

namespace xsime::cli {

ReportFile::ReportFile(std::string path)
    : path_(std::move(path)), temporary_(path_ + ".tmp-" + std::to_string(::getpid())) {
    open(temporary_, std::ios::binary | std::ios::trunc);
    owns_temporary_ = is_open();
    if (owns_temporary_) {
        remove_at_exit_signal(temporary_);
    }
}

ReportFile::ReportFile(ReportFile&& other) noexcept
    : std::ofstream(std::move(other)), path_(std::move(other.path_)),
      temporary_(std::move(other.temporary_)),
      owns_temporary_(std::exchange(other.owns_temporary_, false)) {}

ReportFile& ReportFile::operator=(ReportFile&& other) noexcept {
    if (this != &other) {
        discard();
        std::ofstream::operator=(std::move(other));
        path_ = std::move(other.path_);
        temporary_ = std::move(other.temporary_);
        owns_temporary_ = std::exchange(other.owns_temporary_, false);
    }
    return *this;
}

ReportFile::~ReportFile() {
    discard();
}

void ReportFile::discard() {
    if (!owns_temporary_) {
        return;
    }
    close();
    forget_at_exit_signal(temporary_);
    std::remove(temporary_.c_str());
    owns_temporary_ = false;
}

bool ReportFile::commit(std::string& error) {
    flush();
    close();
    if (!*this) {
        error = "writing the report file '" + path_ + "' failed";
        discard();
        return false;
    }
    // rename(2) replaces FILE in one step: a reader sees the old report or the new one.
    if (std::rename(temporary_.c_str(), path_.c_str()) != 0) {
        error = "cannot replace the report file '" + path_ + "': " + std::strerror(errno);
        discard();
        return false;
    }
    forget_at_exit_signal(temporary_);
    owns_temporary_ = false;
    return true;
}

} // namespace xsime::cli
