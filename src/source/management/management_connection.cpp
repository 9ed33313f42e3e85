#include "source/management/management_connection.hpp"

namespace auditsync {

ManagementOptions ManagementOptionsFrom(const Config& config) {
  return ManagementOptions{config.management_url, config.tenant_id, config.publisher_identifier,
                           "Audit.General"};
}

ManagementConnection::ManagementConnection(const Config& config, ConnectionHooks hooks)
    : config_(config),
      hooks_(std::move(hooks)),
      sign_in_http_(MakeHttpClient(config, hooks_, false)),
      credentials_(config, *sign_in_http_,
                   [this] { return MakeHttpClient(config_, hooks_, true); }),
      pacer_(config.management_requests_per_minute, PacerEnvironment{.sleep = hooks_.sleep}),
      client_(NewClient(hooks_)) {}

std::unique_ptr<ManagementClient> ManagementConnection::NewClient(ConnectionHooks hooks) {
  if (!hooks.cancelled) hooks.cancelled = hooks_.cancelled;
  if (!hooks.sleep) hooks.sleep = hooks_.sleep;
  return std::make_unique<ManagementClient>(MakeHttpClient(config_, hooks, false, &pacer_),
                                            credentials_.App(), ManagementOptionsFrom(config_));
}

}  // namespace auditsync
