// The generated parts of the fuzz targets' libFuzzer dictionaries (tools/fuzz_dicts): one
// section per vocabulary, each built from the code or the file that defines it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace xsime::tools {

struct DictEntry {
    std::string name;  // [A-Za-z0-9_]; libFuzzer ignores it, readers do not
    std::string value; // raw bytes, at most max_dict_value bytes
};

// libFuzzer drops longer dictionary entries (kMaxDictElementSize).
inline constexpr std::size_t max_dict_value = 64;

struct DictSection {
    std::string name;    // what a target names in its "# sections:" line
    std::string comment; // where the entries come from
    std::vector<DictEntry> entries;
};

// Every section, in the order they are written. `schema` is scenarios/schema.json.
std::vector<DictSection> dict_sections(const nlohmann::json& schema);

// "setup (0x04)" -> "setup", "org-unit" -> "org_unit", "${i}" -> "i": a usable entry name.
std::string entry_name(std::string_view text);

} // namespace xsime::tools
