// OAuth 2.0 client credentials against Entra's v2.0 token endpoint (reference §3):
// POST {authority}/{tenant}/oauth2/v2.0/token. The application proves who it is with a client
// secret, a certificate's client assertion or a federated token (client_proof.hpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "auth/access_token.hpp"
#include "core/secret.hpp"
#include "net/http_client.hpp"

namespace auditsync {

struct EntraOptions {
  std::string authority;  // e.g. https://login.microsoftonline.com, no trailing slash
  std::string tenant_id;
  std::string client_id;
};

// A form field of a token request that proves the client's identity; its value is secret.
struct ProofField {
  std::string name;
  Secret value;
};

// How the application proves who it is (client_proof.hpp makes one of each kind).
struct ClientProof {
  // The fields for one token request to `token_url` (the audience of a client assertion). Asked
  // for each request: an assertion is new every time, a federated token file may have been
  // rotated.
  std::function<std::vector<ProofField>(const std::string& token_url)> fields;
  // Called when Entra refuses the client secret as invalid or expired (AADSTS7000215, 7000222):
  // forgets a secret kept from its source, so that `fields` reads it again. Returns whether it
  // did (the secret comes from Key Vault, where it may have been rotated); the sign-in is then
  // tried once more. Empty for proofs with nothing to read again.
  std::function<bool()> reread;
};

class EntraTokenSource : public TokenSource {
 public:
  EntraTokenSource(HttpClient& http, EntraOptions options, ClientProof proof,
                   std::function<Instant()> now = NowUtc);

  // Signs in; when Entra refuses a secret that `proof` can read again (rotated in Key Vault),
  // reads it again and signs in once more.
  AccessToken Fetch(std::string_view scope) override;

  // {authority}/{tenant}/oauth2/v2.0/token
  const std::string& TokenUrl() const { return token_url_; }

 private:
  HttpClient& http_;
  EntraOptions options_;
  ClientProof proof_;
  std::function<Instant()> now_;
  // One token request; its body, which holds the proof, is wiped once sent.
  TokenReply Request(std::string_view scope);

  std::string token_url_;
};

// Turns an Entra error response into one sentence with the cause and the fix (AADSTS codes).
std::string ExplainEntraError(long http_status, std::string_view body);

}  // namespace auditsync
