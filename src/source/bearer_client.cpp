#include "source/bearer_client.hpp"

#include "core/cloud.hpp"
#include "core/log.hpp"

namespace auditsync {

std::string FailureText(const std::string& action, long status, const std::string& code,
                        const std::string& message, const std::string& request_id) {
  std::string text = action + " failed: HTTP " + std::to_string(status) +
                     (code.empty() ? "" : " " + code) +
                     (message.empty() ? "" : " (" + message + ")");
  if (!request_id.empty()) text += ", request id " + request_id;
  return text;
}

BearerClient::BearerClient(HttpClient& http, TokenCredential& credential, BearerService service)
    : http_(http),
      credential_(credential),
      service_(std::move(service)),
      scope_(DefaultScope(service_.root)) {}

HttpResponse BearerClient::Send(HttpRequest request, const SendOptions& send) {
  if (!request.url.starts_with(service_.root + "/")) {
    throw ServiceError(service_.name + " returned a link outside " + service_.setting + " (" +
                           RedactUrl(request.url) + "); auditsync does not send its token there. " +
                           "Check " + service_.setting + ".",
                       {0, "ForeignLink", "", RedactUrl(request.url)});
  }
  const auto authorization_index = request.headers.size();
  request.headers.emplace_back("Authorization", "");
  // A 401 means the token expired or was revoked: sign in again once, then give up.
  for (int attempt = 0;; ++attempt) {
    const auto token = credential_.GetToken(scope_);
    request.headers[authorization_index].second = "Bearer " + token;
    auto response = http_.Send(request, send);
    if (response.status != 401 || attempt == 1) return response;
    spdlog::debug("{} answered 401; signing in again", RedactUrl(request.url));
    // Forgets only this token: another caller may have signed in since it was handed out.
    credential_.Invalidate(scope_, token);
  }
}

}  // namespace auditsync
