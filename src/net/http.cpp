#include "net/http.hpp"

#include "core/text.hpp"

namespace auditsync {

std::string_view HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

std::string RedactUrl(std::string_view url) { return std::string(url.substr(0, url.find('?'))); }

}  // namespace auditsync
