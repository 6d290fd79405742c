// The canonical layout of scenario files: see scenario_layout.hpp.
#include "harness/scenario_layout.hpp"

#include <string_view>

namespace xsime::harness {

namespace {

// Unicode code points: continuation bytes (10xxxxxx) do not start a column.
std::size_t columns(std::string_view text) {
    std::size_t count = 0;
    for (const char c : text) {
        count += (static_cast<unsigned char>(c) & 0xC0) == 0x80 ? 0 : 1;
    }
    return count;
}

// nlohmann's writer with ensure_ascii off: UTF-8 as is, "\"", "\\", \b \f \n \r \t and \u00XX
// for the other control characters; '/' is not escaped.
std::string dump_scalar(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::strict);
}

// The whole value on one line: {"a": 1, "b": [1, 2]}.
void write_compact(const Json& value, std::string& out) {
    if (value.is_object()) {
        out += '{';
        const char* separator = "";
        for (const auto& [key, member] : value.items()) {
            out += separator;
            out += dump_scalar(Json(key));
            out += ": ";
            write_compact(member, out);
            separator = ", ";
        }
        out += '}';
    } else if (value.is_array()) {
        out += '[';
        const char* separator = "";
        for (const auto& member : value) {
            out += separator;
            write_compact(member, out);
            separator = ", ";
        }
        out += ']';
    } else {
        out += dump_scalar(value);
    }
}

bool all_scalars(const Json& array) {
    for (const auto& member : array) {
        if (member.is_object() || member.is_array()) {
            return false;
        }
    }
    return true;
}

// A long list of scalars (user names, sessions) wraps like text: as many per line as fit.
void write_filled(const Json& array, const std::string& inner, std::string& out) {
    out += "[\n";
    std::size_t line = 0; // columns on the current line; 0: nothing written on it yet
    std::size_t left = array.size();
    for (const auto& member : array) {
        const auto text = dump_scalar(member);
        --left;
        const std::size_t width = columns(text) + (left ? 1 : 0); // with its comma
        if (line > 0 && line + 1 + width > layout_columns) {
            out += "\n";
            line = 0;
        }
        if (line == 0) {
            out += inner;
            line = inner.size();
        } else {
            out += ' ';
            ++line;
        }
        out += text;
        out += left ? "," : "";
        line += width;
    }
    out += "\n";
}

// Writes `value` whose line already holds `lead` columns (indentation, key and ": ") and will
// end with `trail` more (the comma), at nesting `indent`. The caller wrote the lead.
void write_value(const Json& value, std::size_t indent, std::size_t lead, std::size_t trail,
                 std::string& out) {
    std::string compact;
    write_compact(value, compact);
    const bool container = (value.is_object() || value.is_array()) && !value.empty();
    if (!container || lead + columns(compact) + trail <= layout_columns) {
        out += compact;
        return;
    }
    const std::string inner(indent + 2, ' ');
    if (value.is_array() && all_scalars(value)) {
        write_filled(value, inner, out);
        out += std::string(indent, ' ');
        out += ']';
        return;
    }
    std::size_t left = value.size();
    out += value.is_object() ? "{\n" : "[\n";
    if (value.is_object()) {
        for (const auto& [key, member] : value.items()) {
            const std::string key_text = dump_scalar(Json(key)) + ": ";
            out += inner;
            out += key_text;
            --left;
            write_value(member, indent + 2, inner.size() + columns(key_text), left ? 1 : 0, out);
            out += left ? ",\n" : "\n";
        }
    } else {
        for (const auto& member : value) {
            out += inner;
            --left;
            write_value(member, indent + 2, inner.size(), left ? 1 : 0, out);
            out += left ? ",\n" : "\n";
        }
    }
    out += std::string(indent, ' ');
    out += value.is_object() ? '}' : ']';
}

} // namespace

std::string canonical_layout(const Json& value) {
    std::string out;
    if (value.is_object() && !value.empty()) {
        // The top level is always one field per line, even when it would fit on one.
        out += "{\n";
        std::size_t left = value.size();
        for (const auto& [key, member] : value.items()) {
            const std::string key_text = dump_scalar(Json(key)) + ": ";
            out += "  ";
            out += key_text;
            --left;
            write_value(member, 2, 2 + columns(key_text), left ? 1 : 0, out);
            out += left ? ",\n" : "\n";
        }
        out += "}";
    } else {
        write_value(value, 0, 0, 0, out);
    }
    out += '\n';
    return out;
}

} // namespace xsime::harness
