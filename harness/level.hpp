// A scenario's level (must, should, interop): how much a failure of it weighs in a run.
#pragma once

#include <optional>
#include <string_view>

namespace xsime::harness {

enum class Level { must, should, interop };

std::string_view to_string(Level level);
std::optional<Level> parse_level(std::string_view text);

} // namespace xsime::harness
