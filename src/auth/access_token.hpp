// An access token as the identity endpoints return it, and the one kind of object that fetches
// them. Every credential kind is a TokenSource; CachedCredential (token_cache.hpp) makes any of
// them a TokenCredential.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"
#include "net/http_client.hpp"

namespace auditsync {

struct AccessToken {
  std::string value;
  Instant expires_on;
};

// Signs in once for `scope` ({resource}/.default). Throws AuthError when the identity platform
// refuses (with the cause and the fix), SignInUnavailable when it cannot be reached.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  virtual AccessToken Fetch(std::string_view scope) = 0;
};

// Reads a token response of Entra (v2: expires_in a number; v1: numbers as strings), IMDS
// (expires_in and expires_on as strings) or App Service (expires_on only). nullopt when the body
// is not such a response (a garbled reply, retried like a dropped connection).
std::optional<AccessToken> ParseAccessToken(std::string_view body, Instant now);

// What a token endpoint answered: the token it issued, or the final response to explain.
struct TokenReply {
  std::optional<AccessToken> token;
  HttpResponse response;
};

// Sends a token request through `http` (with its retries and those `send` adds; a garbled 2xx
// answer is retried like a dropped connection). When no usable answer comes at all, throws
// SignInUnavailable saying that `endpoint` ("the sign-in endpoint") could not be reached, followed
// by `hint` when not empty.
TokenReply RequestToken(HttpClient& http, const HttpRequest& request, SendOptions send,
                        const std::function<Instant()>& now, const std::string& endpoint,
                        const std::string& hint = "");

// The resource a `{resource}/.default` scope names: what the v1-style managed identity endpoints
// take as `resource`.
std::string ScopeResource(std::string_view scope);

}  // namespace auditsync
