// Text for the HTML report: any bytes from a run made safe to show in an HTML page, and the
// few element builders the report's sections share.
#pragma once

#include <string>
#include <string_view>

namespace xsime::reports {

// Bytes as HTML text: first made readable (report_text.hpp: invalid UTF-8 and controls as
// \xNN, C1 controls as \uNNNN, newlines kept), then the bidirectional controls U+202A..U+202E
// and U+2066..U+2069 written \uNNNN too, so that a hostile id cannot reorder what a certifier
// reads; then & < > " ' escaped, so the result is safe in element content and in a quoted
// attribute value.
std::string html_text(std::string_view bytes);

// An HTML id made of any bytes: ASCII letters, digits, '.' and '-' kept, each other byte
// (the escape '_' too) written _XX in hex, so distinct inputs give distinct ids and links
// between cases cannot collide.
std::string html_anchor(std::string_view prefix, std::string_view bytes);

// <tag class="cls">escaped text</tag>; `cls` is the report's own word, not escaped.
std::string element(std::string_view tag, std::string_view cls, std::string_view text);

// "3 consequences", "1 consequence".
std::string plural(std::size_t count, std::string_view noun);

} // namespace xsime::reports
