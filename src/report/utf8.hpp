// UTF-8 text on a terminal and in HTML: controls, display width, truncation. Decoding (an invalid
// sequence reads as U+FFFD, as browsers decode it) is core/utf8.hpp's.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/utf8.hpp"

namespace auditsync {

// C0 controls, DEL and C1 controls: they would break a terminal line (or drive the terminal,
// ESC and U+009B start escape sequences) and are not allowed in HTML text.
constexpr bool IsControl(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

// Columns that `text` takes on a terminal: 2 for East Asian wide characters and emoji, 0 for
// combining marks, 1 otherwise (an invalid sequence shows as one U+FFFD).
size_t DisplayWidth(std::string_view text);

// `text` cut to at most `width` columns, ending with "…" when something was cut.
std::string TruncateToWidth(std::string_view text, size_t width);

}  // namespace auditsync
