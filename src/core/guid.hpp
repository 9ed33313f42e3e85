// GUIDs in their canonical text form (8-4-4-4-12 hex digits, either case) as 16 bytes, and new
// random ones.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace auditsync {

using GuidBytes = std::array<uint8_t, 16>;

// The 16 bytes of `text` in the order written; nullopt unless `text` is exactly a canonical GUID.
constexpr std::optional<GuidBytes> ParseGuid(std::string_view text) {
  constexpr size_t kLength = 36;
  if (text.size() != kLength) return std::nullopt;
  GuidBytes bytes{};
  size_t byte = 0;
  for (size_t i = 0; i < kLength; i += 2) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
    }
    int value = 0;
    for (const char c : text.substr(i, 2)) {
      int digit = -1;
      if (c >= '0' && c <= '9') digit = c - '0';
      if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
      if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
      if (digit < 0) return std::nullopt;
      value = value * 16 + digit;
    }
    bytes[byte++] = static_cast<uint8_t>(value);
  }
  return bytes;
}

// A random (version 4) GUID in lower case, e.g. for the jti of a client assertion, from the
// kernel's random number generator. Throws Error (kInternal) when that fails.
std::string RandomGuid();

}  // namespace auditsync
