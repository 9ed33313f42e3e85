// HttpTransport over libcurl. TLS peers are always verified against the system store plus the
// optional extra CA bundle; the proxy is the `proxy` option, else the standard HTTPS_PROXY, and
// NO_PROXY exempts hosts from either. One instance keeps one connection pool: use one per thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "net/http.hpp"

namespace auditsync {

struct CurlOptions {
  std::string extra_ca_file;  // PEM; empty for the system store only
  std::chrono::milliseconds timeout{120000};
  std::chrono::milliseconds connect_timeout{30000};
  // Polled during transfers: when it answers true the transfer is abandoned and Send throws
  // Interrupted (nothing of a half-received response is used).
  std::function<bool()> cancelled;
  // Proxy URL for every request (http://host:port, socks5://...); empty: HTTPS_PROXY, if set.
  std::string proxy;
  // For the managed identity endpoint, which is on the machine itself (IMDS at 169.254.169.254,
  // App Service at localhost): plain http:// is allowed, and no proxy is ever used (a proxy
  // cannot reach the link-local address, and must not see the tokens).
  bool machine_local = false;
};

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(CurlOptions options);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  HttpResponse Send(const HttpRequest& request) override;
  HttpResponse SendStreaming(const HttpRequest& request, BodyStream& stream) override;

 private:
  HttpResponse Perform(const HttpRequest& request, BodyStream* stream);
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace auditsync
