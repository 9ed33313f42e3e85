#include "source/graph/graph_connection.hpp"

#include "net/curl_transport.hpp"

namespace auditsync {
namespace {

std::unique_ptr<HttpTransport> MakeTransport(const Config& config, const ConnectionHooks& hooks) {
  CurlOptions curl;
  curl.extra_ca_file = config.ca_bundle;
  curl.timeout = config.http_timeout;
  curl.cancelled = hooks.cancelled;
  return std::make_unique<CurlTransport>(curl);
}

}  // namespace

GraphConnection::GraphConnection(const Config& config, ConnectionHooks hooks)
    : http_(MakeTransport(config, hooks),
            RetryOptions{config.http_attempts, config.retry_base_delay, config.retry_max_delay},
            RetryEnvironment{.sleep = hooks.sleep}),
      credential_(http_, ClientSecretOptions{config.authority, config.tenant_id, config.client_id,
                                             config.client_secret}),
      graph_(http_, credential_,
             GraphOptions{config.graph_url, config.graph_api_version, config.page_size,
                          config.operations, config.service_filters}) {}

}  // namespace auditsync
