// Level names, as scenario files and reports spell them.
#include "harness/level.hpp"

namespace xsime::harness {

std::string_view to_string(Level level) {
    switch (level) {
    case Level::must:
        return "must";
    case Level::should:
        return "should";
    case Level::interop:
        return "interop";
    }
    return "unknown";
}

std::optional<Level> parse_level(std::string_view text) {
    for (const Level level : {Level::must, Level::should, Level::interop}) {
        if (text == to_string(level)) {
            return level;
        }
    }
    return std::nullopt;
}

} // namespace xsime::harness
