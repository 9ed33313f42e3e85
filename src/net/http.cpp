#include "net/http.hpp"

#include <algorithm>
#include <cctype>

namespace auditsync {

std::string_view HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (std::equal(key.begin(), key.end(), name.begin(), name.end(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return value;
    }
  }
  return {};
}

std::string RedactUrl(std::string_view url) { return std::string(url.substr(0, url.find('?'))); }

}  // namespace auditsync
