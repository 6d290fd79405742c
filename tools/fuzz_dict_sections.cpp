// The generated dictionary sections: XSIME headers from the opcode table, TF command words, the
// scenario format's keys from scenarios/schema.json, byte sources, hex text and ${} forms.
#include "tools/fuzz_dict_sections.hpp"

#include "harness/bytes_spec.hpp"
#include "harness/scenario_loader.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_framing.hpp"

#include <array>
#include <cctype>
#include <cstdint>
#include <limits>
#include <set>

namespace xsime::tools {

namespace {

using nlohmann::json;
namespace proto = xsime::protocol;

std::string be32(std::uint32_t value) {
    std::string out;
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((value >> shift) & 0xff));
    }
    return out;
}

std::string be64(std::uint64_t value) {
    return be32(static_cast<std::uint32_t>(value >> 32)) + be32(static_cast<std::uint32_t>(value));
}

std::string header(std::uint8_t opcode, std::int32_t sz) {
    return proto::encode_header(proto::Header{opcode, sz});
}

std::string opcode_name(std::uint8_t raw) {
    return entry_name(proto::describe_opcode(raw));
}

// The opcode table's headers: each opcode's status replies, setup's flag combinations and the
// 8-byte bodies' sz, and the ASCII digits peers send by mistake.
void opcode_entries(std::vector<DictEntry>& out) {
    for (int value = 0; value <= 0xff; ++value) {
        const auto raw = static_cast<std::uint8_t>(value);
        if (!proto::is_known_opcode(raw)) {
            continue;
        }
        const std::string name = opcode_name(raw);
        out.push_back({"op_" + name, std::string(1, static_cast<char>(raw))});
        out.push_back({name + "_sz_ok", header(raw, proto::status_ok)});
        out.push_back({name + "_sz_failed", header(raw, proto::status_failed)});
        const auto digit = static_cast<std::uint8_t>('0' + value);
        if (value <= 9 && proto::ascii_opcode_hint(digit)) {
            out.push_back({"ascii_" + name, std::string(1, static_cast<char>(digit))});
        }
    }
    const auto setup = proto::raw(proto::Opcode::setup);
    const std::int32_t all_flags = proto::flag_unique_user | proto::flag_auto_delete;
    for (std::int32_t flags = proto::flag_unique_user; flags <= all_flags; ++flags) {
        out.push_back({"setup_flags" + std::to_string(flags), header(setup, flags)});
    }
    const auto body = static_cast<std::int32_t>(proto::u64_body_size);
    out.push_back({"interval_sz_8", header(proto::raw(proto::Opcode::interval), body)});
    out.push_back(
        {"message_sz_max", header(proto::raw(proto::Opcode::message), proto::max_payload)});
}

// `sz` and 8-byte values at the limits, and the send and push grammar.
void limit_entries(std::vector<DictEntry>& out) {
    const auto name_limit = static_cast<std::uint32_t>(proto::max_user_name);
    const std::array<DictEntry, 8> sizes = {{
        {"sz_zero", be32(0)},
        {"sz_minus_one", be32(static_cast<std::uint32_t>(proto::status_failed))},
        {"sz_max_payload", be32(proto::max_payload)},
        {"sz_over_payload", be32(proto::max_payload + 1)},
        {"sz_int_min", be32(0x80000000u)},
        {"sz_int_max", be32(0x7fffffffu)},
        {"sz_max_user_name", be32(name_limit)},
        {"sz_over_user_name", be32(name_limit + 1)},
    }};
    out.insert(out.end(), sizes.begin(), sizes.end());
    out.push_back({"u64_zero", be64(0)});
    out.push_back({"u64_max", be64(std::numeric_limits<std::uint64_t>::max())});
    out.push_back({"u64_25ms", be64(25'000'000)});
    out.push_back({"u64_timestamp", be64(1'700'000'000)});
    out.push_back({"colon", ":"});
    out.push_back({"colon_space", ": "});
    out.push_back({"double_colon", "::"});
    out.push_back({"recipient", "bob:"});
    out.push_back({"push_prefix", "1700000000:alice:"});
}

DictSection xsime_section() {
    DictSection section{"xsime",
                        "XSIME headers from the opcode table (protocol/opcode.hpp), sz and 8-byte "
                        "values at the codec's limits (protocol/header.hpp, messages.hpp), the "
                        "send and push grammar",
                        {}};
    opcode_entries(section.entries);
    limit_entries(section.entries);
    return section;
}

// The TF command level: the replies protocol/tf_framing.hpp names, and the file commands of
// mock_server/session_tf_commands.cpp (private there, so listed here: keep in step).
DictSection tf_section() {
    DictSection section{"tf",
                        "TF command words (protocol/tf_framing.hpp, the reference server's file "
                        "commands), bare and as whole TF messages, and TF lengths at the limit",
                        {}};
    const std::array<std::string_view, 5> replies = {
        proto::tf_ok, proto::tf_unknown, proto::tf_xsime_start, proto::tf_end, "FAILED"};
    const std::array<std::string_view, 10> commands = {"MKDIR", "TOUCH", "DEL",  "RMDIR", "FSTAT",
                                                       "LS",    "LSR",   "DATE", "CONT",  "BREAK"};
    for (const auto word : replies) {
        section.entries.push_back({"tf_" + entry_name(word), std::string(word)});
        section.entries.push_back({"tf_msg_" + entry_name(word), proto::encode_tf_message(word)});
    }
    section.entries.push_back({"tf_failed_space", "FAILED "});
    for (const auto word : commands) {
        section.entries.push_back({"tf_" + entry_name(word), std::string(word) + " /"});
        section.entries.push_back({"tf_msg_" + entry_name(word), proto::encode_tf_message(word)});
    }
    const auto limit = static_cast<std::uint32_t>(proto::tf_default_max_message);
    section.entries.push_back({"tf_len_zero", be32(0)});
    section.entries.push_back({"tf_len_max", be32(limit)});
    section.entries.push_back({"tf_len_over", be32(limit + 1)});
    section.entries.push_back({"tf_len_all_ones", be32(0xffffffffu)});
    return section;
}

// Every property name and every string of an enum under `node`, following "#/$defs/..."
// references when `defs` is given (each definition once).
void schema_words(const json& node, const json* defs, std::set<std::string>& keys,
                  std::set<std::string>& enums, std::set<std::string>& seen) {
    if (node.is_array()) {
        for (const auto& item : node) {
            schema_words(item, defs, keys, enums, seen);
        }
        return;
    }
    if (!node.is_object()) {
        return;
    }
    for (const auto& [key, value] : node.items()) {
        if (key == "properties" && value.is_object()) {
            for (const auto& property : value.items()) {
                keys.insert(property.key());
            }
        } else if (key == "enum" && value.is_array()) {
            for (const auto& item : value) {
                if (item.is_string()) {
                    enums.insert(item.get<std::string>());
                }
            }
        } else if (key == "$ref" && defs != nullptr && value.is_string()) {
            const std::string prefix = "#/$defs/";
            const auto ref = value.get<std::string>();
            const auto name = ref.rfind(prefix, 0) == 0 ? ref.substr(prefix.size()) : "";
            if (defs->contains(name) && seen.insert(name).second) {
                schema_words((*defs)[name], defs, keys, enums, seen);
            }
        }
        schema_words(value, defs, keys, enums, seen);
    }
}

void quoted_words(const std::set<std::string>& words, const std::string& prefix,
                  std::vector<DictEntry>& out) {
    for (const auto& word : words) {
        out.push_back({prefix + entry_name(word), '"' + word + '"'});
    }
}

DictSection scenario_section(const json& schema) {
    DictSection section{"scenario",
                        "scenario file keys and enum values (scenarios/schema.json), the step "
                        "action keys (harness step_action_keys()), JSON tokens",
                        {}};
    std::set<std::string> keys;
    std::set<std::string> enums;
    std::set<std::string> seen;
    schema_words(schema, nullptr, keys, enums, seen);
    for (const auto& key : harness::step_action_keys()) {
        keys.insert(key);
    }
    quoted_words(keys, "key_", section.entries);
    quoted_words(enums, "enum_", section.entries);
    const std::array<DictEntry, 8> tokens = {{{"json_key_sep", "\":"},
                                              {"json_next_key", ",\""},
                                              {"json_object", "{\""},
                                              {"json_empty_array", "[]"},
                                              {"json_empty_object", "{}"},
                                              {"json_null", "null"},
                                              {"json_true", "true"},
                                              {"json_big", "1e999"}}};
    section.entries.insert(section.entries.end(), tokens.begin(), tokens.end());
    return section;
}

// The byte sources (scenarios/schema.json's byte_source, with the definitions it refers to) and
// hex text of the XSIME headers, for the byte-source reader and decode_hex.
DictSection bytes_section(const json& schema) {
    DictSection section{"bytes",
                        "byte source keys (scenarios/schema.json #/$defs/byte_source and what it "
                        "refers to), hex text of the XSIME headers (harness encode_hex)",
                        {}};
    std::set<std::string> keys;
    std::set<std::string> enums;
    std::set<std::string> seen;
    const json* defs = schema.contains("$defs") ? &schema["$defs"] : nullptr;
    if (defs != nullptr && defs->contains("byte_source")) {
        schema_words((*defs)["byte_source"], defs, keys, enums, seen);
    }
    quoted_words(keys, "key_", section.entries);
    quoted_words(enums, "enum_", section.entries);
    for (const auto& entry : xsime_section().entries) {
        if (entry.value.size() == proto::header_size) {
            section.entries.push_back({"hex_" + entry.name, harness::encode_hex(entry.value)});
        }
    }
    section.entries.push_back({"hex_ff", "ff"});
    section.entries.push_back({"hex_upper", "FF"});
    section.entries.push_back({"hex_odd", "0"});
    section.entries.push_back({"hex_not_digit", "0g"});
    return section;
}

// The ${} forms of harness/expand.hpp: names, +N/-N arithmetic, :0W padding, $$, and numbers
// at the edges of the 64-bit arithmetic.
DictSection expand_section() {
    DictSection section{"expand", "${} forms and their arithmetic (harness/expand.hpp)", {}};
    const std::array<std::string_view, 16> forms = {
        "${",     "}",      "$$",      "${org}", "${i}", "${i+1}", "${i-1}", "${i:02}",
        "${i+0}", "${i:0}", "${t1+1}", ":0",     "+1",   "-1",     "${}",    "${org:020}"};
    for (const auto form : forms) {
        section.entries.push_back({"expand_" + entry_name(form), std::string(form)});
    }
    section.entries.push_back({"u64_max_text", "18446744073709551615"});
    section.entries.push_back({"u64_over_text", "18446744073709551616"});
    section.entries.push_back({"i64_max_text", "9223372036854775807"});
    section.entries.push_back({"i64_min_text", "-9223372036854775808"});
    return section;
}

} // namespace

std::string entry_name(std::string_view text) {
    const auto paren = text.find(" (");
    text = text.substr(0, paren);
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) != 0) {
            out.push_back(static_cast<char>(std::tolower(byte)));
        } else if (!out.empty() && out.back() != '_') {
            out.push_back('_');
        }
    }
    while (!out.empty() && out.back() == '_') {
        out.pop_back();
    }
    return out.empty() ? "sym" : out;
}

std::vector<DictSection> dict_sections(const json& schema) {
    return {xsime_section(), tf_section(), scenario_section(schema), bytes_section(schema),
            expand_section()};
}

} // namespace xsime::tools
