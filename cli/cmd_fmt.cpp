// `xsime-conform fmt`: rewrites scenario files in the one canonical layout
// (harness/scenario_layout.hpp), like gofmt; `--check` only reports the files that differ.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/scenario_home.hpp"
#include "harness/json_document.hpp"
#include "harness/scenario_layout.hpp"
#include "harness/scenario_loader.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <variant>
#include <vector>

namespace xsime::cli {

namespace {

namespace fs = std::filesystem;

struct FmtOptions {
    std::vector<std::string> paths;
    std::string scenarios; // --scenarios DIR; "": looked for (scenario_home.hpp)
    bool check = false;
};

std::string display(const fs::path& path) {
    return path.generic_string();
}

// Error lines go to stderr as "FILE: message", like the loader's.
void report(const fs::path& file, const std::string& message) {
    std::cerr << display(file) << ": " << message << '\n';
}

// The files the paths name, found as the loader finds them (harness::scenario_files); each
// path that is missing or a folder that cannot be read is reported. False after an error.
bool collect(const std::vector<fs::path>& paths, std::vector<fs::path>& files) {
    std::vector<harness::LoadError> errors;
    files = harness::scenario_files(paths, errors);
    for (const auto& error : errors) {
        std::cerr << harness::format(error) << '\n';
    }
    return errors.empty();
}

bool read_file(const fs::path& file, std::string& text, std::string& error) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        error = std::string("cannot read the file: ") + std::strerror(errno);
        return false;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) {
        error = "cannot read the file";
        return false;
    }
    text = std::move(buffer).str();
    return true;
}

// Replaces the file's content without a moment where it is half written: a temporary file in
// the same folder (so the rename stays on one file system), flushed, given the file's
// permissions, then renamed over it. A symlink's target is rewritten, the link kept.
bool replace_file(const fs::path& file, const std::string& text, std::string& error) {
    std::error_code ec;
    fs::path target = fs::canonical(file, ec);
    if (ec) {
        error = "cannot write the file: " + ec.message();
        return false;
    }
    const auto permissions = fs::status(target, ec).permissions();
    std::string temp =
        (target.parent_path() / ("." + target.filename().string() + ".fmt-XXXXXX")).string();
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) {
        error = "cannot write the file: cannot create a temporary file beside it (" + temp +
                "): " + std::strerror(errno);
        return false;
    }
    // Closes and removes the temporary file; call it right after the failing call (errno).
    const auto fail = [&](const char* what) {
        const int saved = errno;
        ::close(fd);
        ::unlink(temp.c_str());
        error = std::string("cannot write the file: ") + what + " " + temp + ": " +
                std::strerror(saved);
        return false;
    };
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("write");
        }
        written += static_cast<std::size_t>(n);
    }
    if (!ec && ::fchmod(fd, static_cast<mode_t>(permissions) & 07777) != 0) {
        return fail("chmod");
    }
    if (::fsync(fd) != 0) {
        return fail("fsync");
    }
    if (::close(fd) != 0) {
        const int saved = errno;
        ::unlink(temp.c_str());
        error = "cannot write the file: close " + temp + ": " + std::strerror(saved);
        return false;
    }
    if (::rename(temp.c_str(), target.c_str()) != 0) {
        const int saved = errno;
        ::unlink(temp.c_str());
        error = "cannot write the file: rename " + temp + ": " + std::strerror(saved);
        return false;
    }
    return true;
}

enum class FileResult { canonical, changed, error };

FileResult format_file(const fs::path& file, bool check) {
    std::string text;
    std::string error;
    if (!read_file(file, text, error)) {
        report(file, error);
        return FileResult::error;
    }
    auto read = harness::read_json_document(text);
    if (auto* syntax = std::get_if<harness::JsonSyntaxError>(&read)) {
        report(file, syntax->message + "; not formatted");
        return FileResult::error;
    }
    const auto& document = std::get<harness::JsonDocument>(read);
    if (!document.duplicates.empty()) {
        for (const auto& [pointer, key] : document.duplicates) {
            report(file, pointer + ": key " + harness::quote(key) +
                             " appears twice in one object (JSON keeps only the last); not "
                             "formatted, remove one");
        }
        return FileResult::error;
    }
    std::string formatted;
    try {
        formatted = harness::canonical_layout(document.root);
    } catch (const std::exception& e) {
        report(file, std::string("cannot lay out the file: ") + e.what());
        return FileResult::error;
    }
    if (formatted == text) {
        return FileResult::canonical;
    }
    if (check) {
        std::cout << display(file) << ": not in canonical form (run xsime-conform fmt "
                  << display(file) << ")\n";
        return FileResult::changed;
    }
    if (!replace_file(file, formatted, error)) {
        report(file, error);
        return FileResult::error;
    }
    std::cout << "formatted " << display(file) << '\n';
    return FileResult::changed;
}

int fmt(const FmtOptions& options) {
    std::vector<fs::path> paths(options.paths.begin(), options.paths.end());
    if (paths.empty()) {
        auto home = find_scenario_home(scenario_home_sources(options.scenarios));
        if (const auto* error = std::get_if<std::string>(&home)) {
            std::error_code ec;
            const auto here = fs::current_path(ec);
            std::cerr << "xsime-conform fmt: no PATH given, and " << *error
                      << "; or name the scenario files or folders to format (current folder: "
                      << (ec ? std::string("unknown") : display(here)) << ")\n";
            return exit_usage;
        }
        paths.push_back(std::get<ScenarioHome>(home).dir);
    }
    std::vector<fs::path> files;
    bool errors = !collect(paths, files);
    bool changed = false;
    // The same file named twice (a folder and a file in it) is formatted once.
    std::set<fs::path> seen;
    for (const auto& file : files) {
        std::error_code ec;
        const auto canonical = fs::weakly_canonical(file, ec);
        if (!seen.insert(ec ? file : canonical).second) {
            continue;
        }
        switch (format_file(file, options.check)) {
        case FileResult::canonical:
            break;
        case FileResult::changed:
            changed = true;
            break;
        case FileResult::error:
            errors = true;
            break;
        }
    }
    if (errors) {
        return exit_usage;
    }
    return options.check && changed ? exit_nonconformant : exit_ok;
}

} // namespace

void setup_cmd_fmt(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<FmtOptions>();
    auto* cmd = app.add_subcommand(
        "fmt", "Rewrite scenario files in the one canonical layout (like gofmt); with --check, "
               "only list the files that are not in it. Exit codes: 0 done (--check: every "
               "file is canonical), 1 --check: some file is not, 2 usage error or a file that "
               "cannot be read, parsed or written.");
    cmd->footer(
        "Layout (scenarios/FORMAT.md, \"Formatting\"): the top-level object one field per "
        "line, indented by 2; any value on one line, {\"a\": 1, \"b\": [1, 2]}, when that line "
        "fits in 100 columns (indentation, key and trailing comma included); otherwise an "
        "object or array one member per line, indented by 2 more, each member laid out by the "
        "same rule. Key order is kept, strings stay UTF-8 and are never split (a long string "
        "makes a long line), the file ends with one newline.\n\n"
        "Only files whose text changes are rewritten, through a temporary file in the same "
        "folder renamed over it, and each is printed as 'formatted FILE'. A file with a JSON "
        "syntax error or a key repeated in an object is refused (FILE: message) and left as it "
        "is; the other files are still processed, and the exit code is 2.");
    cmd->add_option("paths", options->paths,
                    "Scenario files or folders; folders are walked for *.json, without "
                    "schema.json and clauses.json (default: the scenario set, see --scenarios)")
        ->type_name("PATH");
    cmd->add_option("--scenarios", options->scenarios,
                    "The scenario set to format when no PATH is given (default: "
                    "$XSIME_SCENARIOS, else ./scenarios, else the installed set)")
        ->type_name("DIR");
    cmd->add_flag("--check", options->check,
                  "Write nothing: list the files not in canonical form and exit 1 if there are "
                  "any (for CI)");
    cmd->callback([options, &exit_code] { exit_code = fmt(*options); });
}

} // namespace xsime::cli
