#include "auth/entra_credential.hpp"

#include <nlohmann/json.hpp>

#include "auth/token_credential.hpp"
#include "core/json_fields.hpp"
#include "core/log.hpp"
#include "net/form_encoding.hpp"

namespace auditsync {
namespace {

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
  constexpr const char* kSecretSource =
      " into the secret's source (client_secret_file, the Key Vault secret of "
      "client_secret_keyvault, or AUDITSYNC_CLIENT_SECRET).";
  switch (error.code) {
    case 7000215:
      return std::string(
                 "Entra rejected the client secret (AADSTS7000215). The usual cause is the "
                 "secret's ID given instead of its Value: copy the Value from App "
                 "registrations > Certificates & secrets (create a new secret if it is no "
                 "longer shown)") +
             kSecretSource;
    case 7000222:
      return std::string(
                 "the client secret has expired (AADSTS7000222). Create a new secret under "
                 "App registrations > Certificates & secrets and put its Value") +
             kSecretSource;
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
             "). Check graph_url (and keyvault_suffix): a scope is {resource}/.default and must "
             "name a resource of the tenant's cloud.";
    case 500011:
      return "the resource was not found in the tenant (AADSTS500011). Check graph_url.";
    case 700027:
      return "Entra did not accept the certificate's client assertion (AADSTS700027): the "
             "certificate is not registered on the app registration, or the key does not match "
             "it. Upload the certificate (its public part) under Certificates & secrets > "
             "Certificates and compare the thumbprint that `auditsync check` shows.";
    case 700024:
      return "the client assertion is outside its valid time (AADSTS700024): this machine's "
             "clock is off (synchronise it), or the federated token has expired (the file of "
             "AZURE_FEDERATED_TOKEN_FILE must be the projected token that the platform renews).";
    case 700021:
      return "the client assertion names another application (AADSTS700021). Check client_id.";
    case 70021:
    case 700211:
    case 700212:
    case 700213:
      return "no federated credential of the app registration matches the federated token "
             "(AADSTS" +
             std::to_string(error.code) +
             "). Under Certificates & secrets > Federated credentials, add one with the token's "
             "issuer and subject (`auditsync check` shows them) and the audience "
             "api://AzureADTokenExchange.";
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

EntraTokenSource::EntraTokenSource(HttpClient& http, EntraOptions options, ClientProof proof,
                                   std::function<Instant()> now)
    : http_(http),
      options_(std::move(options)),
      proof_(std::move(proof)),
      now_(std::move(now)),
      token_url_(options_.authority + "/" + FormEncode(options_.tenant_id) + "/oauth2/v2.0/token") {
}

TokenReply EntraTokenSource::Request(std::string_view scope) {
  HttpRequest request;
  request.method = "POST";
  request.url = token_url_;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  const auto proof = proof_.fields(token_url_);
  // Reserved up front, so that no reallocation frees a buffer holding part of the proof; each
  // byte encodes to at most three.
  size_t size = 64 + 3 * (options_.client_id.size() + scope.size());
  for (const auto& field : proof) size += 2 + field.name.size() + 3 * field.value.Reveal().size();
  request.body.reserve(size);
  request.body = "grant_type=client_credentials&client_id=";
  AppendFormEncoded(request.body, options_.client_id);
  request.body += "&scope=";
  AppendFormEncoded(request.body, scope);
  for (const auto& field : proof) {
    request.body += "&" + field.name + "=";
    AppendFormEncoded(request.body, field.value.Reveal());
  }
  struct WipeBody {
    std::string& body;
    ~WipeBody() { WipeString(body); }
  } wipe{request.body};
  return RequestToken(http_, request, {}, now_, "the sign-in endpoint");
}

AccessToken EntraTokenSource::Fetch(std::string_view scope) {
  bool reread = false;
  for (;;) {
    auto [token, response] = Request(scope);
    if (token) return std::move(*token);
    const auto entra = ParseEntraError(response.body);
    // A secret rotated in Key Vault (the old one deleted or expired): read it again, once.
    if (!reread && (entra.code == 7000215 || entra.code == 7000222) && proof_.reread &&
        proof_.reread()) {
      spdlog::warn(
          "Entra refused the client secret (AADSTS{}); reading it again from Key Vault, "
          "where it may have been rotated",
          entra.code);
      reread = true;
      continue;
    }
    const auto request_id = !entra.correlation_id.empty()
                                ? entra.correlation_id
                                : std::string(response.Header("x-ms-request-id"));
    ServiceError::Details details{response.status, entra.error, request_id, RedactUrl(token_url_)};
    const auto message =
        "sign-in failed: " + ExplainEntraError(response.status, response.body) +
        (reread ? " (The secret was read again from Key Vault, and Entra refused that too.)" : "") +
        (request_id.empty() ? "" : " (correlation id " + request_id + ")");
    if (response.status == 400 || response.status == 401 || response.status == 403) {
      throw AuthError(message, details);
    }
    throw SignInUnavailable(message, details);
  }
}

}  // namespace auditsync
