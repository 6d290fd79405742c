// Test support: a fresh temporary folder of /bin/sh scripts (fake driver programs), removed
// at the end of the test.
#pragma once

#include "tests/support/files.hpp"

#include <filesystem>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

namespace xsime::test {

class ScriptDir {
public:
    explicit ScriptDir(const std::string& prefix) {
        std::string pattern =
            (std::filesystem::temp_directory_path() / (prefix + ".XXXXXX")).string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed for " + pattern);
        }
        dir_ = pattern;
    }
    ~ScriptDir() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    ScriptDir(const ScriptDir&) = delete;
    ScriptDir& operator=(const ScriptDir&) = delete;

    const std::filesystem::path& path() const { return dir_; }
    int count() const { return scripts_; }

    // argv that runs `body` with /bin/sh, from a new file in the folder.
    std::vector<std::string> script(const std::string& body) {
        const auto file = dir_ / ("driver" + std::to_string(++scripts_) + ".sh");
        write_file(file, body);
        return {"/bin/sh", file.string()};
    }

private:
    std::filesystem::path dir_;
    int scripts_ = 0;
};

} // namespace xsime::test
