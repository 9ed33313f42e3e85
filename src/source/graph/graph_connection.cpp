#include "source/graph/graph_connection.hpp"

namespace auditsync {

GraphConnection::GraphConnection(const Config& config, ConnectionHooks hooks)
    : http_(MakeHttpClient(config, hooks, false)),
      credentials_(config, *http_,
                   [&config, &hooks] { return MakeHttpClient(config, hooks, true); }),
      graph_(*http_, credentials_.App(),
             GraphOptions{config.graph_url, config.graph_api_version, config.page_size,
                          config.operations, config.service_filters}),
      users_(*http_, credentials_.App(), config.graph_url, config.graph_api_version) {}

}  // namespace auditsync
