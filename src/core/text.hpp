// ASCII text helpers. Protocol names (headers, JSON keys, ids, UPNs, cloud names) are ASCII, and
// these never depend on the C locale nor misbehave on bytes of UTF-8 text.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace auditsync {

constexpr char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

constexpr bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

inline std::string Lowercase(std::string_view text) {
  std::string lower(text);
  for (auto& c : lower) c = AsciiLower(c);
  return lower;
}

// Without leading and trailing spaces, tabs and line ends.
constexpr std::string_view Trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

}  // namespace auditsync
