// HttpTransport over libcurl. TLS peers are always verified against the system store plus the
// optional extra CA bundle; proxies come from the standard HTTPS_PROXY / NO_PROXY variables.
// One instance keeps one connection pool: use one per thread.
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
};

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(CurlOptions options);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  HttpResponse Send(const HttpRequest& request) override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace auditsync
