// A mistake in a scenario file: where (file, JSON pointer) and what was expected.
#pragma once

#include <cstddef>
#include <string>

namespace xsime::harness {

struct LoadError {
    std::string file;    // as given or as found in a folder walk
    std::string pointer; // JSON pointer of the field ("/steps/3/expect/opcode"); "" = whole file
    std::string message;
    friend bool operator==(const LoadError&, const LoadError&) = default;
};

// "scenarios/x.json: /steps/3/expect/opcode: expected ..."; without a pointer "file: message".
std::string format(const LoadError& error);

// At most this many errors are reported per file (then one "too many errors" entry).
inline constexpr std::size_t max_errors_per_file = 20;

} // namespace xsime::harness
