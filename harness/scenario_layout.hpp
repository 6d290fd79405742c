// The one canonical layout of a scenario file (`xsime-conform fmt`, scenarios/FORMAT.md
// "Formatting"): compact values on one line when they fit in 100 columns, broken one member per
// line when they do not. A pure function of the DOM, so formatting is idempotent.
#pragma once

#include "harness/json_document.hpp"

#include <cstddef>
#include <string>

namespace xsime::harness {

// The column limit of the layout. A line is longer only when a single scalar (a long string)
// cannot be split: strings are never split.
inline constexpr std::size_t layout_columns = 100;

// The text of `value` in the canonical layout, ending with exactly one newline:
// - a non-empty top-level object has one field per line, indented by 2;
// - any other value (and each field's value) is written compact on one line,
//   {"a": 1, "b": [1, 2]} (a space after ':' and ',', none inside brackets), when its line
//   fits in layout_columns counting the indentation, the key and the trailing comma;
//   otherwise a non-empty object or array is broken one member per line, indented by 2 more,
//   each member laid out by the same rule, and the closing bracket on a line of its own; an
//   array of scalars only (user names, sessions) is instead filled: as many members per line
//   as fit, like wrapped text;
// - {} and [] for empty containers; object keys in the DOM's order (ordered_json keeps the
//   file's); strings as UTF-8, escaping only '"', '\' and control characters; numbers as
//   nlohmann writes them.
// Columns are Unicode code points (a UTF-8 lead byte or ASCII byte counts one). Throws
// nlohmann's type_error on a string that is not valid UTF-8 (read_json_document never yields
// one).
std::string canonical_layout(const Json& value);

} // namespace xsime::harness
