// A scenario's mailbox on a local directory: folders, blacklist files, message files, links.
#include "harness/local_fixture.hpp"

#include "harness/fixture_paths.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <string_view>
#include <system_error>
#include <thread>

namespace xsime::harness {

namespace fs = std::filesystem;

namespace {

std::string error_text(const fs::path& path, const std::error_code& ec) {
    return path.string() + ": " + ec.message();
}

// Writes `content` to `path` through a hidden temporary name and a rename, so a server
// scanning the folder never sees half a message.
std::optional<std::string> write_file(const fs::path& path, const std::string& content) {
    const fs::path temp = path.parent_path() / ("." + path.filename().string() + ".tmp");
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        out.close();
        if (!out) {
            return temp.string() + ": cannot write";
        }
    }
    std::error_code ec;
    fs::rename(temp, path, ec);
    if (ec) {
        return error_text(path, ec);
    }
    return std::nullopt;
}

std::optional<std::string> make_dirs(const fs::path& path) {
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) {
        return error_text(path, ec);
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> LocalFixture::prepare(const std::string& org, const Fixture& fixture) {
    // Every path is checked before anything is created.
    if (auto error = check_fixture(org, fixture)) {
        return error;
    }

    const fs::path base = root_ / org;
    if (auto error = make_dirs(base)) {
        return error;
    }
    for (const auto& user : fixture.users) {
        if (auto error = make_dirs(base / user)) {
            return error;
        }
    }
    for (const auto& [user, senders] : fixture.blacklist) {
        const fs::path dir = base / user / "messages" / "blacklist";
        if (auto error = make_dirs(dir)) {
            return error;
        }
        for (const auto& sender : senders) {
            if (auto error = write_file(dir / sender, "")) {
                return error;
            }
        }
    }
    std::size_t n = 0;
    for (const auto& message : fixture.messages) {
        const fs::path dir = base / message.to / "messages";
        if (auto error = make_dirs(dir)) {
            return error;
        }
        ++n;
        const auto name = std::to_string(message.timestamp) + "-fixture-" + std::to_string(n);
        const auto content =
            std::to_string(message.timestamp) + ":" + message.from + ":" + message.text;
        if (auto error = write_file(dir / name, content)) {
            return error;
        }
    }
    for (const auto& dir : fixture.dirs) {
        if (auto error = make_dirs(base / dir)) {
            return error;
        }
    }
    for (const auto& link : fixture.links) {
        const fs::path at = base / link.at;
        if (auto error = make_dirs(at.parent_path())) {
            return error;
        }
        std::error_code ec;
        fs::create_symlink(link.to, at, ec);
        if (ec) {
            return error_text(at, ec);
        }
    }
    return std::nullopt;
}

void LocalFixture::cleanup(const std::string& org) {
    if (!valid_org_name(org)) {
        return;
    }
    // A server still finishing a session may create messages/ while the tree is being
    // removed ("directory not empty"): try again a few times, then leave it.
    for (int attempt = 0; attempt < 5; ++attempt) {
        std::error_code ec;
        fs::remove_all(root_ / org, ec);
        if (!ec) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

namespace {

// The message files of <root>/<org>/<user>/messages: regular files (not symlinks) whose
// names do not start with '.', sorted; none when the folder does not exist.
std::vector<fs::path> message_files(const fs::path& root, const std::string& org,
                                    const std::string& user) {
    std::vector<fs::path> files;
    if (!valid_org_name(org) || check_inside_org("user", user)) {
        return files;
    }
    const fs::path dir = root / org / user / "messages";
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const auto name = it->path().filename().string();
        std::error_code status_ec;
        if (name.empty() || name.front() == '.' ||
            !fs::is_regular_file(it->symlink_status(status_ec)) || status_ec) {
            continue;
        }
        files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

} // namespace

std::optional<std::variant<std::size_t, std::string>>
LocalFixture::message_count(const std::string& org, const std::string& user) {
    return message_files(root_, org, user).size();
}

std::optional<std::vector<std::string>> LocalFixture::messages(const std::string& org,
                                                               const std::string& user) {
    std::vector<std::string> contents;
    const auto files = message_files(root_, org, user);
    for (const auto& file : files) {
        // A file removed meanwhile (auto delete) is simply not there any more.
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            continue;
        }
        contents.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return contents;
}

namespace {

// Why <org>/<path> may not be looked at ("" when it may): the rules prepare() follows.
std::string refused(const std::string& org, std::string_view what, const std::string& path) {
    if (!valid_org_name(org)) {
        return "org unit name '" + org + "' is not a single folder name";
    }
    return check_inside_org(what, path).value_or("");
}

} // namespace

std::optional<std::variant<std::vector<std::string>, std::string>>
LocalFixture::blacklist(const std::string& org, const std::string& user) {
    if (auto why = refused(org, "user", user); !why.empty()) {
        return why;
    }
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(root_ / org / user / "messages" / "blacklist", ec), end;
         !ec && it != end; it.increment(ec)) {
        std::error_code status_ec;
        if (fs::is_regular_file(it->symlink_status(status_ec)) && !status_ec) {
            names.push_back(it->path().filename().string());
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::optional<std::variant<bool, std::string>>
LocalFixture::folder_exists(const std::string& org, const std::string& path) {
    if (auto why = refused(org, "path", path); !why.empty()) {
        return why;
    }
    std::error_code ec;
    return fs::is_directory(fs::symlink_status(root_ / org / path, ec)) && !ec;
}

std::string LocalFixture::describe() const {
    return "local directory " + root_.string();
}

} // namespace xsime::harness
