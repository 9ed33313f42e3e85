// Sends requests to one service with a bearer token of its scope, for the Graph and the
// Management Activity API clients alike: only to URLs under the service's root (links such as
// @odata.nextLink and NextPageUri come from the server, and the token must go nowhere else), and
// signing in again once after a 401 (a token expired or revoked before its time).
#pragma once

#include <string>

#include "auth/token_credential.hpp"
#include "net/http_client.hpp"

namespace auditsync {

struct BearerService {
  std::string root;     // e.g. https://graph.microsoft.com, no trailing slash
  std::string setting;  // the setting that names the root, for error messages: graph_url
  std::string name;     // for messages: "Graph", "the Management Activity API"
};

// "{action} failed: HTTP {status} {code} ({message}), request id {id}": how both clients start the
// message of a failed call (the parts that are empty are left out).
std::string FailureText(const std::string& action, long status, const std::string& code,
                        const std::string& message, const std::string& request_id);

class BearerClient {
 public:
  // The tokens are for `{root}/.default`.
  BearerClient(HttpClient& http, TokenCredential& credential, BearerService service);

  // Adds `Authorization: Bearer ...` and sends through the HTTP client's retries. Throws
  // ServiceError (ForeignLink) for a URL outside the root, before anything is sent.
  HttpResponse Send(HttpRequest request, const SendOptions& send);

  const std::string& Scope() const { return scope_; }
  const BearerService& Service() const { return service_; }
  HttpClient& Http() { return http_; }

 private:
  HttpClient& http_;
  TokenCredential& credential_;
  BearerService service_;
  std::string scope_;
};

}  // namespace auditsync
