// tools/fuzz_dicts: writes (or, with --check, checks) fuzz/<target>.dict for every fuzz target
// (each fuzz/*_fuzz.cpp): the generated sections the target names (tools/fuzz_dict_sections.hpp)
// and the hand-written entries of fuzz/dict/<target>.extra. Usage:
//   fuzz_dicts [--check] REPOSITORY_ROOT
// An .extra file holds libFuzzer dictionary lines (name="value", # comments) and optionally,
// first, "# sections: xsime tf ..."; without that line, or without the file, a target gets
// every section.
#include "harness/bytes_spec.hpp"
#include "tools/fuzz_dict_sections.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

namespace {

namespace fs = std::filesystem;
using xsime::tools::DictEntry;
using xsime::tools::DictSection;

struct Failure {
    std::string message;
};

std::optional<std::string> read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// libFuzzer's dictionary escapes: \\, \" and \xNN; everything else printable stays as is.
std::string escape(const std::string& value) {
    std::string out;
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (byte >= 0x20 && byte < 0x7f) {
            out += c;
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", byte);
            out += hex;
        }
    }
    return out;
}

// The byte two hex digits at `at` spell, as libFuzzer's \xNN; nullopt when they are not two.
std::optional<std::string> hex_pair(const std::string& line, std::size_t at) {
    const std::string_view digits = std::string_view(line).substr(at, 2);
    if (digits.size() != 2 || !std::isxdigit(static_cast<unsigned char>(digits[0])) ||
        !std::isxdigit(static_cast<unsigned char>(digits[1]))) {
        return std::nullopt;
    }
    auto bytes = xsime::harness::decode_hex(digits);
    return std::holds_alternative<std::string>(bytes) ? std::optional(std::get<std::string>(bytes))
                                                      : std::nullopt;
}

// One `name="value"` line (the name is optional), as libFuzzer reads it; nullopt when malformed.
std::optional<DictEntry> parse_entry(const std::string& line) {
    const auto quote = line.find('"');
    if (quote == std::string::npos || line.size() < quote + 2 || line.back() != '"') {
        return std::nullopt;
    }
    DictEntry entry{line.substr(0, quote), ""};
    if (!entry.name.empty() && entry.name.back() == '=') {
        entry.name.pop_back();
    }
    if (!entry.name.empty() &&
        (line[quote - 1] != '=' || !std::all_of(entry.name.begin(), entry.name.end(), [](char c) {
             return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
         }))) {
        return std::nullopt;
    }
    for (std::size_t i = quote + 1; i + 1 < line.size(); ++i) {
        if (line[i] != '\\') {
            entry.value.push_back(line[i]);
        } else if (i + 2 < line.size() && (line[i + 1] == '\\' || line[i + 1] == '"')) {
            entry.value.push_back(line[++i]);
        } else if (i + 4 < line.size() && line[i + 1] == 'x' && hex_pair(line, i + 2)) {
            entry.value += *hex_pair(line, i + 2);
            i += 3;
        } else {
            return std::nullopt;
        }
    }
    return entry;
}

struct Extra {
    std::optional<std::set<std::string>> sections; // nullopt: every section
    std::vector<DictEntry> entries;
};

Extra parse_extra(const fs::path& path, const std::string& text) {
    Extra extra;
    std::istringstream lines(text);
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
        const std::string directive = "# sections:";
        if (line.rfind(directive, 0) == 0) {
            std::istringstream words(line.substr(directive.size()));
            extra.sections.emplace();
            for (std::string word; words >> word;) {
                extra.sections->insert(word);
            }
            continue;
        }
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#') {
            continue;
        }
        const auto entry = parse_entry(line.substr(first));
        if (!entry || entry->value.empty() || entry->value.size() > xsime::tools::max_dict_value) {
            throw Failure{path.string() + ":" + std::to_string(number) +
                          ": expected name=\"value\" (1 to 64 bytes; escapes \\\\ \\\" \\xNN)"};
        }
        extra.entries.push_back(*entry);
    }
    return extra;
}

void append_entries(std::ostringstream& out, const std::vector<DictEntry>& entries,
                    std::set<std::string>& values) {
    for (const auto& entry : entries) {
        if (entry.value.size() > xsime::tools::max_dict_value) {
            throw Failure{"generated entry " + entry.name + " is longer than 64 bytes"};
        }
        if (values.insert(entry.value).second) {
            out << entry.name << "=\"" << escape(entry.value) << "\"\n";
        }
    }
}

// The dictionary's text: a header, the sections the target names, then its own entries; a value
// already written is not repeated.
std::string dictionary(const std::string& target, const std::vector<DictSection>& sections,
                       const Extra& extra, const fs::path& extra_path) {
    std::ostringstream out;
    out << "# fuzz/" << target << ".dict: libFuzzer dictionary of " << target << " (-dict=fuzz/"
        << target << ".dict).\n"
        << "# Written by tools/fuzz_dicts: do not edit. Add entries to fuzz/dict/" << target
        << ".extra and run the\n# build's tools/fuzz_dicts with the repository root "
           "(CTest fuzz_dicts_current checks it).\n";
    std::set<std::string> values;
    std::set<std::string> known;
    for (const auto& section : sections) {
        known.insert(section.name);
        if (extra.sections && extra.sections->count(section.name) == 0) {
            continue;
        }
        out << "\n# " << section.name << ": " << section.comment << "\n";
        append_entries(out, section.entries, values);
    }
    for (const auto& name : extra.sections.value_or(std::set<std::string>{})) {
        if (known.count(name) == 0) {
            throw Failure{extra_path.string() + ": no section '" + name + "'"};
        }
    }
    if (!extra.entries.empty()) {
        out << "\n# fuzz/dict/" << target << ".extra\n";
        append_entries(out, extra.entries, values);
    }
    return out.str();
}

// The stems of `folder`'s files whose names end in `suffix`, sorted.
std::vector<std::string> stems(const fs::path& folder, const std::string& suffix) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& item : fs::directory_iterator(folder, ec)) {
        const auto name = item.path().filename().string();
        if (name.size() > suffix.size() && name.ends_with(suffix)) {
            out.push_back(name.substr(0, name.size() - suffix.size()));
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

// 0: up to date (or written), 1: out of date with --check.
int update(const fs::path& path, const std::string& wanted, bool check) {
    if (read(path) == wanted) {
        return 0;
    }
    if (check) {
        std::cerr << "fuzz_dicts: " << path.string()
                  << " is missing or out of date; run tools/fuzz_dicts (the build's fuzz_dicts "
                     "binary) with the repository root\n";
        return 1;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << wanted;
    if (!out.flush()) {
        throw Failure{"cannot write " + path.string()};
    }
    std::cout << "wrote " << path.string() << '\n';
    return 0;
}

// A dictionary or an .extra file without its target (renamed or removed) is an error too.
int stale(const fs::path& fuzz, const std::vector<std::string>& targets) {
    int status = 0;
    const std::pair<fs::path, std::string> kinds[] = {{fuzz, ".dict"}, {fuzz / "dict", ".extra"}};
    for (const auto& [folder, suffix] : kinds) {
        for (const auto& stem : stems(folder, suffix)) {
            if (!std::binary_search(targets.begin(), targets.end(), stem)) {
                std::cerr << "fuzz_dicts: " << (folder / (stem + suffix)).string()
                          << " has no fuzz target fuzz/" << stem << ".cpp: remove or rename it\n";
                status = 1;
            }
        }
    }
    return status;
}

int run(const fs::path& root, bool check) {
    const auto schema_path = root / "scenarios/schema.json";
    const auto schema_text = read(schema_path);
    if (!schema_text) {
        throw Failure{"cannot read " + schema_path.string()};
    }
    const auto schema = nlohmann::json::parse(*schema_text, nullptr, false);
    if (schema.is_discarded()) {
        throw Failure{schema_path.string() + " is not valid JSON"};
    }
    const auto sections = xsime::tools::dict_sections(schema);
    const fs::path fuzz = root / "fuzz";
    const auto targets = stems(fuzz, "_fuzz.cpp");
    if (targets.empty()) {
        throw Failure{"no fuzz target (*_fuzz.cpp) in " + fuzz.string()};
    }
    int status = 0;
    for (const auto& stem : targets) {
        const std::string target = stem + "_fuzz";
        const auto extra_path = fuzz / "dict" / (target + ".extra");
        const auto extra_text = read(extra_path);
        const Extra extra = extra_text ? parse_extra(extra_path, *extra_text) : Extra{};
        const auto text = dictionary(target, sections, extra, extra_path);
        status = std::max(status, update(fuzz / (target + ".dict"), text, check));
    }
    std::vector<std::string> names;
    for (const auto& stem : targets) {
        names.push_back(stem + "_fuzz");
    }
    return std::max(status, stale(fuzz, names));
}

} // namespace

int main(int argc, char** argv) {
    const bool check = argc == 3 && std::string(argv[1]) == "--check";
    if (argc != 2 && !check) {
        std::cerr << "usage: fuzz_dicts [--check] REPOSITORY_ROOT\n";
        return 2;
    }
    try {
        return run(argv[argc - 1], check);
    } catch (const Failure& failure) {
        std::cerr << "fuzz_dicts: " << failure.message << '\n';
        return 2;
    }
}
