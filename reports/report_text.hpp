// Text helpers shared by the reporters: bytes from the wire made safe to print, hex, times.
#pragma once

#include "harness/result.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace xsime::reports {

enum class Newlines { keep, escape };

// Bytes as text a terminal, an XML file and a JSON string can all carry: valid UTF-8 is
// kept; every byte that is not valid UTF-8 and every C0 control (and DEL) becomes \xNN;
// C1 controls and the non-characters U+FFFE/U+FFFF become \uNNNN (XML 1.0 cannot carry
// them, and a terminal would obey them). \r always becomes "\r"; \n and \t are kept
// with Newlines::keep and written "\n" and "\t" with Newlines::escape.
std::string readable(std::string_view bytes, Newlines newlines);

// Only invalid UTF-8 replaced (\xNN); controls are kept, for formats that escape them.
std::string utf8_safe(std::string_view bytes);

// True when the bytes are valid UTF-8 text with no control other than \t \n \r, so that
// showing them as text loses nothing.
bool is_printable_text(std::string_view bytes);

// "05 00 00 00 03 61 62 63": lowercase pairs, space separated, the scenario files' form.
std::string hex(std::string_view bytes);

// The longest prefix of valid UTF-8 text `text` of at most `max_bytes` bytes that does not
// split a character.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

// Seconds with exactly three decimals, rounded to the millisecond: "12.345".
std::string seconds3(std::chrono::microseconds duration);

// Milliseconds with three decimals: "12.345".
std::string millis3(std::chrono::microseconds duration);

// "2023-11-14T22:13:20" (UTC, no zone: the JUnit form) or with `zone` "...20.000Z".
std::string iso8601_utc(std::chrono::system_clock::time_point when, bool zone);

// One transcript entry on one line, for people:
// "+12.345ms alice → setup (0x04) flags 2 ts 0". The decoded reading when there is one,
// otherwise the bytes as quoted text when printable, else as hex; long content is cut
// at `max_bytes` and followed by the full byte count.
std::string transcript_line(const harness::TranscriptEntry& entry, std::size_t max_bytes);

} // namespace xsime::reports
