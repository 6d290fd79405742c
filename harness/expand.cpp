// ${} expansion: one left-to-right pass, so an inserted value is never expanded again.
#include "harness/expand.hpp"

#include <charconv>
#include <limits>

namespace xsime::harness {

namespace {

bool is_name(std::string_view name) {
    if (name.empty()) {
        return false;
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        const bool digit = c >= '0' && c <= '9';
        if (!letter && !(digit && i > 0)) {
            return false;
        }
    }
    return true;
}

bool all_digits(std::string_view text) {
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

std::variant<std::string, ExpandError> apply(const Reference& ref, const std::string& value) {
    if (!ref.numeric()) {
        return value;
    }
    std::uint64_t number = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (!all_digits(value) || ec != std::errc() || end != value.data() + value.size()) {
        return ExpandError{"${" + ref.name + "} is \"" + value +
                           "\", not a number: arithmetic and padding need a number"};
    }
    // |offset| < 10^18 (parse_reference), so negating it cannot overflow.
    if (ref.offset < 0) {
        const auto minus = static_cast<std::uint64_t>(-ref.offset);
        if (number < minus) {
            return ExpandError{"${" + ref.name + std::to_string(ref.offset) + "} is below 0 (" +
                               ref.name + " is " + value + ")"};
        }
        number -= minus;
    } else {
        const auto plus = static_cast<std::uint64_t>(ref.offset);
        if (number > std::numeric_limits<std::uint64_t>::max() - plus) {
            return ExpandError{"${" + ref.name + "+" + std::to_string(ref.offset) +
                               "} is above 2^64-1"};
        }
        number += plus;
    }
    std::string text = std::to_string(number);
    if (text.size() < ref.width) {
        text.insert(0, ref.width - text.size(), '0');
    }
    return text;
}

} // namespace

std::optional<Reference> parse_reference(std::string_view inner, std::string& why) {
    Reference ref;
    std::size_t end = 0;
    while (end < inner.size() && inner[end] != '+' && inner[end] != '-' && inner[end] != ':') {
        ++end;
    }
    ref.name = std::string(inner.substr(0, end));
    if (!is_name(ref.name)) {
        why = "a name is letters, digits and '_', not starting with a digit";
        return std::nullopt;
    }
    std::string_view rest = inner.substr(end);
    if (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) {
        const bool minus = rest.front() == '-';
        const auto colon = rest.find(':');
        const auto digits = rest.substr(1, colon == std::string_view::npos ? rest.npos : colon - 1);
        std::int64_t amount = 0;
        const auto [ptr, ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), amount);
        if (!all_digits(digits) || digits.size() > 18 || ec != std::errc() ||
            ptr != digits.data() + digits.size()) {
            why = "after '" + std::string(1, rest.front()) +
                  "' comes a whole number of at most 18 digits, e.g. ${t1+1}";
            return std::nullopt;
        }
        ref.offset = minus ? -amount : amount;
        ref.has_offset = true;
        rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon);
    }
    if (!rest.empty()) {
        // rest starts with ':'
        const auto spec = rest.substr(1);
        if (spec.size() < 2 || spec.front() != '0' || !all_digits(spec) || spec.size() > 3) {
            why = "the format after ':' is 0 and a width, e.g. ${i:02}";
            return std::nullopt;
        }
        ref.width = static_cast<std::size_t>(std::stoi(std::string(spec.substr(1))));
        if (ref.width == 0 || ref.width > 20) {
            why = "the width after \":0\" is 1 to 20";
            return std::nullopt;
        }
    }
    return ref;
}

std::variant<std::string, ExpandError> expand(std::string_view text, const Variables& variables) {
    static const Variables none;
    return expand(text, variables, none);
}

std::variant<std::string, ExpandError> expand(std::string_view text, const Variables& variables,
                                              const Variables& locals) {
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
        const auto inner = text.substr(i + 2, close - i - 2);
        std::string why;
        const auto ref = parse_reference(inner, why);
        if (!ref) {
            return ExpandError{"bad reference ${" + std::string(inner) + "}: " + why};
        }
        auto found = locals.find(ref->name);
        if (found == locals.end()) {
            found = variables.find(ref->name);
            if (found == variables.end()) {
                return ExpandError{"unknown capture ${" + ref->name + "}"};
            }
        }
        auto value = apply(*ref, found->second);
        if (auto* error = std::get_if<ExpandError>(&value)) {
            return std::move(*error);
        }
        out += std::get<std::string>(value);
        i = close + 1;
    }
    return out;
}

} // namespace xsime::harness
