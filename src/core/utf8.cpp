#include "core/utf8.hpp"

namespace auditsync {

DecodedCodePoint DecodeCodePoint(std::string_view text, size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  if (lead < 0x80) return {.value = lead, .length = 1};
  size_t length = 0;
  char32_t value = 0;
  // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    value = lead & 0x1FU;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    value = lead & 0x0FU;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    value = lead & 0x07U;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return {};
  }
  for (size_t k = 1; k < length; ++k) {
    if (at + k >= text.size()) return {.value = kReplacementCharacter, .length = k};
    const auto next = static_cast<unsigned char>(text[at + k]);
    if (next < low || next > high) return {.value = kReplacementCharacter, .length = k};
    low = 0x80;
    high = 0xBF;
    value = (value << 6) | (next & 0x3FU);
  }
  return {.value = value, .length = length};
}

void AppendUtf8(std::string& out, char32_t c) {
  const auto byte = [&out](char32_t bits) { out += static_cast<char>(bits); };
  if (c < 0x80) {
    byte(c);
  } else if (c < 0x800) {
    byte(0xC0 | (c >> 6));
    byte(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    byte(0xE0 | (c >> 12));
    byte(0x80 | ((c >> 6) & 0x3F));
    byte(0x80 | (c & 0x3F));
  } else {
    byte(0xF0 | (c >> 18));
    byte(0x80 | ((c >> 12) & 0x3F));
    byte(0x80 | ((c >> 6) & 0x3F));
    byte(0x80 | (c & 0x3F));
  }
}

std::string ValidUtf8(std::string_view text) {
  std::string valid;
  valid.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    // A valid sequence encodes back to the same bytes; an invalid one becomes U+FFFD.
    const auto decoded = DecodeCodePoint(text, i);
    AppendUtf8(valid, decoded.value);
    i += decoded.length;
  }
  return valid;
}

}  // namespace auditsync
