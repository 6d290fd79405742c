// The --exec and --exec-shell templates that start a client driver: words split as a POSIX
// shell splits them (quotes and backslashes, nothing else) and {name} placeholders replaced.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xsime::harness {

// {host}, {port}, {transport} -> their values for one scenario (docs/client-driver.md).
using Placeholders = std::map<std::string, std::string, std::less<>>;

// Replaces every {name} of `placeholders` in `text`, in one pass (a value is never scanned
// again); an unknown {x} stays as written.
std::string substitute(std::string_view text, const Placeholders& placeholders);

// Splits `text` into words like sh: blanks (space, tab, newline) separate words; '...' keeps
// everything; "..." keeps everything but a backslash before " \ $ ` or a newline; a backslash
// outside quotes keeps the next character (backslash-newline joins lines). No expansion of
// $VAR, globs, pipes or anything else: those characters are literal. Placeholders are then
// replaced in every word, so a value with spaces stays one word. An error (an unterminated
// quote, a backslash at the end, an empty command) says where, as a 1-based character
// position (UTF-8 code points): "unterminated ' (opened at character 7)".
std::variant<std::vector<std::string>, std::string> split_exec(std::string_view text,
                                                               const Placeholders& placeholders);

// {"/bin/sh", "-c", text with placeholders replaced}: --exec-shell.
std::vector<std::string> shell_argv(std::string_view text, const Placeholders& placeholders);

} // namespace xsime::harness
