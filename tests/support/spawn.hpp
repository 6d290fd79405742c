// fork + exec with the child set up as a shell would start it; shared by the process helpers.
#pragma once

#include <sys/types.h>

namespace xsime::test {

// Starts argv[0] (argv null-terminated, prepared before the call) with the given stdin,
// stdout and stderr; every other descriptor of the test process is closed (so a child never
// holds a peer's socket open), the signal mask and the dispositions of SIGPIPE, SIGTERM and
// SIGINT are reset (they survive exec), and `dir`, when not null, is the working directory.
// Returns the child's pid, or -1 with errno set when fork fails. The child exits 127 when
// chdir or exec fails, saying so on its stderr.
pid_t spawn_child(char* const argv[], int stdin_fd, int stdout_fd, int stderr_fd, const char* dir);

} // namespace xsime::test
