#include "auth/access_token.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

#include "auth/token_credential.hpp"

namespace auditsync {
namespace {

// A count of seconds sent as a number or as a string of digits.
std::optional<long long> Seconds(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<long long>();
  if (!it->is_string()) return std::nullopt;
  const auto& text = it->get_ref<const std::string&>();
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<AccessToken> ParseAccessToken(std::string_view body, Instant now) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object()) return std::nullopt;
  const auto token = json.find("access_token");
  if (token == json.end() || !token->is_string() || token->get_ref<const std::string&>().empty()) {
    return std::nullopt;
  }
  // expires_in is relative, so a difference between this machine's clock and the server's does
  // not matter; App Service sends only the absolute expires_on. A response with neither is taken
  // as the usual hour.
  Instant expires_on = now + std::chrono::seconds(3599);
  if (const auto in = Seconds(json, "expires_in")) {
    expires_on = now + std::chrono::seconds(*in);
  } else if (const auto on = Seconds(json, "expires_on")) {
    expires_on = Instant(std::chrono::seconds(*on));
  }
  return AccessToken{token->get<std::string>(), expires_on};
}

TokenReply RequestToken(HttpClient& http, const HttpRequest& request, SendOptions send,
                        const std::function<Instant()>& now, const std::string& endpoint,
                        const std::string& hint) {
  TokenReply reply;
  send.accept = [&](const HttpResponse& response) {
    reply.token = ParseAccessToken(response.body, now());
    return reply.token.has_value();
  };
  try {
    reply.response = http.Send(request, send);
  } catch (const TransportError& error) {
    throw SignInUnavailable(
        "cannot reach " + endpoint + ": " + error.what() + (hint.empty() ? "" : " " + hint),
        {0, error.TransportCode(), "", RedactUrl(request.url)});
  } catch (const ServiceError& error) {
    throw SignInUnavailable("sign-in failed: " + std::string(error.what()), error.GetDetails());
  }
  if (reply.response.status / 100 != 2) reply.token.reset();
  return reply;
}

std::string ScopeResource(std::string_view scope) {
  constexpr std::string_view kDefault = "/.default";
  if (scope.ends_with(kDefault)) scope.remove_suffix(kDefault.size());
  return std::string(scope);
}

}  // namespace auditsync
