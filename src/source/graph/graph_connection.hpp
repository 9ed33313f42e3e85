// Everything that talks to Microsoft Graph for one configuration, wired once: the HTTP client
// (TLS trust store, proxy, timeouts, retries, stop requests), the credentials and the audit log
// query client, and the directory client of user enrichment. Shared by `sync`, `run` and `check`.
#pragma once

#include <memory>

#include "auth/credentials.hpp"
#include "core/config.hpp"
#include "net/http_client.hpp"
#include "source/graph/graph_audit_client.hpp"
#include "source/graph/graph_user_client.hpp"
#include "source/service_http.hpp"

namespace auditsync {

class GraphConnection {
 public:
  // Throws ConfigError when a credential cannot be built (an unreadable certificate).
  explicit GraphConnection(const Config& config, ConnectionHooks hooks = {});

  Credentials& SignIn() { return credentials_; }
  GraphAuditClient& Graph() { return graph_; }
  GraphUserClient& Users() { return users_; }

 private:
  std::unique_ptr<HttpClient> http_;
  Credentials credentials_;
  GraphAuditClient graph_;
  GraphUserClient users_;
};

}  // namespace auditsync
