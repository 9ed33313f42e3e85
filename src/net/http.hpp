// HTTP requests and responses as plain values, and the transport interface that sends one.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace auditsync {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  HttpHeaders headers;
  std::string body;
};

// Spare capacity kept after a response body, so that a JSON parser needing padding past the end
// (simdjson reads up to 64 bytes beyond) can read the body in place instead of copying it.
inline constexpr size_t kBodySlack = 64;

struct HttpResponse {
  long status = 0;
  HttpHeaders headers;  // names as received
  std::string body;

  // The first header with this name, compared case-insensitively; empty when absent.
  std::string_view Header(std::string_view name) const;
};

// No response was received (connection refused or dropped, TLS failure, timeout).
class TransportError : public Error {
 public:
  // `retryable` is false for failures that another attempt cannot mend (an untrusted
  // certificate), so that they are reported at once instead of after minutes of backoff.
  TransportError(const std::string& message, std::string code, bool retryable = true)
      : Error(ExitCode::kService, message), code_(std::move(code)), retryable_(retryable) {}
  const std::string& TransportCode() const { return code_; }
  bool Retryable() const { return retryable_; }

 private:
  std::string code_;
  bool retryable_;
};

// Receives the body of a 2xx response piece by piece as it arrives, instead of HttpResponse::body,
// so that a large body (a Management Activity API content blob) is never held whole.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // A new attempt starts: what an earlier one delivered is to be forgotten.
  virtual void Restart() = 0;
  // The next piece of the body. False when it cannot be the body expected (not JSON, say): the
  // transfer is abandoned as if the connection had dropped. Must not throw: it runs inside
  // libcurl's C write callback, which no exception may cross.
  virtual bool Append(std::string_view bytes) = 0;
};

// Sends one request, once. Throws TransportError when there is no response.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual HttpResponse Send(const HttpRequest& request) = 0;
  // Like Send, but the body of a 2xx response goes to `stream` as it arrives (the response's
  // own body stays empty); other responses keep theirs. This default receives the body whole
  // and then hands it over, which only transports that can do better override.
  virtual HttpResponse SendStreaming(const HttpRequest& request, BodyStream& stream);
};

// The URL without its query string: what logs and errors may show (a query string can carry
// tokens such as a $skiptoken that mean nothing to a reader).
std::string RedactUrl(std::string_view url);

}  // namespace auditsync
