// What every call to Microsoft Graph shares, whichever API it is for (audit log queries, the
// users of the directory): a BearerClient for graph_url (the token only for URLs under it, one new
// sign-in after a 401), Graph's request headers, and Graph's error bodies (microsoft-apis.md §6.2)
// turned into messages and details.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "auth/token_credential.hpp"
#include "core/error.hpp"
#include "net/http_client.hpp"
#include "source/bearer_client.hpp"

namespace auditsync {

struct GraphError {
  std::string code;
  std::string message;
  std::string request_id;
};

// Graph's `{"error": {"code", "message", "innerError": {...}}}`; innerError objects nest (spelled
// innerError or innererror) and carry the request id as `request-id` or, in older answers,
// `requestId`. `request_id` is the fallback (the response's request-id header). Missing fields
// read as empty.
GraphError ParseGraphError(const nlohmann::json& body, std::string request_id = {});
GraphError ParseGraphError(const HttpResponse& response);

class GraphSession {
 public:
  // `graph_url` without trailing slash (https://graph.microsoft.com); `api_version` v1.0 or beta.
  GraphSession(HttpClient& http, TokenCredential& credential, std::string graph_url,
               const std::string& api_version);

  // Sends `request` with Graph's headers (Accept: application/json, Prefer) through the
  // BearerClient: the token, the HTTP client's retries, one new sign-in after a 401. Throws
  // ServiceError for a URL outside graph_url, which never gets the token.
  HttpResponse Call(HttpRequest request, const SendOptions& send);

  // "{action} failed: HTTP {status} {code} ({message}), request id {id}" and the details of the
  // error, for the caller to add its advice and throw.
  std::string Describe(const HttpRequest& request, const HttpResponse& response,
                       const std::string& action, ServiceError::Details& details) const;

  // `{graph_url}/{api_version}`: where API paths start.
  const std::string& VersionRoot() const { return version_root_; }
  // The scope of the tokens it uses: `{graph_url}/.default`.
  const std::string& Scope() const { return bearer_.Scope(); }
  HttpClient& Http() { return bearer_.Http(); }

 private:
  BearerClient bearer_;
  std::string version_root_;
};

}  // namespace auditsync
