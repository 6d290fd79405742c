// libFuzzer target: ${} expansion agrees with a model built on parse_reference and 128-bit
// arithmetic done here; errors name the offset or the reference, numbers never wrap.
#include "fuzz/fuzz_support.hpp"
#include "harness/expand.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace {

using namespace xsime::harness;
using xsime::fuzz::require;
// 128 bits hold every value plus every offset, so the model's range checks are plain compares.
__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

// Fixed values: a name, numbers at both ends of the range, and values that look like
// references, which must be inserted as they are (one pass, never expanded again).
const Variables& variables() {
    static const Variables vars = {{"org", "xc-fuzz-org-1a2b"},
                                   {"t1", "1700000000"},
                                   {"i", "7"},
                                   {"name", "alice"},
                                   {"zero", "0"},
                                   {"big", "18446744073709551615"},
                                   {"odd", "${org}$$"},
                                   {"neg", "-5"},
                                   {"padded", "007"},
                                   {"huge", "99999999999999999999"}};
    return vars;
}

// `value` read as an unsigned decimal number, without std::from_chars; nullopt when it is not
// one or is above 2^64-1.
std::optional<u128> number(const std::string& value) {
    if (value.empty()) {
        return std::nullopt;
    }
    u128 n = 0;
    for (const char c : value) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        n = n * 10 + static_cast<unsigned>(c - '0');
        if (n > UINT64_MAX) {
            return std::nullopt;
        }
    }
    return n;
}

std::string decimal(u128 n) {
    std::string out;
    do {
        out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(n % 10)));
        n /= 10;
    } while (n != 0);
    return out;
}

// What a reference must give, or nullopt when expand() must refuse it.
std::optional<std::string> model_value(const Reference& ref, const std::string& value) {
    if (!ref.numeric()) {
        return value;
    }
    const auto n = number(value);
    if (!n) {
        return std::nullopt;
    }
    i128 result = static_cast<i128>(*n) + ref.offset;
    if (result < 0 || result > static_cast<i128>(UINT64_MAX)) {
        return std::nullopt; // below 0 or above 2^64-1: an error, never a wrapped number
    }
    std::string text = decimal(static_cast<u128>(result));
    if (text.size() < ref.width) {
        text.insert(0, ref.width - text.size(), '0');
    }
    return text;
}

struct Model {
    std::optional<std::string> out; // nullopt: an error is expected
    std::string must_name;          // what the error must mention
};

// The expansion as the header documents it, one left-to-right pass.
Model model(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] != '$' || i + 1 == text.size() || (text[i + 1] != '$' && text[i + 1] != '{')) {
            out.push_back(text[i++]);
            continue;
        }
        if (text[i + 1] == '$') {
            out.push_back('$');
            i += 2;
            continue;
        }
        const auto close = text.find('}', i + 2);
        if (close == std::string_view::npos) {
            return {std::nullopt, "offset " + std::to_string(i)};
        }
        const auto inner = text.substr(i + 2, close - i - 2);
        std::string why;
        const auto ref = parse_reference(inner, why);
        if (!ref) {
            require(!why.empty(), "parse_reference says why it refuses");
            return {std::nullopt, "${" + std::string(inner) + "}"};
        }
        const auto found = variables().find(ref->name);
        const auto value =
            found == variables().end() ? std::nullopt : model_value(*ref, found->second);
        if (!value) {
            return {std::nullopt, "${" + ref->name};
        }
        out += *value;
        i = close + 1;
    }
    return {out, ""};
}

// Every '$' doubled: expands back to the text itself.
std::string escaped(std::string_view text) {
    std::string out;
    for (const char c : text) {
        out += c == '$' ? "$$" : std::string(1, c);
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    xsime::fuzz::FuzzInput in(data, size);
    const auto text = in.take_rest();

    const auto result = expand(text, variables());
    const auto expected = model(text);
    if (const auto* error = std::get_if<ExpandError>(&result)) {
        require(!expected.out, "expand() refuses only what the model refuses");
        require(error->reason.find(expected.must_name) != std::string::npos,
                "an error names the offset or the reference");
    } else {
        require(expected.out.has_value(), "expand() accepts only what the model accepts");
        require(std::get<std::string>(result) == *expected.out, "expand() == the model");
    }
    if (text.find('$') == std::string_view::npos) {
        require(std::holds_alternative<std::string>(result) &&
                    std::get<std::string>(result) == text,
                "text without '$' expands to itself");
    }
    const auto again = expand(escaped(text), variables());
    require(std::holds_alternative<std::string>(again) && std::get<std::string>(again) == text,
            "every '$' doubled expands back to the text");
    // A repeat's counter shadows a variable of the same name.
    const Variables locals = {{"i", "8"}};
    const auto shadowed = expand("${i}", variables(), locals);
    require(std::holds_alternative<std::string>(shadowed) && std::get<std::string>(shadowed) == "8",
            "locals are looked up first");
    return 0;
}
