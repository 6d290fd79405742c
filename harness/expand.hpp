// ${} expansion of scenario strings at run time: ${org}, the captures of earlier steps and a
// repeat's counter, with arithmetic (${t1+1}) and zero padding (${i:02}) on numbers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::harness {

// Name -> value; std::less<> so that lookups take string_views.
using Variables = std::map<std::string, std::string, std::less<>>;

struct ExpandError {
    std::string reason; // "unknown capture ${x}", "unterminated ${ at offset 4"
};

// What one ${...} says: name, then optionally +N or -N, then optionally :0W (zero-padded to
// W digits). Arithmetic and padding make it a numeric use: the value must be a number.
struct Reference {
    std::string name;
    std::int64_t offset = 0;
    bool has_offset = false; // "+0" is still arithmetic: the value must be a number
    std::size_t width = 0;   // 0: as is
    bool numeric() const { return has_offset || width != 0; }
};

// Parses the text between "${" and "}"; nullopt with `why` set when it is not a reference.
std::optional<Reference> parse_reference(std::string_view inner, std::string& why);

// Replaces every ${...} with its value and every "$$" with "$". A '$' followed by anything
// else stays as written (regexes use '$' as an anchor). Values are inserted as they are: a
// capture used inside a regex is regex text, not escaped. Arithmetic on a value that is not
// an unsigned decimal number, or a result below 0, is an error.
std::variant<std::string, ExpandError> expand(std::string_view text, const Variables& variables);

// The same, with `locals` (a repeat's counter) looked up before `variables`.
std::variant<std::string, ExpandError> expand(std::string_view text, const Variables& variables,
                                              const Variables& locals);

} // namespace xsime::harness
