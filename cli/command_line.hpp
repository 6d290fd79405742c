// The process's command line as the user typed it, kept by main() for what records it: the
// COMMAND file of `run --bundle`.
#pragma once

#include <string>
#include <vector>

namespace xsime::cli {

void remember_command_line(int argc, const char* const* argv);

// The words, quoted for a POSIX shell where needed ('it'\''s'), joined by spaces. The value
// of --hash is a secret: it is written <redacted>.
std::string command_line_text();

} // namespace xsime::cli
