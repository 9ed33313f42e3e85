// Fake Microsoft Entra ID token endpoints for the client-credentials grant (reference §3):
// POST /{tenant}/oauth2/v2.0/token (scope) and POST /{tenant}/oauth2/token (v1, resource).
// Access tokens are JWT-shaped but unsigned; Graph routes validate them by lookup in TokenTable.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <httplib.h>

#include "assertion.hpp"
#include "stats.hpp"

namespace emulator {

// The resources an emulator token can be for: Graph (the emulator's own base URL), Key Vault, or
// the Management Activity API (https://manage.localhost:PORT, management.hpp).
enum class Audience { kGraph, kVault, kManagement };

// Key Vault's token resource (v1 `resource`, v2 scope without `/.default`, and the `aud`).
inline constexpr char kVaultResource[] = "https://vault.azure.net";

enum class TokenState { kValid, kMissing, kUnknown, kExpired, kRevoked, kWrongAudience };

// Issued access tokens and their real validity (a token expires when its expires_in says).
class TokenTable {
 public:
  void Add(const std::string& token, std::chrono::steady_clock::time_point expiry,
           Audience audience = Audience::kGraph, std::vector<std::string> roles = {});
  TokenState Check(std::string_view token, Audience audience = Audience::kGraph) const;
  // The application roles (`roles` claim) of a token; empty for an unknown one.
  std::vector<std::string> Roles(std::string_view token) const;
  // Returns false when the token was not valid to begin with.
  bool Revoke(std::string_view token);

 private:
  struct Entry {
    std::chrono::steady_clock::time_point expiry;
    Audience audience = Audience::kGraph;
    bool revoked = false;
    std::vector<std::string> roles;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> tokens_;
};

// The bearer token of an `Authorization: Bearer ...` header; empty when absent.
std::string BearerToken(const httplib::Request& request);

struct EntraSettings {
  std::string tenant_id;
  std::string tenant_domain;
  std::string client_id;
  std::string client_secret;                  // never logged
  std::optional<std::string> expired_secret;  // answers AADSTS7000222
  std::chrono::seconds token_lifetime{3599};
  int port = 0;
  // Key Vault is served: its scope and resource are accepted (else invalid_scope, as before).
  bool vault = false;
  // X-IDENTITY-HEADER of the App Service endpoint; without it that endpoint does not exist.
  std::optional<std::string> identity_header;  // never logged
  // PEM of the certificate whose key signs client assertions; without it none is accepted.
  std::optional<std::string> client_certificate;
  // A federated identity credential: tokens of that issuer and subject are accepted as client
  // assertions (workload identity). Without it, a federated token matches no record.
  std::optional<FederatedCredential> federated;
  // Management Activity API tokens carry the ActivityFeed.Read role (without it: AF10001).
  bool activity_feed_read = true;
  // Application roles of the Graph tokens it issues (their `roles` claim).
  std::vector<std::string> graph_roles;
};

class EntraService {
 public:
  // Throws std::runtime_error when settings.client_certificate is not a PEM RSA certificate, or
  // the federated issuer key is not an RSA key.
  EntraService(EntraSettings settings, TokenTable& tokens, Stats& stats);

  // Route handlers; request.matches[1] is the {tenant} path segment.
  void TokenV2(const httplib::Request& request, httplib::Response& response);
  void TokenV1(const httplib::Request& request, httplib::Response& response);
  // Managed identity endpoints (the server registers them only with --managed-identity).
  // GET /metadata/identity/oauth2/token (IMDS, `Metadata: true`).
  void ImdsToken(const httplib::Request& request, httplib::Response& response);
  // GET /msi/token (App Service and Container Apps, `X-IDENTITY-HEADER`).
  void AppServiceToken(const httplib::Request& request, httplib::Response& response);

 private:
  struct Issued {
    std::string token;
    std::int64_t now = 0;
    std::int64_t expires = 0;
  };

  void Token(const httplib::Request& request, httplib::Response& response, bool v1);
  // Which audience a v1 resource (or a v2 scope without `/.default`) names, if it is served.
  [[nodiscard]] std::optional<Audience> ResourceAudience(std::string_view resource,
                                                         const std::string& base) const;
  Issued Issue(const std::string& aud, Audience audience);

  EntraSettings settings_;
  // Which AADSTS failure, if any, a client assertion meets.
  std::optional<AssertionFailure> VerifyAssertion(const httplib::Request& request,
                                                  const std::string& assertion);

  std::unique_ptr<AssertionVerifier> assertions_;  // null without a client certificate
  std::unique_ptr<FederatedVerifier> federated_;   // null without a federated credential
  TokenTable& tokens_;
  Stats& stats_;
};

}  // namespace emulator
