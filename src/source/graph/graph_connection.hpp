// Everything that talks to Microsoft Graph for one configuration, wired once: the HTTP client
// (TLS trust store, timeouts, retries, stop requests), the sign-in credential and the audit log
// query client. Shared by `sync`, `run` and `check`.
#pragma once

#include <memory>

#include "auth/client_secret_credential.hpp"
#include "core/config.hpp"
#include "net/http_client.hpp"
#include "source/graph/graph_audit_client.hpp"

namespace auditsync {

struct ConnectionHooks {
  std::function<bool()> cancelled;                       // polled during transfers
  std::function<void(std::chrono::milliseconds)> sleep;  // retry waits
};

class GraphConnection {
 public:
  explicit GraphConnection(const Config& config, ConnectionHooks hooks = {});

  TokenCredential& Credential() { return credential_; }
  GraphAuditClient& Graph() { return graph_; }

 private:
  HttpClient http_;
  ClientSecretCredential credential_;
  GraphAuditClient graph_;
};

}  // namespace auditsync
