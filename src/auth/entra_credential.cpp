#include "auth/client_secret_credential.hpp"

#include <nlohmann/json.hpp>

#include "core/json_fields.hpp"
#include "core/log.hpp"

namespace auditsync {
namespace {

std::string FormEncode(std::string_view value) {
  std::string encoded;
  for (const unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", c);
      encoded += buffer;
    }
  }
  return encoded;
}

struct EntraError {
  std::string error;
  std::string description;
  long code = 0;
  std::string trace_id;
  std::string correlation_id;
};

EntraError ParseEntraError(std::string_view body) {
  EntraError parsed;
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object()) return parsed;
  parsed.error = StringField(json, "error");
  parsed.description = StringField(json, "error_description");
  parsed.trace_id = StringField(json, "trace_id");
  parsed.correlation_id = StringField(json, "correlation_id");
  if (const auto it = json.find("error_codes");
      it != json.end() && it->is_array() && !it->empty() && (*it)[0].is_number_integer()) {
    parsed.code = (*it)[0].get<long>();
  }
  return parsed;
}

}  // namespace

std::string ExplainEntraError(long http_status, std::string_view body) {
  const auto error = ParseEntraError(body);
  switch (error.code) {
    case 7000215:
      return "Entra rejected the client secret (AADSTS7000215). The usual cause is the secret's "
             "ID given instead of its Value: copy the Value from App registrations > "
             "Certificates & secrets (create a new secret if it is no longer shown) into "
             "client_secret_file.";
    case 7000222:
      return "the client secret has expired (AADSTS7000222). Create a new secret under App "
             "registrations > Certificates & secrets and put its Value in client_secret_file.";
    case 700016:
      return "the app registration was not found in this tenant (AADSTS700016). Check client_id "
             "(the Application (client) ID) and tenant_id, and that the app is registered or "
             "consented in that tenant.";
    case 90002:
      return "the tenant was not found (AADSTS90002). Check tenant_id (a GUID or a domain such as "
             "contoso.onmicrosoft.com) and that `cloud` matches where the tenant lives (a GCC "
             "High tenant needs cloud = gcchigh).";
    case 900023:
      return "tenant_id is not a valid tenant GUID or domain (AADSTS900023). Use the Directory "
             "(tenant) ID shown on the app registration's Overview page.";
    case 70011:
    case 1002012:
      return "Entra rejected the requested scope (AADSTS" + std::to_string(error.code) +
             "). Check graph_url: the scope is {graph_url}/.default and must name the Microsoft "
             "Graph of the tenant's cloud.";
    case 500011:
      return "the resource was not found in the tenant (AADSTS500011). Check graph_url.";
    default:
      break;
  }
  if (error.error.empty()) {
    if (http_status >= 500) {
      return "the token endpoint answered HTTP " + std::to_string(http_status) +
             " after every retry; the identity platform is unavailable. Try again later.";
    }
    return "the token endpoint answered HTTP " + std::to_string(http_status) +
           " without an OAuth error. Check `authority` (e.g. https://login.microsoftonline.com).";
  }
  const auto first_line = error.description.substr(0, error.description.find_first_of("\r\n"));
  return "Entra refused the sign-in: " + error.error +
         (first_line.empty() ? std::string() : " (" + first_line + ")") + ".";
}

ClientSecretCredential::ClientSecretCredential(HttpClient& http, ClientSecretOptions options,
                                               std::function<Instant()> now)
    : http_(http), options_(std::move(options)), now_(std::move(now)) {}

std::string ClientSecretCredential::GetToken(std::string_view scope) {
  std::lock_guard lock(mutex_);
  const auto it = cache_.find(scope);
  if (it != cache_.end() && now_() < it->second.renew_at) return it->second.value;
  auto token = RequestToken(scope);
  auto value = token.value;
  cache_.insert_or_assign(std::string(scope), std::move(token));
  return value;
}

void ClientSecretCredential::Invalidate(std::string_view scope) {
  std::lock_guard lock(mutex_);
  if (const auto it = cache_.find(scope); it != cache_.end()) cache_.erase(it);
}

ClientSecretCredential::CachedToken ClientSecretCredential::RequestToken(std::string_view scope) {
  HttpRequest request;
  request.method = "POST";
  request.url = options_.authority + "/" + FormEncode(options_.tenant_id) + "/oauth2/v2.0/token";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = "grant_type=client_credentials&client_id=" + FormEncode(options_.client_id) +
                 "&scope=" + FormEncode(scope) +
                 "&client_secret=" + FormEncode(options_.client_secret.Reveal());
  nlohmann::json json;
  SendOptions send;
  send.accept = [&json](const HttpResponse& response) {
    json = nlohmann::json::parse(response.body, nullptr, false);
    return json.is_object() && json.contains("access_token") && json["access_token"].is_string();
  };
  HttpResponse response;
  try {
    response = http_.Send(request, send);
  } catch (const TransportError& error) {
    throw SignInUnavailable("cannot reach the sign-in endpoint: " + std::string(error.what()),
                            {0, error.TransportCode(), "", RedactUrl(request.url)});
  } catch (const ServiceError& error) {
    throw SignInUnavailable("sign-in failed: " + std::string(error.what()), error.GetDetails());
  }
  if (response.status != 200) {
    const auto entra = ParseEntraError(response.body);
    const auto request_id = !entra.correlation_id.empty()
                                ? entra.correlation_id
                                : std::string(response.Header("x-ms-request-id"));
    ServiceError::Details details{response.status, entra.error, request_id, RedactUrl(request.url)};
    const auto message = "sign-in failed: " + ExplainEntraError(response.status, response.body) +
                         (request_id.empty() ? "" : " (correlation id " + request_id + ")");
    if (response.status == 400 || response.status == 401 || response.status == 403) {
      throw AuthError(message, details);
    }
    throw SignInUnavailable(message, details);
  }
  // v2 sends expires_in as a number, v1 as a string; accept both.
  long long lifetime = 3599;
  if (const auto it = json.find("expires_in"); it != json.end()) {
    if (it->is_number_integer()) {
      lifetime = it->get<long long>();
    } else if (it->is_string()) {
      lifetime = std::atoll(it->get<std::string>().c_str());
    }
  }
  const auto life = std::chrono::seconds(std::max(1LL, lifetime));
  const auto margin = std::min(options_.refresh_margin, life / 2);
  spdlog::debug("signed in for {} (token valid {} s)", scope, life.count());
  return CachedToken{json["access_token"].get<std::string>(), now_() + life - margin};
}

}  // namespace auditsync
