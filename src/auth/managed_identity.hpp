// Tokens of the Azure managed identity of the machine auditsync runs on: IMDS on a VM
// (GET {imds}/metadata/identity/oauth2/token, header Metadata: true) or the endpoint App Service
// and Container Apps provide (IDENTITY_ENDPOINT, header X-IDENTITY-HEADER). No secret is stored
// anywhere: the platform vouches for the machine.
#pragma once

#include <functional>

#include "auth/access_token.hpp"
#include "core/config.hpp"
#include "net/http_client.hpp"

namespace auditsync {

class ManagedIdentitySource : public TokenSource {
 public:
  // `http` must allow plain HTTP and no proxy (CurlOptions::machine_local): both endpoints are
  // on the machine itself.
  ManagedIdentitySource(HttpClient& http, ManagedIdentityConfig config,
                        std::function<Instant()> now = NowUtc);

  AccessToken Fetch(std::string_view scope) override;

 private:
  HttpClient& http_;
  ManagedIdentityConfig config_;
  std::function<Instant()> now_;
};

// "the managed identity endpoint at URL (IMDS)" or "... (App Service)": for messages.
std::string DescribeManagedIdentity(const ManagedIdentityConfig& config);

}  // namespace auditsync
