// ${} references in scenario strings, checked at load time: each name defined by then (${org},
// an earlier step's capture, a repeat's counter), and arithmetic only on numbers; the regexes
// whose named groups define captures.
#include "harness/field_reader.hpp"
#include "harness/matcher.hpp"

#include <algorithm>
#include <boost/regex.hpp>
#include <limits>

namespace xsime::harness {

namespace {

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

} // namespace

void FieldReader::end_step() {
    // A step's captures are usable from the next step on.
    for (const auto& group : step_captures_) {
        defined_[group.name] = group.numeric;
    }
    step_captures_.clear();
}

bool FieldReader::is_defined(const std::string& name) const {
    return defined_.contains(name) ||
           std::find(locals_.begin(), locals_.end(), name) != locals_.end();
}

bool FieldReader::is_number(const std::string& name) const {
    if (std::find(locals_.begin(), locals_.end(), name) != locals_.end()) {
        return true;
    }
    const auto found = defined_.find(name);
    return found != defined_.end() && found->second;
}

bool FieldReader::references(const std::string& text, const std::string& pointer,
                             std::string* substituted) {
    bool ok = true;
    const auto emit = [&](char c) {
        if (substituted != nullptr) {
            substituted->push_back(c);
        }
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const char next = i + 1 < text.size() ? text[i + 1] : '\0';
        if (c != '$' || (next != '$' && next != '{')) {
            emit(c);
            continue;
        }
        if (next == '$') {
            emit('$');
            ++i;
            continue;
        }
        const auto close = text.find('}', i + 2);
        if (close == std::string::npos) {
            error(pointer, "unterminated \"${\" at character " + std::to_string(i + 1) +
                               " (write \"$$\" for a literal '$')");
            return false;
        }
        const std::string inner = text.substr(i + 2, close - i - 2);
        std::string why;
        const auto ref = parse_reference(inner, why);
        if (!ref) {
            error(pointer, "bad reference \"${" + inner + "}\": " + why);
            ok = false;
        } else if (!is_defined(ref->name)) {
            std::vector<std::string> known;
            for (const auto& [name, numeric] : defined_) {
                known.push_back(name);
            }
            known.insert(known.end(), locals_.begin(), locals_.end());
            const bool counter = ref->name == "i";
            error(pointer, "\"${" + inner + "}\" is not defined here: " +
                               (counter ? std::string("${i} is a repeat's counter, usable only "
                                                      "inside its steps")
                                        : std::string("use ${org}, a capture named by an earlier "
                                                      "step's regex or a repeat's counter")) +
                               " (defined here: " + join(known) + ")");
            ok = false;
        } else if (ref->numeric() && !is_number(ref->name)) {
            error(pointer, "\"${" + inner + "}\": " + ref->name +
                               (ref->name == "org" ? " is the org unit's name, text" : " is text") +
                               ", and arithmetic and padding need a number: a repeat's counter, "
                               "or a capture whose group is digits only, like (?<t1>[0-9]+)");
            ok = false;
        }
        emit('x');
        i = close;
    }
    return ok;
}

bool FieldReader::regex(const Json& value, const std::string& pointer, std::string& out,
                        bool captures) {
    std::string compiled;
    if (!string(value, pointer, out) || !references(out, pointer, &compiled)) {
        return false;
    }
    try {
        const boost::regex check(compiled, boost::regex::perl);
    } catch (const boost::regex_error& e) {
        error(pointer, std::string("bad regex (Perl syntax): ") + e.what());
        return false;
    }
    if (captures) {
        for (auto& group : capture_groups(out)) {
            step_captures_.push_back(std::move(group));
        }
    }
    return true;
}

bool FieldReader::u64_or_reference(const Json& value, const std::string& pointer,
                                   NumberSource& out) {
    if (value.is_string()) {
        out.reference = value.get<std::string>();
        if (out.reference.find("${") == std::string::npos) {
            error(pointer, "expected an integer from 0 to " + std::to_string(u64_max) +
                               ", or a string of ${} that gives one (\"${t1+1}\"), got " +
                               describe(value));
            return false;
        }
        return references(out.reference, pointer, nullptr);
    }
    out.reference.clear();
    return unsigned_integer(value, pointer, out.value, 0, u64_max);
}

} // namespace xsime::harness
