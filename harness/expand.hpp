// ${name} expansion of scenario strings at run time: ${org} and the captures of earlier steps.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::harness {

// Name -> value; std::less<> so that lookups take string_views.
using Variables = std::map<std::string, std::string, std::less<>>;

struct ExpandError {
    std::string reason; // "unknown capture ${x}", "unterminated ${ at offset 4"
};

// Replaces every ${name} with its value and every "$$" with "$". A '$' followed by
// anything else stays as written (regexes use '$' as an anchor). Values are inserted as
// they are: a capture used inside a regex is regex text, not escaped.
std::variant<std::string, ExpandError> expand(std::string_view text, const Variables& variables);

} // namespace xsime::harness
