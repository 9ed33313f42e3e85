#include "source/graph/graph_session.hpp"

#include "core/json_fields.hpp"
#include "core/log.hpp"

namespace auditsync {

GraphError ParseGraphError(const nlohmann::json& body, std::string request_id) {
  GraphError parsed;
  parsed.request_id = std::move(request_id);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return parsed;
  const auto& error = body["error"];
  parsed.code = StringField(error, "code");
  parsed.message = StringField(error, "message");
  const nlohmann::json* inner = &error;
  for (int depth = 0; depth < 8 && inner != nullptr; ++depth) {
    for (const char* key : {"request-id", "requestId"}) {
      if (inner->contains(key) && (*inner)[key].is_string() && parsed.request_id.empty()) {
        parsed.request_id = (*inner)[key].get<std::string>();
      }
    }
    const nlohmann::json* next = nullptr;
    for (const char* key : {"innerError", "innererror"}) {
      if (inner->contains(key) && (*inner)[key].is_object()) next = &(*inner)[key];
    }
    inner = next;
  }
  return parsed;
}

GraphError ParseGraphError(const HttpResponse& response) {
  return ParseGraphError(nlohmann::json::parse(response.body, nullptr, false),
                         std::string(response.Header("request-id")));
}

GraphSession::GraphSession(HttpClient& http, TokenCredential& credential, std::string graph_url,
                           const std::string& api_version)
    : http_(http),
      credential_(credential),
      graph_url_(std::move(graph_url)),
      version_root_(graph_url_ + "/" + api_version),
      scope_(graph_url_ + "/.default") {}

HttpResponse GraphSession::Call(HttpRequest request, const SendOptions& send) {
  // Links come from the server (@odata.nextLink); the token goes only to the configured Graph.
  if (!request.url.starts_with(graph_url_ + "/")) {
    throw ServiceError("Graph returned a link outside graph_url (" + RedactUrl(request.url) +
                           "); auditsync does not send its token there. Check graph_url.",
                       {0, "ForeignLink", "", RedactUrl(request.url)});
  }
  request.headers.emplace_back("Accept", "application/json");
  // Evolvable enums: ask Graph for record types newer than this client's metadata.
  request.headers.emplace_back("Prefer", "include-unknown-enum-members");
  const auto authorization_index = request.headers.size();
  request.headers.emplace_back("Authorization", "");
  // A 401 means the token expired or was revoked: sign in again once, then give up.
  for (int attempt = 0;; ++attempt) {
    const auto token = credential_.GetToken(scope_);
    request.headers[authorization_index].second = "Bearer " + token;
    auto response = http_.Send(request, send);
    if (response.status != 401 || attempt == 1) return response;
    spdlog::debug("{} answered 401; signing in again", RedactUrl(request.url));
    credential_.Invalidate(scope_, token);
  }
}

std::string GraphSession::Describe(const HttpRequest& request, const HttpResponse& response,
                                   const std::string& action,
                                   ServiceError::Details& details) const {
  const auto error = ParseGraphError(response);
  details = {response.status, error.code, error.request_id, RedactUrl(request.url)};
  std::string message = action + " failed: HTTP " + std::to_string(response.status) +
                        (error.code.empty() ? "" : " " + error.code) +
                        (error.message.empty() ? "" : " (" + error.message + ")");
  if (!error.request_id.empty()) message += ", request id " + error.request_id;
  return message;
}

}  // namespace auditsync
