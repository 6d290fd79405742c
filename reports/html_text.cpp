// Text for the HTML report (html_text.hpp).
#include "reports/html_text.hpp"

#include "reports/report_text.hpp"

namespace xsime::reports {

namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";

// The bidirectional embedding, override and isolate controls: U+202A..U+202E are
// E2 80 AA..AE in UTF-8, U+2066..U+2069 are E2 81 A6..A9.
std::size_t bidi_control_at(std::string_view text, std::size_t at) {
    if (at + 2 >= text.size() || static_cast<unsigned char>(text[at]) != 0xE2) {
        return 0;
    }
    const auto second = static_cast<unsigned char>(text[at + 1]);
    const auto third = static_cast<unsigned char>(text[at + 2]);
    if (second == 0x80 && third >= 0xAA && third <= 0xAE) {
        return 0x202A + (third - 0xAA);
    }
    if (second == 0x81 && third >= 0xA6 && third <= 0xA9) {
        return 0x2066 + (third - 0xA6);
    }
    return 0;
}

} // namespace

std::string html_text(std::string_view bytes) {
    const std::string text = readable(bytes, Newlines::keep);
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (std::size_t at = 0; at < text.size(); ++at) {
        if (const std::size_t control = bidi_control_at(text, at); control != 0) {
            out += "\\u";
            for (int shift = 12; shift >= 0; shift -= 4) {
                out += hex_digits[(control >> shift) & 0x0Fu];
            }
            at += 2;
            continue;
        }
        switch (text[at]) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += text[at];
        }
    }
    return out;
}

std::string html_anchor(std::string_view prefix, std::string_view bytes) {
    std::string out(prefix);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        const bool kept = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                          (byte >= '0' && byte <= '9') || byte == '.' || byte == '-';
        if (kept) {
            out += c;
        } else {
            out += '_';
            out += hex_digits[byte >> 4];
            out += hex_digits[byte & 0x0F];
        }
    }
    return out;
}

std::string element(std::string_view tag, std::string_view cls, std::string_view text) {
    std::string out = "<" + std::string(tag);
    if (!cls.empty()) {
        out += " class=\"" + std::string(cls) + "\"";
    }
    return out + ">" + html_text(text) + "</" + std::string(tag) + ">";
}

std::string plural(std::size_t count, std::string_view noun) {
    return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

} // namespace xsime::reports
