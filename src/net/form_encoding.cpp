#include "net/form_encoding.hpp"

namespace auditsync {

void AppendFormEncoded(std::string& out, std::string_view value) {
  constexpr char kHex[] = "0123456789ABCDEF";
  for (const unsigned char c : value) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
}

std::string FormEncode(std::string_view value) {
  std::string encoded;
  AppendFormEncoded(encoded, value);
  return encoded;
}

}  // namespace auditsync
