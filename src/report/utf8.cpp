#include "report/utf8.hpp"

namespace auditsync {
namespace {

// Terminal columns taken by one code point: 0 for combining marks and zero-width characters, 2
// for East Asian wide characters and emoji (the ranges of Unicode's EastAsianWidth W/F that occur
// in names), 1 otherwise.
size_t CodePointWidth(char32_t c) {
  if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) || c == 0xFE0F) return 0;
  const bool wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
                    (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
                    (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
                    (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
                    (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
                    (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1FAFF) ||
                    (c >= 0x20000 && c <= 0x3FFFD);
  return wide ? 2 : 1;
}

}  // namespace

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    const auto decoded = DecodeCodePoint(text, i);
    width += CodePointWidth(decoded.value);
    i += decoded.length;
  }
  return width;
}

std::string TruncateToWidth(std::string_view text, size_t width) {
  if (DisplayWidth(text) <= width) return ValidUtf8(text);
  std::string cut;
  size_t used = 0;
  for (size_t i = 0; i < text.size();) {
    const auto decoded = DecodeCodePoint(text, i);
    const size_t columns = CodePointWidth(decoded.value);
    if (used + columns + 1 > width) break;  // keep a column for the ellipsis
    AppendUtf8(cut, decoded.value);
    used += columns;
    i += decoded.length;
  }
  return cut + "…";
}

}  // namespace auditsync
