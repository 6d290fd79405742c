// Reading a scenario file's JSON text: syntax errors and duplicate keys as values, key order
// kept, and the JSON pointers and value descriptions that every load error uses.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace xsime::harness {

// Objects keep the order of the file, so that `fmt` can rewrite a file without reordering it.
using Json = nlohmann::ordered_json;

struct JsonDocument {
    Json root;
    // Keys that appear twice in one object (JSON keeps only the last): pointer, key.
    std::vector<std::pair<std::string, std::string>> duplicates;
};

// The whole-file problem: a syntax error with line, column and byte, or nesting too deep.
struct JsonSyntaxError {
    std::string message;
};

// Scenario files nest a few levels; a limit keeps a hostile file from costing memory and time.
inline constexpr std::size_t max_json_depth = 64;

std::variant<JsonDocument, JsonSyntaxError> read_json_document(std::string_view text);

// RFC 6901 pointers: '~' and '/' in a key are escaped.
std::string child(const std::string& pointer, std::string_view key);
std::string child(const std::string& pointer, std::size_t index);

// A string as JSON text ("a\"b"), for messages.
std::string quote(std::string_view text);

// How a wrong value reads in a message: scalars as JSON (shortened), containers by kind.
std::string describe(const Json& value);

} // namespace xsime::harness
