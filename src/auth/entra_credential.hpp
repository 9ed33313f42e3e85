// OAuth 2.0 client credentials with a client secret, against Entra's v2.0 token endpoint:
// POST {authority}/{tenant}/oauth2/v2.0/token.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>

#include "auth/token_credential.hpp"
#include "core/secret.hpp"
#include "core/time.hpp"
#include "net/http_client.hpp"

namespace auditsync {

struct ClientSecretOptions {
  std::string authority;  // e.g. https://login.microsoftonline.com, no trailing slash
  std::string tenant_id;
  std::string client_id;
  Secret client_secret;
  // A token is renewed this long before it expires (or at half its life, if that is sooner), so
  // that a page request never starts with a token about to lapse.
  std::chrono::seconds refresh_margin{300};
};

class ClientSecretCredential : public TokenCredential {
 public:
  ClientSecretCredential(HttpClient& http, ClientSecretOptions options,
                         std::function<Instant()> now = NowUtc);

  std::string GetToken(std::string_view scope) override;
  void Invalidate(std::string_view scope) override;

 private:
  struct CachedToken {
    std::string value;
    Instant renew_at;
  };
  CachedToken RequestToken(std::string_view scope);

  HttpClient& http_;
  ClientSecretOptions options_;
  std::function<Instant()> now_;
  // One mutex for the cache and the refresh: concurrent callers wait for one sign-in instead of
  // each starting their own.
  std::mutex mutex_;
  std::map<std::string, CachedToken, std::less<>> cache_;
};

// Turns an Entra error response into one sentence with the cause and the fix (AADSTS codes).
std::string ExplainEntraError(long http_status, std::string_view body);

}  // namespace auditsync
