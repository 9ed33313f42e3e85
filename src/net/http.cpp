#include "net/http.hpp"

#include "core/text.hpp"

namespace auditsync {

std::string_view HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

HttpResponse HttpTransport::SendStreaming(const HttpRequest& request, BodyStream& stream) {
  HttpResponse response = Send(request);
  if (response.status >= 200 && response.status < 300) {
    const bool accepted = stream.Append(response.body);
    response.body.clear();
    if (!accepted) {
      throw TransportError(request.method + " " + RedactUrl(request.url) +
                               ": the response body was refused as garbled",
                           "CURLE_WRITE_ERROR");
    }
  }
  return response;
}

std::string RedactUrl(std::string_view url) { return std::string(url.substr(0, url.find('?'))); }

}  // namespace auditsync
