// Everything that talks to the Office 365 Management Activity API for one configuration, wired
// once: the credentials (their own HTTP client), the request pacer that keeps every call under
// management_requests_per_minute, the client for listings and subscriptions, and a client of its
// own for each thread that downloads blobs. Shared by `sync`, `run`, `subscription` and `check`.
#pragma once

#include <memory>

#include "auth/credentials.hpp"
#include "core/config.hpp"
#include "net/request_pacer.hpp"
#include "source/management/management_client.hpp"
#include "source/service_http.hpp"

namespace auditsync {

ManagementOptions ManagementOptionsFrom(const Config& config);

class ManagementConnection {
 public:
  // Throws ConfigError when a credential cannot be built (an unreadable certificate).
  explicit ManagementConnection(const Config& config, ConnectionHooks hooks = {});

  Credentials& SignIn() { return credentials_; }
  ManagementClient& Client() { return *client_; }

  // A client with connections of its own (one libcurl handle per thread), sharing the
  // credential and the request budget. Its hooks replace the connection's where set: a
  // `cancelled` that also abandons its transfers (Interrupted), a `sleep` for its retry and
  // pacing waits that ends them when its work is cancelled.
  std::unique_ptr<ManagementClient> NewClient(ConnectionHooks hooks);

 private:
  const Config& config_;
  ConnectionHooks hooks_;
  std::unique_ptr<HttpClient> sign_in_http_;  // Entra and Key Vault: not paced
  Credentials credentials_;
  RequestPacer pacer_;
  std::unique_ptr<ManagementClient> client_;
};

}  // namespace auditsync
