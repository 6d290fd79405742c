// libFuzzer target: hex text (decode_hex / encode_hex round trip, errors at the right offset)
// and byte-source JSON (FieldReader::byte_source gives the bytes the JSON declares).
#include "fuzz/fuzz_support.hpp"
#include "harness/bytes_spec.hpp"
#include "harness/field_reader.hpp"
#include "harness/json_document.hpp"
#include "protocol/header.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace {

using namespace xsime::harness;
using xsime::fuzz::require;

bool is_hex_digit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The digits of hex text, lower case, whitespace dropped.
std::string digits_of(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (is_hex_digit(c)) {
            out.push_back(c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c);
        }
    }
    return out;
}

void check_hex(std::string_view text) {
    const auto decoded = decode_hex(text);
    if (const auto* error = std::get_if<HexError>(&decoded)) {
        require(!error->reason.empty(), "a hex error says why");
        require(error->position <= text.size(), "a hex error's position is inside the text");
        if (error->position < text.size()) {
            // Everything before it was fine; it is the first bad character, and is named.
            const char bad = text[error->position];
            require(!is_hex_digit(bad) && !is_space(bad), "the position is a bad character");
            for (std::size_t i = 0; i < error->position; ++i) {
                require(is_hex_digit(text[i]) || is_space(text[i]), "no earlier bad character");
            }
            require(error->reason.find("byte 0x") != std::string::npos ||
                        error->reason.find(std::string("'") + bad + "'") != std::string::npos,
                    "a hex error names the bad character");
        } else {
            const auto count = digits_of(text).size();
            require(count % 2 == 1, "an error at the end is an odd digit count");
            require(error->reason.find(std::to_string(count)) != std::string::npos,
                    "an odd-count error gives the count");
        }
        return;
    }
    const auto& bytes = std::get<std::string>(decoded);
    const auto digits = digits_of(text);
    require(digits.size() == 2 * bytes.size(), "two hex digits per byte");
    const auto encoded = encode_hex(bytes);
    require(encoded.size() == (bytes.empty() ? 0 : 3 * bytes.size() - 1),
            "encode_hex: two digits and one space per byte");
    require(digits_of(encoded) == digits, "encode_hex gives the same digits, lower case");
    const auto again = decode_hex(encoded);
    require(std::holds_alternative<std::string>(again) && std::get<std::string>(again) == bytes,
            "decode_hex(encode_hex(bytes)) == bytes");
}

// The bytes a part declares, computed from the JSON alone (only for accepted sources).
std::string fill_model(const Json& value) {
    const auto pattern = value.at("fill").get<std::string>();
    const auto count = value.at("count").get<std::uint64_t>();
    std::string out;
    while (out.size() < count) {
        out += pattern;
    }
    out.resize(count);
    return out;
}

std::string hex_model(const std::string& text) {
    const auto digits = digits_of(text);
    std::string out;
    for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
        out.push_back(static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16)));
    }
    return out;
}

std::string parts_model(const Json& value, bool hex) {
    if (value.is_object()) {
        return fill_model(value);
    }
    if (value.is_string()) {
        return hex ? hex_model(value.get<std::string>()) : value.get<std::string>();
    }
    std::string out;
    for (const auto& part : value) {
        out += parts_model(part, hex);
    }
    return out;
}

void check_frame(const Json& frame, const std::string& bytes) {
    std::string payload;
    if (frame.contains("payload")) {
        payload = parts_model(frame.at("payload"), false);
    } else if (frame.contains("payload_hex")) {
        payload = parts_model(frame.at("payload_hex"), true);
    }
    require(bytes.size() == xsime::protocol::header_size + payload.size(),
            "a frame is a header and its payload");
    const auto header = xsime::protocol::decode_header(bytes);
    const auto& opcode = frame.at("opcode");
    require(!opcode.is_number() || header.opcode == opcode.get<std::uint64_t>(),
            "a frame's opcode as written");
    const auto sz = frame.contains("sz") ? frame.at("sz").get<std::int64_t>()
                                         : static_cast<std::int64_t>(payload.size());
    require(header.sz == sz, "a frame's sz as written, else the payload's length");
    require(bytes.substr(xsime::protocol::header_size) == payload, "a frame's payload");
}

void check_source(const Json& value, const Bytes& out) {
    if (value.contains("fill")) {
        require(out.literal && out.value == fill_model(value), "fill: the pattern, cut to count");
    } else if (value.contains("text")) {
        const auto& text = value.at("text");
        require(out.literal == !text.is_string(), "text: expanded only when a plain string");
        require(out.value == parts_model(text, false), "text: the parts, concatenated");
    } else if (value.contains("hex")) {
        require(out.literal && out.value == parts_model(value.at("hex"), true),
                "hex: the decoded parts, concatenated");
    } else {
        require(out.literal, "a frame is literal");
        check_frame(value.at("frame"), out.value);
    }
}

void check_byte_source(std::string_view json) {
    const auto document = read_json_document(json);
    const auto* doc = std::get_if<JsonDocument>(&document);
    if (doc == nullptr) {
        require(!std::get<JsonSyntaxError>(document).message.empty(), "a syntax error says why");
        return;
    }
    FieldReader reader("fuzz/source.json");
    Bytes out;
    const bool ok = reader.byte_source(doc->root, "/source", out);
    require(ok == reader.errors.empty(), "false exactly when an error is reported");
    for (const auto& error : reader.errors) {
        require(error.file == "fuzz/source.json" && !error.message.empty(),
                "an error has the file and a message");
        require(error.pointer.empty() || error.pointer.rfind("/source", 0) == 0,
                "an error's pointer is inside the source");
    }
    if (ok) {
        check_source(doc->root, out);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    xsime::fuzz::FuzzInput in(data, size);
    // Mode byte, bit 0: 0 the rest is hex text, 1 the JSON of one byte source.
    const auto mode = in.take_byte();
    const auto rest = in.take_rest();
    if (xsime::fuzz::bits(mode, 0, 1) == 0) {
        check_hex(rest);
    } else {
        check_byte_source(rest);
    }
    return 0;
}
