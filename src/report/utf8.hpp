// UTF-8 text as audit data brings it: usually valid, sometimes not (Graph passes bytes through).
// Reports never fail on it: an invalid sequence reads as U+FFFD, as browsers decode it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace auditsync {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

struct DecodedCodePoint {
  char32_t value = kReplacementCharacter;  // U+FFFD for an invalid sequence
  size_t length = 1;                       // bytes read; at least 1
};

// The code point starting at byte `at` of `text` (at < text.size()). An invalid sequence is read
// as one U+FFFD per maximal invalid subpart (Unicode's recommended practice, as WHATWG does).
DecodedCodePoint DecodeCodePoint(std::string_view text, size_t at);

void AppendUtf8(std::string& out, char32_t code_point);

// `text` with each invalid sequence replaced by U+FFFD.
std::string ValidUtf8(std::string_view text);

// C0 controls, DEL and C1 controls: they would break a terminal line (or drive the terminal,
// ESC and U+009B start escape sequences) and are not allowed in HTML text.
constexpr bool IsControl(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

// Columns that `text` takes on a terminal: 2 for East Asian wide characters and emoji, 0 for
// combining marks, 1 otherwise (an invalid sequence shows as one U+FFFD).
size_t DisplayWidth(std::string_view text);

// `text` cut to at most `width` columns, ending with "…" when something was cut.
std::string TruncateToWidth(std::string_view text, size_t width);

}  // namespace auditsync
