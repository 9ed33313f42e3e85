// UTF-8 text as audit data brings it: usually valid, sometimes not (Graph passes bytes through).
// Nothing fails on it: an invalid sequence reads as U+FFFD, as browsers decode it. Reports render
// it so, and the PostgreSQL store (whose UTF8 text refuses invalid bytes) stores it so.
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

}  // namespace auditsync
