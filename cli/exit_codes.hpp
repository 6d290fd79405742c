// Process exit codes, shared by every subcommand so CI systems can act on them.
#pragma once

namespace xsime::cli {

inline constexpr int exit_ok = 0;            // all passed / clean shutdown
inline constexpr int exit_nonconformant = 1; // a check failed
inline constexpr int exit_usage = 2;         // bad command line or input file
inline constexpr int exit_harness_fault = 3; // target unreachable, or a fault of ours

} // namespace xsime::cli
