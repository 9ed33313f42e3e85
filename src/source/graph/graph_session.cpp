#include "source/graph/graph_session.hpp"

#include "core/json_fields.hpp"

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
    : bearer_(http, credential, BearerService{graph_url, "graph_url", "Graph"}),
      version_root_(std::move(graph_url) + "/" + api_version) {}

HttpResponse GraphSession::Call(HttpRequest request, const SendOptions& send) {
  request.headers.emplace_back("Accept", "application/json");
  // Evolvable enums: ask Graph for record types newer than this client's metadata.
  request.headers.emplace_back("Prefer", "include-unknown-enum-members");
  return bearer_.Send(std::move(request), send);
}

std::string GraphSession::Describe(const HttpRequest& request, const HttpResponse& response,
                                   const std::string& action,
                                   ServiceError::Details& details) const {
  const auto error = ParseGraphError(response);
  details = {response.status, error.code, error.request_id, RedactUrl(request.url)};
  return FailureText(action, response.status, error.code, error.message, error.request_id);
}

}  // namespace auditsync
