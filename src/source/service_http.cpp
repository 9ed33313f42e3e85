#include "source/service_http.hpp"

#include <algorithm>

#include "net/curl_transport.hpp"

namespace auditsync {

std::unique_ptr<HttpClient> MakeHttpClient(const Config& config, const ConnectionHooks& hooks,
                                           bool machine_local, RequestPacer* pacer) {
  CurlOptions curl;
  curl.extra_ca_file = config.ca_bundle;
  curl.timeout = config.http_timeout;
  curl.cancelled = hooks.cancelled;
  curl.proxy = config.proxy;
  curl.machine_local = machine_local;
  RetryOptions retries{config.http_attempts, config.retry_base_delay, config.retry_max_delay};
  if (machine_local) {
    // An endpoint on this machine that does not answer at once is not there (not on Azure):
    // minutes of connect timeouts and backoff would only delay saying so.
    curl.connect_timeout = std::chrono::seconds(2);
    retries.max_attempts = std::min(retries.max_attempts, 3);
  }
  RetryEnvironment environment;
  environment.sleep = hooks.sleep;
  std::unique_ptr<HttpTransport> transport = std::make_unique<CurlTransport>(curl);
  if (pacer != nullptr)
    transport = std::make_unique<PacedTransport>(std::move(transport), *pacer, hooks.sleep);
  return std::make_unique<HttpClient>(std::move(transport), retries, environment);
}

}  // namespace auditsync
