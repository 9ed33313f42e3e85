#include "source/graph/graph_connection.hpp"

#include <algorithm>

#include "net/curl_transport.hpp"

namespace auditsync {
namespace {

// `machine_local`: for the managed identity endpoint on this machine (plain HTTP, no proxy).
std::unique_ptr<HttpClient> MakeHttpClient(const Config& config, const ConnectionHooks& hooks,
                                           bool machine_local) {
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
  return std::make_unique<HttpClient>(std::make_unique<CurlTransport>(curl), retries, environment);
}

}  // namespace

GraphConnection::GraphConnection(const Config& config, ConnectionHooks hooks)
    : http_(MakeHttpClient(config, hooks, false)),
      credentials_(config, *http_,
                   [&config, &hooks] { return MakeHttpClient(config, hooks, true); }),
      graph_(*http_, credentials_.Graph(),
             GraphOptions{config.graph_url, config.graph_api_version, config.page_size,
                          config.operations, config.service_filters}),
      users_(*http_, credentials_.Graph(), config.graph_url, config.graph_api_version) {}

}  // namespace auditsync
