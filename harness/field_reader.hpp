// Reading the fields of a scenario file into the model: every value reader a step kind uses,
// each reporting a mistake with the file, the JSON pointer and what was expected.
#pragma once

#include "harness/expand.hpp"
#include "harness/json_document.hpp"
#include "harness/load_error.hpp"
#include "harness/matcher.hpp"
#include "harness/scenario.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace xsime::harness {

using Keys = std::span<const std::string_view>;

std::string join(Keys keys);
std::string join(const std::vector<std::string>& items);

class FieldReader {
public:
    explicit FieldReader(std::string file) : file_(std::move(file)) {}

    std::vector<LoadError> errors;
    void error(const std::string& pointer, std::string message);
    const std::string& file() const { return file_; }

    // A value reader: checks one JSON value and writes the model value, or reports and
    // returns false. Extra arguments (e.g. a minimum) follow the output.
    template <class T, class... Extra>
    using Read = bool (FieldReader::*)(const Json&, const std::string&, T&, Extra...);
    using Reader = std::function<bool(const Json&, const std::string&)>;

    // ---- names usable as ${name} ----
    // "org", then each step's captures from the next step on; a repeat's counter inside it.
    void begin_step() { step_captures_.clear(); }
    void end_step();
    void define_local(const std::string& name) { locals_.push_back(name); }
    void drop_local() { locals_.pop_back(); }
    bool is_defined(const std::string& name) const;
    bool is_number(const std::string& name) const; // a counter, or a digits-only capture

    // ---- generic field access ----

    // Reports keys of `object` that are not in `allowed`.
    bool known_keys(const Json& object, const std::string& pointer, Keys allowed,
                    std::string_view what);

    bool is_object(const Json& value, const std::string& pointer, std::string_view what);

    // An action's object with only the allowed keys; false when it is not an object.
    bool action_object(const Json& value, const std::string& pointer, std::string_view what,
                       Keys allowed, bool& ok);

    // Calls `read` on object[key] when present; a missing required key is an error.
    bool field(const Json& object, std::string_view key, const std::string& pointer, bool required,
               const Reader& read);

    // object[key] read into `out`, which keeps its default when the key is absent.
    template <class T, class... Extra>
    bool get(const Json& object, std::string_view key, const std::string& pointer, bool required,
             Read<T, Extra...> read, T& out, std::type_identity_t<Extra>... extra) {
        return field(object, key, pointer, required, [&](const Json& v, const std::string& p) {
            return (this->*read)(v, p, out, extra...);
        });
    }

    // object[key] read into an optional, set only when the key is present and valid.
    template <class T, class... Extra>
    bool get(const Json& object, std::string_view key, const std::string& pointer,
             Read<T, Extra...> read, std::optional<T>& out, std::type_identity_t<Extra>... extra) {
        return field(object, key, pointer, false, [&](const Json& v, const std::string& p) {
            T value{};
            if (!(this->*read)(v, p, value, extra...)) {
                return false;
            }
            out = std::move(value);
            return true;
        });
    }

    // Each item of an array read with `read`.
    template <class T, class... Extra>
    bool items(const Json& value, const std::string& pointer, std::string_view what,
               Read<T, Extra...> read, std::vector<T>& out, std::type_identity_t<Extra>... extra) {
        if (!value.is_array()) {
            error(pointer, "expected " + std::string(what) + ", got " + describe(value));
            return false;
        }
        bool ok = true;
        out.clear();
        for (std::size_t i = 0; i < value.size(); ++i) {
            T item{};
            ok &= (this->*read)(value[i], child(pointer, i), item, extra...);
            out.push_back(std::move(item));
        }
        return ok;
    }

    // At most one (or, with `required`, exactly one) of `keys` is present; returns the one.
    std::optional<std::string_view> one_of(const Json& object, const std::string& pointer,
                                           Keys keys, bool required, bool& ok);

    // ---- value readers ----

    bool string(const Json& value, const std::string& pointer, std::string& out);

    bool non_empty(const Json& value, const std::string& pointer, std::string& out);

    // A string that may hold ${name}: every reference must be defined by now.
    bool expandable(const Json& value, const std::string& pointer, std::string& out);

    bool unsigned_integer(const Json& value, const std::string& pointer, std::uint64_t& out,
                          std::uint64_t min, std::uint64_t max);

    bool u32(const Json& value, const std::string& pointer, std::uint32_t& out);

    bool positive_u32(const Json& value, const std::string& pointer, std::uint32_t& out);

    bool u64(const Json& value, const std::string& pointer, std::uint64_t& out);

    bool count(const Json& value, const std::string& pointer, std::size_t& out);

    bool int32(const Json& value, const std::string& pointer, std::int32_t& out);

    bool boolean(const Json& value, const std::string& pointer, bool& out);

    // Milliseconds kept as nanoseconds, so at most 2^64-1 ns.
    bool ms_as_ns(const Json& value, const std::string& pointer, std::uint64_t& out);

    bool strings(const Json& value, const std::string& pointer, std::vector<std::string>& out);
    // Non-empty strings, and the array itself non-empty (keywords, clauses, sessions).
    bool names(const Json& value, const std::string& pointer, std::vector<std::string>& out);

    // ${} references: each names ${org}, a capture of an earlier step or an enclosing
    // repeat's counter, and arithmetic or padding only a number; "$$" is a literal '$'; any
    // other '$' stays as written (a regex's end anchor). With `substituted`, writes the text
    // with each reference replaced by a neutral literal, for compiling a regex at load time
    // before the capture values exist.
    bool references(const std::string& text, const std::string& pointer, std::string* substituted);

    // A Perl regex, compiled now so that a bad one fails the load, not the run. With
    // `captures`, its named groups become ${name}s for later steps.
    bool regex(const Json& value, const std::string& pointer, std::string& out, bool captures);

    bool hex(const Json& value, const std::string& pointer, std::string& out);
    // A string taken as is (never expanded), generated bytes {"fill", "count"}, or an array
    // of such parts, concatenated.
    bool literal_text(const Json& value, const std::string& pointer, std::string& out);
    // `piece` for a string; {"fill", "count"}; or an array of those, concatenated.
    bool parts(const Json& value, const std::string& pointer, std::string& out,
               Read<std::string> piece);

    // Text (expanded at run time) or hex (literal) into Bytes; either may instead be
    // generated bytes {"fill", "count"} or an array of parts (strings and fills), which are
    // taken as written (literal: never expanded).
    bool text_bytes(const Json& value, const std::string& pointer, Bytes& out);
    bool hex_bytes(const Json& value, const std::string& pointer, Bytes& out);
    // The one of {text_key, hex_key} that is present, if any, into `out`.
    bool text_or_hex(const Json& object, const std::string& pointer, std::string_view text_key,
                     std::string_view hex_key, bool required, std::optional<Bytes>& out);

    bool opcode(const Json& value, const std::string& pointer, std::uint8_t& out);

    bool flag(const Json& value, const std::string& pointer, std::int32_t& out);

    bool flags(const Json& value, const std::string& pointer, std::int32_t& out);

    bool status(const Json& value, const std::string& pointer, std::int32_t& out);

    // ---- byte sources ----

    bool frame(const Json& value, const std::string& pointer, std::string& out);

    // {"text"}, {"hex"}, {"frame"} or {"fill", "count"}.
    bool byte_source(const Json& value, const std::string& pointer, Bytes& out);
    // {"fill": "ab", "count": N}: the pattern repeated to exactly N bytes.
    bool fill(const Json& value, const std::string& pointer, std::string& out);

    // A number, or a string of ${} that expands to one when the step runs ("${t1+1}").
    bool u64_or_reference(const Json& value, const std::string& pointer, NumberSource& out);

    // A user name inside the org unit: one or more folder names joined by '/' (nested users,
    // "team/alice"), none empty, "." or "..".
    bool user_path(const Json& value, const std::string& pointer, std::string& out);

    // ---- fixture (fixture_reader.cpp) ----
    bool fixture(const Json& value, const std::string& pointer, Fixture& out);

private:
    bool user_name(const Json& value, const std::string& pointer, std::string& out);
    bool org_relative(const Json& value, const std::string& pointer, std::string& out);
    bool users(const Json& value, const std::string& pointer, std::vector<std::string>& out);
    bool link(const Json& value, const std::string& pointer, FixtureLink& out);
    bool fixture_message(const Json& value, const std::string& pointer, FixtureMessage& out);
    bool blacklist(const Json& value, const std::string& pointer,
                   std::map<std::string, std::vector<std::string>>& out);

    std::string file_;
    std::map<std::string, bool> defined_{{"org", false}}; // name -> numeric
    std::vector<CaptureGroup> step_captures_;             // captures of the step being read
    std::vector<std::string> locals_;                     // counters of the enclosing repeats
};

} // namespace xsime::harness
