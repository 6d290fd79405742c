// Mutations of a case, at message level (drop, duplicate, reorder, split, merge, insert frames,
// interleave or add sessions) and field level (lying sz, boundary values, opcode flips, hostile
// paths and user names, long and binary payloads). Deterministic: only `rng` decides.
#pragma once

#include "netfuzz/case_model.hpp"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace xsime::netfuzz {

// The boundary values a lying or odd `sz` takes: 0, 1, 16384, 16385, 2^31-1, -1.
std::span<const std::int32_t> boundary_sizes();

// The names of every mutator, in a fixed order (for the status line and the docs).
std::span<const std::string_view> mutator_names();

// Applies 1 to 3 mutations to `fuzz_case` (a session they touch no longer counts as valid,
// except for a send's text changed within the limits, and interleaving); returns their names.
std::vector<std::string_view> mutate(Case& fuzz_case, Rng& rng);

// One named mutator; false when it did not apply to this case (nothing changed).
bool apply_mutator(std::string_view name, Case& fuzz_case, Rng& rng);

} // namespace xsime::netfuzz
