// Scenario JSON text -> an ordered DOM, with syntax errors and duplicate keys as values.
#include "harness/json_document.hpp"

#include <algorithm>
#include <optional>

namespace xsime::harness {

namespace {

// nlohmann's DOM keeps only the last of two equal keys; a scenario with
// {"expect": ..., "expect": ...} would silently lose a check, so the loader builds the DOM
// itself and reports the duplicate. A syntax error is recorded, not thrown.
class DomBuilder final : public nlohmann::json_sax<Json> {
public:
    Json root;
    std::vector<std::pair<std::string, std::string>> duplicates; // pointer, key
    std::optional<std::size_t> error_position;                   // 1-based byte
    std::string error_message;
    bool too_deep = false;

    bool null() override { return add(Json(nullptr)); }
    bool boolean(bool value) override { return add(Json(value)); }
    bool number_integer(number_integer_t value) override { return add(Json(value)); }
    bool number_unsigned(number_unsigned_t value) override { return add(Json(value)); }
    bool number_float(number_float_t value, const string_t&) override { return add(Json(value)); }
    bool string(string_t& value) override { return add(Json(std::move(value))); }
    bool binary(binary_t& value) override { return add(Json::binary(std::move(value))); }
    bool start_object(std::size_t) override { return open(Json::object()); }
    bool key(string_t& value) override {
        key_ = value;
        return true;
    }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open(Json::array()); }
    bool end_array() override { return close(); }
    bool parse_error(std::size_t position, const std::string&,
                     const nlohmann::detail::exception& error) override {
        error_position = position;
        error_message = error.what();
        return false;
    }

private:
    struct Open {
        Json* value;
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
    std::pair<Json*, std::string> place(Json&& value) {
        if (stack_.empty()) {
            root = std::move(value);
            return {&root, ""};
        }
        Json& parent = *stack_.back().value;
        if (parent.is_array()) {
            const std::size_t index = parent.size();
            parent.push_back(std::move(value));
            return {&parent.back(), std::to_string(index)};
        }
        if (parent.contains(key_)) {
            duplicates.emplace_back(child(pointer_of_open(), key_), key_);
        }
        Json& slot = parent[key_];
        slot = std::move(value);
        return {&slot, child("", key_).substr(1)};
    }
    bool add(Json&& value) {
        place(std::move(value));
        return true;
    }
    bool open(Json&& container) {
        if (stack_.size() >= max_json_depth) {
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

} // namespace

std::variant<JsonDocument, JsonSyntaxError> read_json_document(std::string_view text) {
    DomBuilder builder;
    if (!Json::sax_parse(text, &builder) && builder.too_deep) {
        return JsonSyntaxError{"JSON nested deeper than " + std::to_string(max_json_depth) +
                               " levels; a scenario needs a few"};
    }
    if (!builder.error_message.empty()) {
        // nlohmann's byte is 1-based: the last character read, where the error showed.
        const std::size_t at = std::min(builder.error_position.value_or(1), text.size());
        std::size_t line = 1;
        std::size_t column = 0;
        for (std::size_t i = 0; i < at; ++i) {
            if (text[i] == '\n' && i + 1 < at) {
                ++line;
                column = 0;
            } else {
                ++column;
            }
        }
        return JsonSyntaxError{"JSON syntax error at line " + std::to_string(line) + ", column " +
                               std::to_string(column) + " (byte " + std::to_string(at) +
                               "): " + parse_error_reason(builder.error_message)};
    }
    return JsonDocument{std::move(builder.root), std::move(builder.duplicates)};
}

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

std::string quote(std::string_view text) {
    return Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string describe(const Json& value) {
    switch (value.type()) {
    case Json::value_t::object:
        return "an object";
    case Json::value_t::array:
        return "an array";
    case Json::value_t::null:
        return "null";
    default:
        break;
    }
    std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
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

} // namespace xsime::harness
