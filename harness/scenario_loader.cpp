// The scenario loader: JSON text -> validated scenario model, every error with file and pointer.
#include "harness/scenario_loader.hpp"

#include "harness/bytes_spec.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"

#include <algorithm>
#include <array>
#include <boost/regex.hpp>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace xsime::harness {

namespace {

using json = nlohmann::json;
using Keys = std::span<const std::string_view>;

// ---- the format's vocabulary (scenarios/FORMAT.md) ----

constexpr std::array<std::string_view, 19> action_keys = {
    "login",    "start",    "restart",     "tf",     "setup",          "org_unit",     "user",
    "interval", "send",     "exit",        "expect", "expect_nothing", "expect_close", "any_of",
    "mailbox",  "send_raw", "send_chunks", "close",  "sleep"};

// "$schema" lets an editor find scenarios/schema.json; the loader ignores its value.
constexpr std::array<std::string_view, 11> top_keys = {
    "$schema",  "id",         "name",    "clauses",  "requirement", "level",
    "keywords", "timeout_ms", "fixture", "sessions", "steps"};

constexpr std::array<std::string_view, 5> fixture_keys = {"users", "blacklist", "messages", "dirs",
                                                          "links"};
constexpr std::array<std::string_view, 4> fixture_message_keys = {"to", "from", "timestamp",
                                                                  "text"};
constexpr std::array<std::string_view, 2> link_keys = {"at", "to"};
constexpr std::array<std::string_view, 3> byte_source_keys = {"text", "hex", "frame"};
constexpr std::array<std::string_view, 4> frame_keys = {"opcode", "sz", "payload", "payload_hex"};
constexpr std::array<std::string_view, 6> login_keys = {"user",      "org_unit",    "flags",
                                                        "timestamp", "interval_ms", "interval_ns"};
constexpr std::array<std::string_view, 1> start_keys = {"expect_reply"};
constexpr std::array<std::string_view, 2> tf_keys = {"command", "expect_reply"};
constexpr std::array<std::string_view, 2> setup_keys = {"flags", "timestamp"};
constexpr std::array<std::string_view, 2> org_unit_keys = {"path", "expect_status"};
constexpr std::array<std::string_view, 2> user_keys = {"name", "expect_status"};
constexpr std::array<std::string_view, 2> ms_ns_keys = {"ms", "ns"};
constexpr std::array<std::string_view, 5> send_keys = {"to", "text", "text_hex", "payload",
                                                       "payload_hex"};
constexpr std::array<std::string_view, 1> exit_keys = {"allow_pushes"};
constexpr std::array<std::string_view, 12> expect_keys = {
    "opcode", "sz",       "payload",    "payload_hex",        "payload_regex", "from",
    "text",   "text_hex", "text_regex", "timestamp_within_s", "within_ms",     "skip_pushes"};
constexpr std::array<std::string_view, 1> ms_keys = {"ms"};
constexpr std::array<std::string_view, 1> within_keys = {"within_ms"};
constexpr std::array<std::string_view, 2> alternative_keys = {"expect", "expect_close"};
constexpr std::array<std::string_view, 4> mailbox_keys = {"user", "count", "content_regex",
                                                          "no_content_regex"};
constexpr std::array<std::string_view, 2> chunks_keys = {"chunks", "delay_ms"};

struct OpcodeName {
    std::string_view name;
    protocol::Opcode opcode;
};
constexpr std::array<OpcodeName, 6> opcode_names = {{{"exit", protocol::Opcode::exit},
                                                     {"org_unit", protocol::Opcode::org_unit},
                                                     {"user", protocol::Opcode::user},
                                                     {"setup", protocol::Opcode::setup},
                                                     {"message", protocol::Opcode::message},
                                                     {"interval", protocol::Opcode::interval}}};

struct FlagName {
    std::string_view name;
    std::int32_t value;
};
constexpr std::array<FlagName, 2> flag_names = {
    {{"unique_user", protocol::flag_unique_user}, {"auto_delete", protocol::flag_auto_delete}}};

constexpr std::uint64_t u32_max = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t ns_per_ms = 1'000'000;

// ---- small text helpers ----

std::string join(Keys keys) {
    std::string out;
    for (const auto key : keys) {
        if (!out.empty()) {
            out += ", ";
        }
        out += key;
    }
    return out;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += ", ";
        }
        out += item;
    }
    return out;
}

bool contains(Keys keys, std::string_view key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string quote(std::string_view text) {
    return json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

// How a wrong value reads in a message: scalars as JSON (shortened), containers by kind.
std::string describe(const json& value) {
    switch (value.type()) {
    case json::value_t::object:
        return "an object";
    case json::value_t::array:
        return "an array";
    case json::value_t::null:
        return "null";
    default:
        break;
    }
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    constexpr std::size_t limit = 60;
    if (text.size() > limit) {
        // Cut on a character boundary: messages end up in UTF-8 reports.
        std::size_t cut = limit;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
            --cut;
        }
        text = text.substr(0, cut) + "...";
    }
    return text;
}

// RFC 6901: '~' and '/' in a key are escaped in a pointer.
std::string child(const std::string& pointer, std::string_view key) {
    std::string out = pointer + "/";
    for (const char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

std::string child(const std::string& pointer, std::size_t index) {
    return pointer + "/" + std::to_string(index);
}

const boost::regex& id_pattern() {
    static const boost::regex pattern(R"(^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$)",
                                      boost::regex::perl);
    return pattern;
}
const boost::regex& clause_pattern() {
    static const boost::regex pattern(R"(^[A-Z0-9][A-Z0-9-]*$)", boost::regex::perl);
    return pattern;
}
const boost::regex& session_pattern() {
    static const boost::regex pattern(R"(^[a-z][a-z0-9_-]*$)", boost::regex::perl);
    return pattern;
}

bool is_ref_name(std::string_view name) {
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

// ---- JSON text -> DOM, reporting duplicate keys and syntax errors as values ----

// nlohmann's DOM keeps only the last of two equal keys; a scenario with
// {"expect": ..., "expect": ...} would silently lose a check, so the loader builds the DOM
// itself and reports the duplicate. A syntax error is recorded, not thrown.
class DomBuilder final : public nlohmann::json_sax<json> {
public:
    // Scenario files nest a few levels; a limit keeps a hostile file from costing memory
    // and time (and the checker's messages from holding huge pointers).
    static constexpr std::size_t max_depth = 64;

    json root;
    std::vector<std::pair<std::string, std::string>> duplicates; // pointer, key
    std::optional<std::size_t> error_position;                   // 1-based byte
    std::string error_message;
    bool too_deep = false;

    bool null() override { return add(json(nullptr)); }
    bool boolean(bool value) override { return add(json(value)); }
    bool number_integer(number_integer_t value) override { return add(json(value)); }
    bool number_unsigned(number_unsigned_t value) override { return add(json(value)); }
    bool number_float(number_float_t value, const string_t&) override { return add(json(value)); }
    bool string(string_t& value) override { return add(json(std::move(value))); }
    bool binary(binary_t& value) override { return add(json::binary(std::move(value))); }
    bool start_object(std::size_t) override { return open(json::object()); }
    bool key(string_t& value) override {
        key_ = value;
        return true;
    }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open(json::array()); }
    bool end_array() override { return close(); }
    bool parse_error(std::size_t position, const std::string&,
                     const nlohmann::detail::exception& error) override {
        error_position = position;
        error_message = error.what();
        return false;
    }

private:
    struct Open {
        json* value;
        std::string token; // its key or index in its parent ("" for the root)
    };
    std::vector<Open> stack_;
    std::string key_;

    std::string pointer_of_open() const {
        std::string pointer;
        for (std::size_t i = 1; i < stack_.size(); ++i) {
            pointer += "/" + stack_[i].token;
        }
        return pointer;
    }

    // Places `value` in the open container (or as the root); returns it and its token.
    std::pair<json*, std::string> place(json&& value) {
        if (stack_.empty()) {
            root = std::move(value);
            return {&root, ""};
        }
        json& parent = *stack_.back().value;
        if (parent.is_array()) {
            const std::size_t index = parent.size();
            parent.push_back(std::move(value));
            return {&parent.back(), std::to_string(index)};
        }
        if (parent.contains(key_)) {
            duplicates.emplace_back(child(pointer_of_open(), key_), key_);
        }
        json& slot = parent[key_];
        slot = std::move(value);
        return {&slot, child("", key_).substr(1)};
    }
    bool add(json&& value) {
        place(std::move(value));
        return true;
    }
    bool open(json&& container) {
        if (stack_.size() >= max_depth) {
            too_deep = true;
            return false;
        }
        auto [where, token] = place(std::move(container));
        stack_.push_back({where, std::move(token)});
        return true;
    }
    bool close() {
        stack_.pop_back();
        return true;
    }
};

// "[json.exception.parse_error.101] parse error at line 1, column 3: syntax error ..." ->
// "syntax error ...": the position is given separately, computed from the byte offset.
std::string parse_error_reason(const std::string& what) {
    const auto at = what.find("parse error");
    if (at == std::string::npos) {
        return what;
    }
    const auto colon = what.find(": ", at);
    return colon == std::string::npos ? what : what.substr(colon + 2);
}

// ---- the checker: one file's fields -> model, collecting every error ----

class Checker {
public:
    explicit Checker(std::string file) : file_(std::move(file)) {}

    std::vector<LoadError> errors;

    void error(const std::string& pointer, std::string message) {
        if (errors.size() > max_errors_per_file) {
            return;
        }
        if (errors.size() == max_errors_per_file) {
            errors.push_back({file_, "",
                              "too many errors; stopped reporting after " +
                                  std::to_string(max_errors_per_file)});
            return;
        }
        errors.push_back({file_, pointer, std::move(message)});
    }

    std::optional<Scenario> scenario(const json& doc);

private:
    using Reader = std::function<bool(const json&, const std::string&)>;
    // A value reader: checks one JSON value and writes the model value, or reports and
    // returns false. Extra arguments (e.g. a minimum) follow the output.
    template <class T, class... Extra>
    using Read = bool (Checker::*)(const json&, const std::string&, T&, Extra...);

    std::string file_;
    // Names usable as ${name}: "org" and the captures of earlier steps.
    std::set<std::string> defined_{"org"};
    std::vector<std::string> step_captures_; // captures of the step being read

    // ---- generic field access ----

    // Reports keys of `object` that are not in `allowed`.
    bool known_keys(const json& object, const std::string& pointer, Keys allowed,
                    std::string_view what) {
        bool ok = true;
        for (const auto& [key, value] : object.items()) {
            if (!contains(allowed, key)) {
                error(child(pointer, key),
                      "unknown key " + quote(key) + " in " + std::string(what) +
                          "; allowed: " + (allowed.empty() ? std::string("none") : join(allowed)));
                ok = false;
            }
        }
        return ok;
    }

    bool is_object(const json& value, const std::string& pointer, std::string_view what) {
        if (value.is_object()) {
            return true;
        }
        error(pointer,
              "expected " + std::string(what) + " (a JSON object), got " + describe(value));
        return false;
    }

    // An action's object with only the allowed keys; false when it is not an object.
    bool action_object(const json& value, const std::string& pointer, std::string_view what,
                       Keys allowed, bool& ok) {
        if (!is_object(value, pointer, what)) {
            ok = false;
            return false;
        }
        ok &= known_keys(value, pointer, allowed, what);
        return true;
    }

    // Calls `read` on object[key] when present; a missing required key is an error.
    bool field(const json& object, std::string_view key, const std::string& pointer, bool required,
               const Reader& read) {
        const auto it = object.find(std::string(key));
        if (it == object.end()) {
            if (required) {
                error(child(pointer, key), "required field " + quote(key) + " is missing");
            }
            return !required;
        }
        return read(*it, child(pointer, key));
    }

    // object[key] read into `out`, which keeps its default when the key is absent.
    template <class T, class... Extra>
    bool get(const json& object, std::string_view key, const std::string& pointer, bool required,
             Read<T, Extra...> read, T& out, std::type_identity_t<Extra>... extra) {
        return field(object, key, pointer, required, [&](const json& v, const std::string& p) {
            return (this->*read)(v, p, out, extra...);
        });
    }

    // object[key] read into an optional, set only when the key is present and valid.
    template <class T, class... Extra>
    bool get(const json& object, std::string_view key, const std::string& pointer,
             Read<T, Extra...> read, std::optional<T>& out, std::type_identity_t<Extra>... extra) {
        return field(object, key, pointer, false, [&](const json& v, const std::string& p) {
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
    bool items(const json& value, const std::string& pointer, std::string_view what,
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
    std::optional<std::string_view> one_of(const json& object, const std::string& pointer,
                                           Keys keys, bool required, bool& ok) {
        std::vector<std::string> present;
        for (const auto key : keys) {
            if (object.contains(std::string(key))) {
                present.emplace_back(key);
            }
        }
        if (present.size() > 1) {
            error(pointer, "give exactly one of " + join(keys) + ", not " + join(present));
            ok = false;
            return std::nullopt;
        }
        if (present.empty()) {
            if (required) {
                error(pointer, "give exactly one of " + join(keys) + "; none is present");
                ok = false;
            }
            return std::nullopt;
        }
        return *std::find(keys.begin(), keys.end(), present.front());
    }

    // ---- value readers ----

    bool string(const json& value, const std::string& pointer, std::string& out) {
        if (!value.is_string()) {
            error(pointer, "expected a string, got " + describe(value));
            return false;
        }
        out = value.get<std::string>();
        return true;
    }

    bool non_empty(const json& value, const std::string& pointer, std::string& out) {
        if (!string(value, pointer, out)) {
            return false;
        }
        if (out.empty()) {
            error(pointer, "expected a non-empty string");
            return false;
        }
        return true;
    }

    // A string that may hold ${name}: every reference must be defined by now.
    bool expandable(const json& value, const std::string& pointer, std::string& out) {
        return string(value, pointer, out) && references(out, pointer, nullptr);
    }

    bool unsigned_integer(const json& value, const std::string& pointer, std::uint64_t& out,
                          std::uint64_t min, std::uint64_t max) {
        const bool negative = value.is_number_integer() && !value.is_number_unsigned() &&
                              value.get<std::int64_t>() < 0;
        if (!value.is_number_integer() || negative || value.get<std::uint64_t>() < min ||
            value.get<std::uint64_t>() > max) {
            error(pointer, "expected an integer from " + std::to_string(min) + " to " +
                               std::to_string(max) + ", got " + describe(value));
            return false;
        }
        out = value.get<std::uint64_t>();
        return true;
    }

    bool u32(const json& value, const std::string& pointer, std::uint32_t& out) {
        std::uint64_t number = 0;
        if (!unsigned_integer(value, pointer, number, 0, u32_max)) {
            return false;
        }
        out = static_cast<std::uint32_t>(number);
        return true;
    }

    bool positive_u32(const json& value, const std::string& pointer, std::uint32_t& out) {
        std::uint64_t number = 0;
        if (!unsigned_integer(value, pointer, number, 1, u32_max)) {
            return false;
        }
        out = static_cast<std::uint32_t>(number);
        return true;
    }

    bool u64(const json& value, const std::string& pointer, std::uint64_t& out) {
        return unsigned_integer(value, pointer, out, 0, u64_max);
    }

    bool count(const json& value, const std::string& pointer, std::size_t& out) {
        std::uint64_t number = 0;
        if (!unsigned_integer(value, pointer, number, 0, std::numeric_limits<std::size_t>::max())) {
            return false;
        }
        out = static_cast<std::size_t>(number);
        return true;
    }

    bool int32(const json& value, const std::string& pointer, std::int32_t& out) {
        constexpr auto min = std::numeric_limits<std::int32_t>::min();
        constexpr auto max = std::numeric_limits<std::int32_t>::max();
        const bool in_range =
            value.is_number_integer() &&
            (value.is_number_unsigned()
                 ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(max)
                 : value.get<std::int64_t>() >= min && value.get<std::int64_t>() <= max);
        if (!in_range) {
            error(pointer, "expected an integer from " + std::to_string(min) + " to " +
                               std::to_string(max) + ", got " + describe(value));
            return false;
        }
        out = static_cast<std::int32_t>(value.get<std::int64_t>());
        return true;
    }

    bool boolean(const json& value, const std::string& pointer, bool& out) {
        if (!value.is_boolean()) {
            error(pointer, "expected true or false, got " + describe(value));
            return false;
        }
        out = value.get<bool>();
        return true;
    }

    // Milliseconds kept as nanoseconds, so at most 2^64-1 ns.
    bool ms_as_ns(const json& value, const std::string& pointer, std::uint64_t& out) {
        std::uint64_t ms = 0;
        if (!unsigned_integer(value, pointer, ms, 0, u64_max / ns_per_ms)) {
            return false;
        }
        out = ms * ns_per_ms;
        return true;
    }

    bool strings(const json& value, const std::string& pointer, std::vector<std::string>& out) {
        return items(value, pointer, "an array of strings", &Checker::string, out);
    }
    // Non-empty strings, and the array itself non-empty (keywords, clauses, sessions).
    bool names(const json& value, const std::string& pointer, std::vector<std::string>& out) {
        if (!items(value, pointer, "an array of strings", &Checker::non_empty, out)) {
            return false;
        }
        if (out.empty()) {
            error(pointer, "expected a non-empty array");
            return false;
        }
        return true;
    }

    // ${name} references: each must be ${org} or a capture of an earlier step; "$$" is a
    // literal '$'; any other '$' stays as written (a regex's end anchor). With `substituted`,
    // writes the text with each reference replaced by a neutral literal, for compiling a
    // regex at load time before the capture values exist.
    bool references(const std::string& text, const std::string& pointer, std::string* substituted) {
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
            const std::string name = text.substr(i + 2, close - i - 2);
            if (!is_ref_name(name)) {
                error(pointer, "bad reference \"${" + name +
                                   "}\": a name is letters, digits and '_', not starting "
                                   "with a digit");
                ok = false;
            } else if (!defined_.contains(name)) {
                const std::vector<std::string> known(defined_.begin(), defined_.end());
                error(pointer, "\"${" + name +
                                   "}\" is not defined here: use ${org} or a capture named by "
                                   "an earlier step's regex (defined so far: " +
                                   join(known) + ")");
                ok = false;
            }
            emit('x');
            i = close;
        }
        return ok;
    }

    // A Perl regex, compiled now so that a bad one fails the load, not the run. With
    // `captures`, its named groups become ${name}s for later steps.
    bool regex(const json& value, const std::string& pointer, std::string& out, bool captures) {
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
            for (auto& name : capture_names(out)) {
                step_captures_.push_back(std::move(name));
            }
        }
        return true;
    }

    bool hex(const json& value, const std::string& pointer, std::string& out) {
        std::string text;
        if (!string(value, pointer, text)) {
            return false;
        }
        auto decoded = decode_hex(text);
        if (const auto* bad = std::get_if<HexError>(&decoded)) {
            error(pointer,
                  "bad hex at character " + std::to_string(bad->position + 1) + ": " + bad->reason);
            return false;
        }
        out = std::move(std::get<std::string>(decoded));
        return true;
    }

    // Text (expanded at run time) or hex (literal) into Bytes.
    bool text_bytes(const json& value, const std::string& pointer, Bytes& out) {
        out.literal = false;
        return expandable(value, pointer, out.value);
    }
    bool hex_bytes(const json& value, const std::string& pointer, Bytes& out) {
        out.literal = true;
        return hex(value, pointer, out.value);
    }
    // The one of {text_key, hex_key} that is present, if any, into `out`.
    bool text_or_hex(const json& object, const std::string& pointer, std::string_view text_key,
                     std::string_view hex_key, bool required, std::optional<Bytes>& out) {
        bool ok = true;
        const std::array<std::string_view, 2> keys = {text_key, hex_key};
        const auto which = one_of(object, pointer, keys, required, ok);
        if (which) {
            ok &= get(object, *which, pointer,
                      *which == text_key ? &Checker::text_bytes : &Checker::hex_bytes, out);
        }
        return ok;
    }

    bool opcode(const json& value, const std::string& pointer, std::uint8_t& out) {
        if (value.is_string()) {
            const auto name = value.get<std::string>();
            for (const auto& entry : opcode_names) {
                if (entry.name == name) {
                    out = protocol::raw(entry.opcode);
                    return true;
                }
            }
        } else if (value.is_number_integer() &&
                   (value.is_number_unsigned() || value.get<std::int64_t>() >= 0) &&
                   value.get<std::uint64_t>() <= 255) {
            out = static_cast<std::uint8_t>(value.get<std::uint64_t>());
            return true;
        }
        error(pointer, "expected an opcode number 0-255 or a name (exit, org_unit, user, setup, "
                       "message, interval), got " +
                           describe(value));
        return false;
    }

    bool flag(const json& value, const std::string& pointer, std::int32_t& out) {
        for (const auto& entry : flag_names) {
            if (value.is_string() && value.get<std::string>() == entry.name) {
                out = entry.value;
                return true;
            }
        }
        error(pointer, "expected a flag name (unique_user, auto_delete), got " + describe(value));
        return false;
    }

    bool flags(const json& value, const std::string& pointer, std::int32_t& out) {
        if (value.is_array()) {
            std::vector<std::int32_t> each;
            const bool ok = items(value, pointer, "flag names", &Checker::flag, each);
            out = 0;
            for (const auto bit : each) {
                out |= bit;
            }
            return ok;
        }
        if (value.is_number_integer() &&
            (value.is_number_unsigned() || value.get<std::int64_t>() >= 0) &&
            value.get<std::uint64_t>() <=
                static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) {
            out = static_cast<std::int32_t>(value.get<std::uint64_t>());
            return true;
        }
        error(pointer, "expected flags: a number 0-2147483647 or an array of names "
                       "(unique_user, auto_delete), got " +
                           describe(value));
        return false;
    }

    bool status(const json& value, const std::string& pointer, std::int32_t& out) {
        if (value.is_number_integer() && !value.is_number_unsigned() &&
            value.get<std::int64_t>() == -1) {
            out = protocol::status_failed;
            return true;
        }
        if (value.is_number_integer() && value.get<std::int64_t>() == 0) {
            out = protocol::status_ok;
            return true;
        }
        error(pointer, "expected a status, 0 (success) or -1 (failure), got " + describe(value));
        return false;
    }

    // ---- byte sources ----

    bool frame(const json& value, const std::string& pointer, std::string& out) {
        bool ok = true;
        if (!action_object(value, pointer, "a frame", frame_keys, ok)) {
            return false;
        }
        protocol::Header header;
        std::optional<std::int32_t> sz;
        ok &= get(value, "opcode", pointer, true, &Checker::opcode, header.opcode);
        ok &= get(value, "sz", pointer, &Checker::int32, sz);
        // Taken as written: a frame is literal bytes, so no ${} expansion could change the
        // length after sz was computed.
        std::string payload;
        constexpr std::array<std::string_view, 2> payload_keys = {"payload", "payload_hex"};
        if (const auto which = one_of(value, pointer, payload_keys, false, ok)) {
            ok &= get(value, *which, pointer, true,
                      *which == "payload" ? &Checker::string : &Checker::hex, payload);
        }
        if (!ok) {
            return false;
        }
        if (!sz &&
            payload.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
            error(pointer, "the payload is too long to compute sz from; give sz");
            return false;
        }
        header.sz = sz.value_or(static_cast<std::int32_t>(payload.size()));
        out.clear();
        protocol::append_header(out, header);
        out += payload;
        return true;
    }

    bool byte_source(const json& value, const std::string& pointer, Bytes& out) {
        bool ok = true;
        if (!action_object(value, pointer, "a byte source", byte_source_keys, ok)) {
            return false;
        }
        const auto which = one_of(value, pointer, byte_source_keys, true, ok);
        if (which == "text") {
            ok &= get(value, "text", pointer, true, &Checker::text_bytes, out);
        } else if (which == "hex") {
            ok &= get(value, "hex", pointer, true, &Checker::hex_bytes, out);
        } else if (which == "frame") {
            out.literal = true;
            ok &= get(value, "frame", pointer, true, &Checker::frame, out.value);
        }
        return ok;
    }

    // ---- fixture ----

    bool user_name(const json& value, const std::string& pointer, std::string& out) {
        if (!non_empty(value, pointer, out)) {
            return false;
        }
        if (out.find('/') != std::string::npos || out == "." || out == "..") {
            error(pointer, "a fixture user is one folder name (no '/', not \".\" or \"..\"), got " +
                               quote(out));
            return false;
        }
        return true;
    }

    // Fixture paths stay inside the scenario's org unit.
    bool org_relative(const json& value, const std::string& pointer, std::string& out) {
        if (!non_empty(value, pointer, out)) {
            return false;
        }
        bool dot_dot = false;
        std::stringstream parts(out);
        for (std::string part; std::getline(parts, part, '/');) {
            dot_dot = dot_dot || part == "..";
        }
        if (out.front() == '/' || dot_dot) {
            error(pointer, "expected a path relative to the org unit (no leading '/', no \"..\"), "
                           "got " +
                               quote(out));
            return false;
        }
        return true;
    }

    bool users(const json& value, const std::string& pointer, std::vector<std::string>& out) {
        bool ok = items(value, pointer, "an array of user names", &Checker::user_name, out);
        std::set<std::string> seen;
        for (std::size_t i = 0; i < out.size(); ++i) {
            if (!out[i].empty() && !seen.insert(out[i]).second) {
                error(child(pointer, i), "user " + quote(out[i]) + " is listed twice");
                ok = false;
            }
        }
        return ok;
    }

    bool link(const json& value, const std::string& pointer, FixtureLink& out) {
        bool ok = true;
        if (!action_object(value, pointer, "a link", link_keys, ok)) {
            return false;
        }
        ok &= get(value, "at", pointer, true, &Checker::org_relative, out.at);
        ok &= get(value, "to", pointer, true, &Checker::non_empty, out.to);
        return ok;
    }

    bool fixture_message(const json& value, const std::string& pointer, FixtureMessage& out) {
        bool ok = true;
        if (!action_object(value, pointer, "a fixture message", fixture_message_keys, ok)) {
            return false;
        }
        ok &= get(value, "to", pointer, true, &Checker::non_empty, out.to);
        ok &= get(value, "from", pointer, true, &Checker::non_empty, out.from);
        ok &= get(value, "timestamp", pointer, false, &Checker::u64, out.timestamp);
        ok &= get(value, "text", pointer, true, &Checker::string, out.text);
        return ok;
    }

    bool blacklist(const json& value, const std::string& pointer,
                   std::map<std::string, std::vector<std::string>>& out) {
        if (!is_object(value, pointer, "a blacklist {user: [senders]}")) {
            return false;
        }
        bool ok = true;
        for (const auto& [user, senders] : value.items()) {
            ok &= items(senders, child(pointer, user), "an array of strings", &Checker::non_empty,
                        out[user]);
        }
        return ok;
    }

    bool fixture(const json& value, const std::string& pointer, Fixture& out) {
        bool ok = true;
        if (!action_object(value, pointer, "the fixture", fixture_keys, ok)) {
            return false;
        }
        const bool users_ok = get(value, "users", pointer, false, &Checker::users, out.users);
        ok &= users_ok;
        ok &= get(value, "blacklist", pointer, false, &Checker::blacklist, out.blacklist);
        ok &= field(value, "messages", pointer, false, [&](const json& v, const std::string& p) {
            return items(v, p, "an array of messages", &Checker::fixture_message, out.messages);
        });
        ok &= field(value, "dirs", pointer, false, [&](const json& v, const std::string& p) {
            return items(v, p, "an array of org-relative paths", &Checker::org_relative, out.dirs);
        });
        ok &= field(value, "links", pointer, false, [&](const json& v, const std::string& p) {
            return items(v, p, "an array of links {\"at\", \"to\"}", &Checker::link, out.links);
        });
        // Every user the fixture writes into must be one it creates.
        if (!users_ok) {
            return false;
        }
        const auto check_user = [&](const std::string& name, const std::string& at) {
            if (name.empty() ||
                std::find(out.users.begin(), out.users.end(), name) != out.users.end()) {
                return;
            }
            error(at, "user " + quote(name) + " is not in the fixture's users (" +
                          (out.users.empty() ? std::string("none") : join(out.users)) + ")");
            ok = false;
        };
        for (const auto& [user, senders] : out.blacklist) {
            check_user(user, child(child(pointer, "blacklist"), user));
        }
        for (std::size_t i = 0; i < out.messages.size(); ++i) {
            check_user(out.messages[i].to, child(child(child(pointer, "messages"), i), "to"));
        }
        return ok;
    }

    // ---- steps ----

    std::optional<Step> step(const json& value, const std::string& pointer,
                             const std::optional<std::vector<std::string>>& sessions);
    bool action(std::string_view key, const json& value, const std::string& pointer,
                StepAction& out);
    bool login(const json& value, const std::string& pointer, LoginStep& out);
    bool send(const json& value, const std::string& pointer, SendStep& out);
    bool expect(const json& value, const std::string& pointer, ExpectStep& out);
    bool expect_close(const json& value, const std::string& pointer, ExpectCloseStep& out);
    bool any_of(const json& value, const std::string& pointer, AnyOfStep& out);
    bool mailbox(const json& value, const std::string& pointer, MailboxStep& out);
    bool send_chunks(const json& value, const std::string& pointer, SendChunksStep& out);
};

bool Checker::login(const json& value, const std::string& pointer, LoginStep& out) {
    bool ok = true;
    if (!action_object(value, pointer, "a login action", login_keys, ok)) {
        return false;
    }
    ok &= get(value, "user", pointer, true, &Checker::expandable, out.user);
    ok &= get(value, "org_unit", pointer, &Checker::expandable, out.org_unit);
    ok &= get(value, "flags", pointer, false, &Checker::flags, out.flags);
    ok &= get(value, "timestamp", pointer, false, &Checker::u64, out.timestamp);
    constexpr std::array<std::string_view, 2> interval_keys = {"interval_ms", "interval_ns"};
    if (const auto which = one_of(value, pointer, interval_keys, false, ok)) {
        ok &= get(value, *which, pointer,
                  *which == "interval_ms" ? &Checker::ms_as_ns : &Checker::u64, out.interval_ns);
    }
    return ok;
}

bool Checker::send(const json& value, const std::string& pointer, SendStep& out) {
    bool ok = true;
    if (!action_object(value, pointer, "a send action", send_keys, ok)) {
        return false;
    }
    if (value.contains("payload") || value.contains("payload_hex")) {
        std::vector<std::string> mixed;
        for (const auto* key : {"to", "text", "text_hex"}) {
            if (value.contains(key)) {
                mixed.emplace_back(key);
            }
        }
        if (!mixed.empty()) {
            error(pointer, "a send is either {\"to\", \"text\" | \"text_hex\"} or "
                           "{\"payload\" | \"payload_hex\"}; drop " +
                               join(mixed) + " or the payload");
            ok = false;
        }
        return text_or_hex(value, pointer, "payload", "payload_hex", true, out.payload) && ok;
    }
    // An empty recipient list and an empty text are allowed: "If there is no indicated user,
    // or no message is specified, the message is silently discarded" is worth a scenario.
    ok &= field(value, "to", pointer, true, [&](const json& v, const std::string& p) {
        return items(v, p, "an array of strings", &Checker::expandable, out.to);
    });
    std::optional<Bytes> text;
    ok &= text_or_hex(value, pointer, "text", "text_hex", true, text);
    if (text) {
        out.text = std::move(*text);
    }
    return ok;
}

bool Checker::expect(const json& value, const std::string& pointer, ExpectStep& out) {
    bool ok = true;
    if (!action_object(value, pointer, "an expect action", expect_keys, ok)) {
        return false;
    }
    FrameMatch& match = out.match;
    ok &= get(value, "opcode", pointer, &Checker::opcode, match.opcode);
    ok &= get(value, "sz", pointer, &Checker::int32, match.sz);
    ok &= text_or_hex(value, pointer, "payload", "payload_hex", false, match.payload);
    ok &= get(value, "payload_regex", pointer, &Checker::regex, match.payload_regex, true);
    ok &= get(value, "from", pointer, &Checker::expandable, match.from);
    ok &= text_or_hex(value, pointer, "text", "text_hex", false, match.text);
    ok &= get(value, "text_regex", pointer, &Checker::regex, match.text_regex, true);
    ok &= get(value, "timestamp_within_s", pointer, &Checker::u32, match.timestamp_within_s);
    ok &= get(value, "within_ms", pointer, &Checker::u32, out.within_ms);
    ok &= get(value, "skip_pushes", pointer, false, &Checker::boolean, out.skip_pushes);
    constexpr std::array<std::string_view, 10> matchers = {
        "opcode", "sz",   "payload",  "payload_hex", "payload_regex",
        "from",   "text", "text_hex", "text_regex",  "timestamp_within_s"};
    if (std::none_of(matchers.begin(), matchers.end(),
                     [&](std::string_view key) { return value.contains(std::string(key)); })) {
        error(pointer, "an expect needs at least one matcher: " + join(matchers));
        ok = false;
    }
    return ok;
}

bool Checker::expect_close(const json& value, const std::string& pointer, ExpectCloseStep& out) {
    bool ok = true;
    if (!action_object(value, pointer, "an expect_close action", within_keys, ok)) {
        return false;
    }
    return get(value, "within_ms", pointer, false, &Checker::u32, out.within_ms) && ok;
}

bool Checker::any_of(const json& value, const std::string& pointer, AnyOfStep& out) {
    if (!value.is_array()) {
        error(pointer, "expected an array of alternatives ({\"expect\": ...} or "
                       "{\"expect_close\": ...}), got " +
                           describe(value));
        return false;
    }
    bool ok = true;
    if (value.size() < 2) {
        error(pointer, "any_of needs at least 2 alternatives, got " + std::to_string(value.size()) +
                           " (use the step itself for one)");
        ok = false;
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
        const std::string at = child(pointer, i);
        if (!action_object(value[i], at, "an any_of alternative", alternative_keys, ok)) {
            continue;
        }
        const auto which = one_of(value[i], at, alternative_keys, true, ok);
        if (which == "expect") {
            ExpectStep step;
            ok &= get(value[i], "expect", at, true, &Checker::expect, step);
            out.alternatives.emplace_back(std::move(step));
        } else if (which == "expect_close") {
            ExpectCloseStep step;
            ok &= get(value[i], "expect_close", at, true, &Checker::expect_close, step);
            out.alternatives.emplace_back(step);
        }
    }
    return ok;
}

bool Checker::mailbox(const json& value, const std::string& pointer, MailboxStep& out) {
    bool ok = true;
    if (!action_object(value, pointer, "a mailbox action", mailbox_keys, ok)) {
        return false;
    }
    ok &= get(value, "user", pointer, true, &Checker::expandable, out.user);
    ok &= get(value, "count", pointer, &Checker::count, out.count);
    ok &= get(value, "content_regex", pointer, &Checker::regex, out.content_regex, true);
    // A regex that must not match captures nothing.
    ok &= get(value, "no_content_regex", pointer, &Checker::regex, out.no_content_regex, false);
    if (!value.contains("count") && !value.contains("content_regex") &&
        !value.contains("no_content_regex")) {
        error(pointer, "a mailbox step needs at least one check: count, content_regex, "
                       "no_content_regex");
        ok = false;
    }
    return ok;
}

bool Checker::send_chunks(const json& value, const std::string& pointer, SendChunksStep& out) {
    bool ok = true;
    if (!action_object(value, pointer, "a send_chunks action", chunks_keys, ok)) {
        return false;
    }
    ok &= field(value, "chunks", pointer, true, [&](const json& v, const std::string& p) {
        const bool enough = !v.is_array() || v.size() >= 2;
        if (!enough) {
            error(p, "send_chunks needs at least 2 chunks, got " + std::to_string(v.size()) +
                         " (use send_raw for one)");
        }
        return items(v, p, "an array of byte sources", &Checker::byte_source, out.chunks) && enough;
    });
    ok &= get(value, "delay_ms", pointer, false, &Checker::u32, out.delay_ms);
    return ok;
}

// One action's value -> the model type.
bool Checker::action(std::string_view key, const json& value, const std::string& pointer,
                     StepAction& out) {
    // Reads the action into a fresh model value of type T, then stores it.
    const auto with = [&]<class T>(bool (Checker::*read)(const json&, const std::string&, T&)) {
        T step{};
        const bool ok = (this->*read)(value, pointer, step);
        out = std::move(step);
        return ok;
    };
    if (key == "login") {
        return with(&Checker::login);
    }
    if (key == "send") {
        return with(&Checker::send);
    }
    if (key == "expect") {
        return with(&Checker::expect);
    }
    if (key == "expect_close") {
        return with(&Checker::expect_close);
    }
    if (key == "any_of") {
        return with(&Checker::any_of);
    }
    if (key == "mailbox") {
        return with(&Checker::mailbox);
    }
    if (key == "send_chunks") {
        return with(&Checker::send_chunks);
    }
    if (key == "send_raw") {
        SendRawStep step;
        const bool ok = byte_source(value, pointer, step.bytes);
        out = std::move(step);
        return ok;
    }

    // The small actions, each an object of a few keys.
    static const std::map<std::string_view, Keys> allowed = {{"start", start_keys},
                                                             {"restart", start_keys},
                                                             {"tf", tf_keys},
                                                             {"setup", setup_keys},
                                                             {"org_unit", org_unit_keys},
                                                             {"user", user_keys},
                                                             {"interval", ms_ns_keys},
                                                             {"exit", exit_keys},
                                                             {"expect_nothing", ms_keys},
                                                             {"close", {}},
                                                             {"sleep", ms_keys}};
    bool ok = true;
    if (!action_object(value, pointer, "a " + std::string(key) + " action", allowed.at(key), ok)) {
        return false;
    }
    if (key == "start" || key == "restart") {
        StartStep step;
        ok &= get(value, "expect_reply", pointer, false, &Checker::expandable, step.expect_reply);
        out = std::move(step);
    } else if (key == "tf") {
        TfCommandStep step;
        ok &= get(value, "command", pointer, true, &Checker::expandable, step.command);
        ok &= get(value, "expect_reply", pointer, &Checker::expandable, step.expect_reply);
        out = std::move(step);
    } else if (key == "setup") {
        SetupStep step;
        ok &= get(value, "flags", pointer, false, &Checker::flags, step.flags);
        ok &= get(value, "timestamp", pointer, false, &Checker::u64, step.timestamp);
        out = step;
    } else if (key == "org_unit" || key == "user") {
        PathStep step;
        const bool org = key == "org_unit";
        step.opcode = protocol::raw(org ? protocol::Opcode::org_unit : protocol::Opcode::user);
        ok &= get(value, org ? "path" : "name", pointer, true, &Checker::expandable, step.path);
        ok &= get(value, "expect_status", pointer, false, &Checker::status, step.expect_status);
        out = std::move(step);
    } else if (key == "interval") {
        IntervalStep step;
        if (const auto which = one_of(value, pointer, ms_ns_keys, true, ok)) {
            ok &= get(value, *which, pointer, true,
                      *which == "ms" ? &Checker::ms_as_ns : &Checker::u64, step.nanoseconds);
        }
        out = step;
    } else if (key == "exit") {
        ExitStep step;
        ok &= get(value, "allow_pushes", pointer, false, &Checker::boolean, step.allow_pushes);
        out = step;
    } else if (key == "expect_nothing") {
        ExpectNothingStep step;
        ok &= get(value, "ms", pointer, true, &Checker::u32, step.ms);
        out = step;
    } else if (key == "close") {
        out = CloseStep{};
    } else if (key == "sleep") {
        SleepStep step;
        ok &= get(value, "ms", pointer, true, &Checker::u32, step.ms);
        out = step;
    }
    return ok;
}

std::optional<Step> Checker::step(const json& value, const std::string& pointer,
                                  const std::optional<std::vector<std::string>>& sessions) {
    if (!is_object(value, pointer, "a step")) {
        return std::nullopt;
    }
    std::vector<std::string_view> step_keys = {"session", "note"};
    step_keys.insert(step_keys.end(), action_keys.begin(), action_keys.end());
    bool ok = known_keys(value, pointer, step_keys, "a step");

    std::vector<std::string> actions;
    for (const auto key : action_keys) {
        if (value.contains(std::string(key))) {
            actions.emplace_back(key);
        }
    }
    if (actions.size() != 1) {
        error(pointer, "a step has exactly one action key (" + join(action_keys) + "), got " +
                           (actions.empty() ? std::string("none") : join(actions)));
        return std::nullopt;
    }
    const std::string& key = actions.front();

    Step out;
    out.json_pointer = pointer;
    ok &= get(value, "note", pointer, false, &Checker::string, out.note);

    // mailbox and sleep act on the fixture and the clock, not on a connection.
    const bool connectionless = key == "mailbox" || key == "sleep";
    const std::string session_pointer = child(pointer, "session");
    if (value.contains("session")) {
        if (connectionless) {
            error(session_pointer,
                  "a " + key + " step has no session (it does not use a connection)");
            ok = false;
        } else if (!string(value.at("session"), session_pointer, out.session)) {
            ok = false;
        } else if (sessions &&
                   std::find(sessions->begin(), sessions->end(), out.session) == sessions->end()) {
            error(session_pointer, "session " + quote(out.session) +
                                       " is not declared in \"sessions\" (" + join(*sessions) +
                                       ")");
            ok = false;
        }
    } else if (!connectionless && sessions) {
        if (sessions->size() == 1) {
            out.session = sessions->front();
        } else {
            error(session_pointer,
                  "required field \"session\" is missing: it may be omitted only when exactly one "
                  "session is declared (declared: " +
                      join(*sessions) + ")");
            ok = false;
        }
    }

    step_captures_.clear();
    ok &= action(key, value.at(key), child(pointer, key), out.action);
    // A step's captures are usable from the next step on.
    defined_.insert(step_captures_.begin(), step_captures_.end());
    if (!ok) {
        return std::nullopt;
    }
    return out;
}

std::optional<Scenario> Checker::scenario(const json& doc) {
    if (!doc.is_object()) {
        error("", "a scenario file holds one JSON object, got " + describe(doc));
        return std::nullopt;
    }
    Scenario out;
    bool ok = known_keys(doc, "", top_keys, "a scenario");
    std::string ignored;
    ok &= get(doc, "$schema", "", false, &Checker::string, ignored);
    if (!get(doc, "id", "", true, &Checker::string, out.id)) {
        ok = false;
    } else if (!boost::regex_match(out.id, id_pattern())) {
        error("/id", "expected an id like \"area.name\" (lower-case letters, digits and '-', at "
                     "least two '.'-separated parts), got " +
                         quote(out.id));
        ok = false;
    }
    ok &= get(doc, "name", "", true, &Checker::non_empty, out.name);
    if (out.name.find_first_of("\r\n") != std::string::npos) {
        error("/name", "a name is one line; it holds a line break");
        ok = false;
    }
    if (get(doc, "clauses", "", true, &Checker::names, out.clauses)) {
        for (std::size_t i = 0; i < out.clauses.size(); ++i) {
            if (!boost::regex_match(out.clauses[i], clause_pattern())) {
                error(child("/clauses", i), "expected a clause ID (upper-case letters, digits "
                                            "and '-', e.g. \"PUSH-FORMAT\"), got " +
                                                quote(out.clauses[i]));
                ok = false;
            }
        }
    } else {
        ok = false;
    }
    ok &= get(doc, "requirement", "", true, &Checker::non_empty, out.requirement);
    ok &= field(doc, "level", "", true, [&](const json& v, const std::string& p) {
        std::string text;
        if (!string(v, p, text)) {
            return false;
        }
        const auto level = parse_level(text);
        if (!level) {
            error(p, "expected a level: must, should or interop, got " + quote(text));
            return false;
        }
        out.level = *level;
        return true;
    });
    ok &= get(doc, "keywords", "", true, &Checker::names, out.keywords);
    ok &= get(doc, "timeout_ms", "", &Checker::positive_u32, out.timeout_ms);
    ok &= get(doc, "fixture", "", false, &Checker::fixture, out.fixture);

    // Steps are checked against the declared sessions only when those are valid, so that one
    // mistake there does not repeat in every step.
    std::optional<std::vector<std::string>> sessions;
    if (get(doc, "sessions", "", true, &Checker::names, out.sessions)) {
        bool all = true;
        std::set<std::string> seen;
        for (std::size_t i = 0; i < out.sessions.size(); ++i) {
            const auto& name = out.sessions[i];
            if (!boost::regex_match(name, session_pattern())) {
                error(child("/sessions", i), "expected a session name (lower-case letter, then "
                                             "letters, digits, '_' or '-'), got " +
                                                 quote(name));
                all = false;
            } else if (!seen.insert(name).second) {
                error(child("/sessions", i), "session " + quote(name) + " is declared twice");
                all = false;
            }
        }
        if (all) {
            sessions = out.sessions;
        }
        ok &= all;
    } else {
        ok = false;
    }

    ok &= field(doc, "steps", "", true, [&](const json& v, const std::string& p) {
        if (!v.is_array()) {
            error(p, "expected an array of steps, got " + describe(v));
            return false;
        }
        if (v.empty()) {
            error(p, "expected a non-empty array");
            return false;
        }
        bool all = true;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (auto parsed = step(v[i], child(p, i), sessions)) {
                out.steps.push_back(std::move(*parsed));
            } else {
                all = false;
            }
        }
        return all;
    });
    if (!ok || !errors.empty()) {
        return std::nullopt;
    }
    return out;
}

std::string display(const std::filesystem::path& path) {
    return path.generic_string();
}

} // namespace

std::string format(const LoadError& error) {
    if (error.pointer.empty()) {
        return error.file + ": " + error.message;
    }
    return error.file + ": " + error.pointer + ": " + error.message;
}

std::span<const std::string_view> step_action_keys() {
    return action_keys;
}

std::vector<std::string> capture_names(const std::string& regex) {
    std::vector<std::string> names;
    const std::size_t n = regex.size();
    bool in_class = false;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = regex[i];
        if (c == '\\') {
            if (i + 1 < n && regex[i + 1] == 'Q') { // \Q...\E quotes everything
                const auto end = regex.find("\\E", i + 2);
                i = end == std::string::npos ? n : end + 1;
            } else {
                ++i; // the escaped character
            }
            continue;
        }
        if (in_class) {
            if (c == '[' && i + 1 < n && regex[i + 1] == ':') { // [:alpha:]
                const auto end = regex.find(":]", i + 2);
                if (end != std::string::npos) {
                    i = end + 1;
                }
            } else if (c == ']') {
                in_class = false;
            }
            continue;
        }
        if (c == '[') {
            in_class = true;
            // A ']' first in a class ("[]a]", "[^]a]") is a literal.
            if (i + 1 < n && regex[i + 1] == '^') {
                ++i;
            }
            if (i + 1 < n && regex[i + 1] == ']') {
                ++i;
            }
            continue;
        }
        if (c != '(' || i + 3 >= n || regex[i + 1] != '?') {
            continue;
        }
        std::size_t start = 0;
        char close = 0;
        if (regex[i + 2] == '<' && regex[i + 3] != '=' && regex[i + 3] != '!') {
            start = i + 3;
            close = '>';
        } else if (regex[i + 2] == '\'') {
            start = i + 3;
            close = '\'';
        } else if (regex[i + 2] == 'P' && regex[i + 3] == '<') {
            start = i + 4;
            close = '>';
        }
        if (close != 0) {
            const auto end = regex.find(close, start);
            if (end != std::string::npos && end > start) {
                names.push_back(regex.substr(start, end - start));
            }
        }
    }
    return names;
}

std::variant<Scenario, std::vector<LoadError>> parse_scenario(std::string_view json_text,
                                                              const std::filesystem::path& file) {
    const std::string name = display(file);
    DomBuilder builder;
    if (!json::sax_parse(json_text, &builder) && builder.too_deep) {
        return std::vector<LoadError>{{name, "",
                                       "JSON nested deeper than " +
                                           std::to_string(DomBuilder::max_depth) +
                                           " levels; a scenario needs a few"}};
    }
    if (!builder.error_message.empty()) {
        // nlohmann's byte is 1-based: the last character read, where the error showed.
        const std::size_t at = std::min(builder.error_position.value_or(1), json_text.size());
        std::size_t line = 1;
        std::size_t column = 0;
        for (std::size_t i = 0; i < at; ++i) {
            if (json_text[i] == '\n' && i + 1 < at) {
                ++line;
                column = 0;
            } else {
                ++column;
            }
        }
        return std::vector<LoadError>{{name, "",
                                       "JSON syntax error at line " + std::to_string(line) +
                                           ", column " + std::to_string(column) + " (byte " +
                                           std::to_string(at) +
                                           "): " + parse_error_reason(builder.error_message)}};
    }
    Checker checker(name);
    for (const auto& [pointer, key] : builder.duplicates) {
        checker.error(pointer, "key " + quote(key) +
                                   " appears twice in one object (JSON keeps only the last)");
    }
    auto scenario = checker.scenario(builder.root);
    if (!scenario || !checker.errors.empty()) {
        return std::move(checker.errors);
    }
    scenario->file = file;
    return std::move(*scenario);
}

LoadResult load_scenarios(const std::vector<std::filesystem::path>& paths) {
    namespace fs = std::filesystem;
    LoadResult result;
    std::vector<fs::path> files;
    for (const auto& path : paths) {
        std::error_code ec;
        const auto status = fs::status(path, ec);
        if (!fs::exists(status)) {
            result.errors.push_back({display(path), "", "no such file or folder"});
            continue;
        }
        if (!fs::is_directory(status)) {
            files.push_back(path);
            continue;
        }
        std::vector<fs::path> found;
        fs::recursive_directory_iterator it(path, ec);
        for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            const auto& entry = *it;
            std::error_code type_ec;
            // The suite's two other JSON files live beside the scenarios.
            const auto name = entry.path().filename();
            if (entry.is_regular_file(type_ec) && entry.path().extension() == ".json" &&
                name != "schema.json" && name != "clauses.json") {
                found.push_back(entry.path());
            }
        }
        if (ec) {
            result.errors.push_back({display(path), "", "cannot read the folder: " + ec.message()});
        }
        std::sort(found.begin(), found.end(), [](const fs::path& a, const fs::path& b) {
            return a.generic_string() < b.generic_string();
        });
        files.insert(files.end(), found.begin(), found.end());
    }

    // The same file named twice (a folder and a file in it) is loaded once.
    std::set<fs::path> seen;
    std::map<std::string, std::string> id_files; // id -> the file that defined it first
    for (const auto& file : files) {
        std::error_code ec;
        const auto canonical = fs::weakly_canonical(file, ec);
        if (!seen.insert(ec ? file : canonical).second) {
            continue;
        }
        std::ifstream in(file, std::ios::binary);
        std::ostringstream text;
        if (in.is_open()) {
            text << in.rdbuf();
        }
        if (!in.is_open() || in.bad()) {
            result.errors.push_back({display(file), "", "cannot read the file"});
            continue;
        }
        auto parsed = parse_scenario(text.str(), file);
        if (auto* errors = std::get_if<std::vector<LoadError>>(&parsed)) {
            result.errors.insert(result.errors.end(), errors->begin(), errors->end());
            continue;
        }
        auto& scenario = std::get<Scenario>(parsed);
        const auto [where, inserted] = id_files.emplace(scenario.id, display(file));
        if (!inserted) {
            result.errors.push_back(
                {display(file), "/id",
                 "duplicate id " + quote(scenario.id) + ": also in " + where->second});
            continue;
        }
        result.scenarios.push_back(std::move(scenario));
    }
    std::sort(result.scenarios.begin(), result.scenarios.end(),
              [](const Scenario& a, const Scenario& b) { return a.id < b.id; });
    return result;
}

} // namespace xsime::harness
