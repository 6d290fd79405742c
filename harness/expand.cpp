// ${name} expansion: one left-to-right pass, so an inserted value is never expanded again.
#include "harness/expand.hpp"

namespace xsime::harness {

std::variant<std::string, ExpandError> expand(std::string_view text, const Variables& variables) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c != '$' || i + 1 == text.size()) {
            out.push_back(c);
            ++i;
            continue;
        }
        const char next = text[i + 1];
        if (next == '$') {
            out.push_back('$');
            i += 2;
            continue;
        }
        if (next != '{') {
            out.push_back(c);
            ++i;
            continue;
        }
        const auto close = text.find('}', i + 2);
        if (close == std::string_view::npos) {
            return ExpandError{"unterminated ${ at offset " + std::to_string(i)};
        }
        const auto name = text.substr(i + 2, close - i - 2);
        const auto found = variables.find(name);
        if (found == variables.end()) {
            return ExpandError{"unknown capture ${" + std::string(name) + "}"};
        }
        out += found->second;
        i = close + 1;
    }
    return out;
}

} // namespace xsime::harness
