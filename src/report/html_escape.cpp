#include "report/html_escape.hpp"

#include "report/utf8.hpp"

namespace auditsync {

std::string HtmlEscape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size() + text.size() / 8);
  for (size_t i = 0; i < text.size();) {
    const auto decoded = DecodeCodePoint(text, i);
    i += decoded.length;
    switch (decoded.value) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        AppendUtf8(escaped, IsControl(decoded.value) ? U' ' : decoded.value);
    }
  }
  return escaped;
}

}  // namespace auditsync
