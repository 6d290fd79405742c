// Text helpers shared by the reporters (report_text.hpp).
#include "reports/report_text.hpp"

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <optional>

namespace xsime::reports {

namespace {

struct CodePoint {
    std::uint32_t value = 0;
    std::size_t length = 0;
};

// Decodes one UTF-8 sequence at `at`, rejecting overlong forms, surrogates and values
// above U+10FFFF (RFC 3629); nullopt for an invalid or cut sequence.
std::optional<CodePoint> decode(std::string_view text, std::size_t at) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(at);
    if (lead < 0x80) {
        return CodePoint{lead, 1};
    }
    std::size_t length = 0;
    std::uint32_t value = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        value = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        value = lead & 0x0Fu;
        if (lead == 0xE0) {
            low = 0xA0;
        } else if (lead == 0xED) {
            high = 0x9F; // surrogates
        }
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        value = lead & 0x07u;
        if (lead == 0xF0) {
            low = 0x90;
        } else if (lead == 0xF4) {
            high = 0x8F;
        }
    } else {
        return std::nullopt;
    }
    if (at + length > text.size()) {
        return std::nullopt;
    }
    for (std::size_t i = 1; i < length; ++i) {
        const unsigned char next = byte(at + i);
        const unsigned char min = i == 1 ? low : 0x80;
        const unsigned char max = i == 1 ? high : 0xBF;
        if (next < min || next > max) {
            return std::nullopt;
        }
        value = (value << 6) | (next & 0x3Fu);
    }
    return CodePoint{value, length};
}

constexpr char hex_digits[] = "0123456789abcdef";
constexpr char upper_hex_digits[] = "0123456789ABCDEF";

void append_byte_escape(std::string& out, unsigned char byte) {
    out += "\\x";
    out += upper_hex_digits[byte >> 4];
    out += upper_hex_digits[byte & 0x0F];
}

void append_code_point_escape(std::string& out, std::uint32_t value) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) {
        out += upper_hex_digits[(value >> shift) & 0x0Fu];
    }
}

std::string fixed3(std::int64_t thousandths) {
    if (thousandths < 0) {
        thousandths = 0;
    }
    std::string fraction = std::to_string(thousandths % 1000);
    fraction.insert(0, 3 - fraction.size(), '0');
    return std::to_string(thousandths / 1000) + "." + fraction;
}

} // namespace

std::string readable(std::string_view bytes, Newlines newlines) {
    std::string out;
    out.reserve(bytes.size());
    std::size_t at = 0;
    while (at < bytes.size()) {
        const std::optional<CodePoint> point = decode(bytes, at);
        if (!point) {
            append_byte_escape(out, static_cast<unsigned char>(bytes[at]));
            ++at;
            continue;
        }
        const std::uint32_t value = point->value;
        if (value == '\n' || value == '\t') {
            if (newlines == Newlines::keep) {
                out += static_cast<char>(value);
            } else {
                out += value == '\n' ? "\\n" : "\\t";
            }
        } else if (value == '\r') {
            out += "\\r";
        } else if (value < 0x20 || value == 0x7F) {
            append_byte_escape(out, static_cast<unsigned char>(value));
        } else if ((value >= 0x80 && value <= 0x9F) || value == 0xFFFE || value == 0xFFFF) {
            append_code_point_escape(out, value);
        } else {
            out.append(bytes.substr(at, point->length));
        }
        at += point->length;
    }
    return out;
}

std::string utf8_safe(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    std::size_t at = 0;
    while (at < bytes.size()) {
        const std::optional<CodePoint> point = decode(bytes, at);
        if (!point) {
            append_byte_escape(out, static_cast<unsigned char>(bytes[at]));
            ++at;
            continue;
        }
        out.append(bytes.substr(at, point->length));
        at += point->length;
    }
    return out;
}

bool is_printable_text(std::string_view bytes) {
    std::size_t at = 0;
    while (at < bytes.size()) {
        const std::optional<CodePoint> point = decode(bytes, at);
        if (!point) {
            return false;
        }
        const std::uint32_t value = point->value;
        const bool allowed_control = value == '\n' || value == '\t' || value == '\r';
        if ((value < 0x20 && !allowed_control) || (value >= 0x7F && value <= 0x9F) ||
            value == 0xFFFE || value == 0xFFFF) {
            return false;
        }
        at += point->length;
    }
    return true;
}

std::string hex(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 3);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        if (!out.empty()) {
            out += ' ';
        }
        out += hex_digits[byte >> 4];
        out += hex_digits[byte & 0x0F];
    }
    return out;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) {
        return text;
    }
    std::size_t end = max_bytes;
    // Back off continuation bytes so the cut falls between characters.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0u) == 0x80u) {
        --end;
    }
    return text.substr(0, end);
}

std::string seconds3(std::chrono::microseconds duration) {
    return fixed3((duration.count() + 500) / 1000);
}

std::string millis3(std::chrono::microseconds duration) {
    return fixed3(duration.count());
}

std::string iso8601_utc(std::chrono::system_clock::time_point when, bool zone) {
    const auto since_epoch =
        std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch());
    auto seconds = since_epoch.count() / 1000;
    auto millis = since_epoch.count() % 1000;
    if (millis < 0) { // before 1970: floor, so the fraction stays positive
        millis += 1000;
        --seconds;
    }
    const auto time = static_cast<std::time_t>(seconds);
    std::tm parts{};
    gmtime_r(&time, &parts);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &parts);
    std::string out = buffer;
    if (zone) {
        std::string fraction = std::to_string(millis);
        fraction.insert(0, 3 - fraction.size(), '0');
        out += "." + fraction + "Z";
    }
    return out;
}

std::string transcript_line(const harness::TranscriptEntry& entry, std::size_t max_bytes) {
    using Kind = harness::TranscriptEntry::Kind;
    std::string line = "+" + millis3(entry.offset) + "ms";
    if (!entry.session.empty()) {
        line += " " + readable(entry.session, Newlines::escape);
    }
    switch (entry.kind) {
    case Kind::sent:
        line += " \u2192 "; // →
        break;
    case Kind::received:
        line += " \u2190 "; // ←
        break;
    case Kind::closed:
        line += " \u2715 closed"; // ✕
        break;
    case Kind::note:
        line += " \u00b7 "; // ·
        break;
    }

    std::string content;
    bool cut = false;
    if (!entry.decoded.empty()) {
        const std::string text = readable(entry.decoded, Newlines::escape);
        content = utf8_prefix(text, max_bytes);
        cut = content.size() < text.size();
    } else if (!entry.bytes.empty() && is_printable_text(entry.bytes)) {
        const std::string text = readable(entry.bytes, Newlines::escape);
        const std::string_view shown = utf8_prefix(text, max_bytes);
        content = "\"" + std::string(shown) + "\"";
        cut = shown.size() < text.size();
    } else if (!entry.bytes.empty()) {
        // Three characters per byte in hex: show as many bytes as fit.
        const std::size_t shown = std::max<std::size_t>(1, max_bytes / 3);
        content = hex(entry.bytes.substr(0, shown));
        cut = shown < entry.bytes.size();
    }
    if (entry.kind == Kind::closed && !content.empty()) {
        line += ": ";
    }
    line += content;
    if (cut) {
        const std::size_t total = entry.bytes.empty() ? entry.decoded.size() : entry.bytes.size();
        line += " \u2026 (" + std::to_string(total) + " bytes)"; // …
    }
    return line;
}

} // namespace xsime::reports
