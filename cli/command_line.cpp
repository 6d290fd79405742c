// The process's command line (command_line.hpp).
#include "cli/command_line.hpp"

#include <string_view>

namespace xsime::cli {

namespace {

std::vector<std::string>& words() {
    static std::vector<std::string> remembered;
    return remembered;
}

std::string shell_quoted(const std::string& word) {
    const bool plain = !word.empty() &&
                       word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789-_./:=,+@%") == std::string::npos;
    if (plain) {
        return word;
    }
    std::string out = "'";
    for (const char c : word) {
        out += c == '\'' ? "'\\''" : std::string(1, c);
    }
    return out + "'";
}

} // namespace

void remember_command_line(int argc, const char* const* argv) {
    words().assign(argv, argv + argc);
}

std::string command_line_text() {
    constexpr std::string_view secret_option = "--hash";
    std::string out;
    bool redact_next = false;
    for (const std::string& word : words()) {
        std::string shown = word;
        if (redact_next) {
            shown = "<redacted>";
        } else if (word.rfind(std::string(secret_option) + "=", 0) == 0) {
            shown = std::string(secret_option) + "=<redacted>";
        }
        redact_next = word == secret_option;
        out += (out.empty() ? "" : " ") + shell_quoted(shown);
    }
    return out;
}

} // namespace xsime::cli
