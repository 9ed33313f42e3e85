#include "entra.hpp"

#include <openssl/crypto.h>

#include <fmt/format.h>
#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/time.hpp"
#include "http_util.hpp"
#include "ids.hpp"
#include "management.hpp"

namespace emulator {
namespace {

// Compares secrets in constant time, as a real identity provider would.
bool SecretEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

// `{base}/.default` or `{base}//.default` (the form Entra accepts for resource URIs ending in a
// slash); scheme and host compare case-insensitively.
bool ScopeMatches(std::string_view scope, const std::string& base) {
  return EqualsIgnoreCase(scope, base + "/.default") ||
         EqualsIgnoreCase(scope, base + "//.default");
}

bool ResourceMatches(std::string_view resource, const std::string& base) {
  return EqualsIgnoreCase(resource, base) || EqualsIgnoreCase(resource, base + "/");
}

}  // namespace

void TokenTable::Add(const std::string& token, std::chrono::steady_clock::time_point expiry,
                     Audience audience, std::vector<std::string> roles) {
  std::lock_guard lock(mutex_);
  // Forget long-expired tokens now and then, so a soak test does not grow the table forever.
  if (tokens_.size() > 10000) {
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(tokens_, [&](const auto& item) {
      return item.second.expiry + std::chrono::hours(1) < now;
    });
  }
  tokens_[token] = Entry{expiry, audience, false, std::move(roles)};
}

std::vector<std::string> TokenTable::Roles(std::string_view token) const {
  std::lock_guard lock(mutex_);
  const auto it = tokens_.find(std::string(token));
  return it == tokens_.end() ? std::vector<std::string>{} : it->second.roles;
}

TokenState TokenTable::Check(std::string_view token, Audience audience) const {
  if (token.empty()) return TokenState::kMissing;
  std::lock_guard lock(mutex_);
  const auto it = tokens_.find(std::string(token));
  if (it == tokens_.end()) return TokenState::kUnknown;
  if (it->second.revoked) return TokenState::kRevoked;
  if (std::chrono::steady_clock::now() >= it->second.expiry) return TokenState::kExpired;
  if (it->second.audience != audience) return TokenState::kWrongAudience;
  return TokenState::kValid;
}

bool TokenTable::Revoke(std::string_view token) {
  std::lock_guard lock(mutex_);
  const auto it = tokens_.find(std::string(token));
  if (it == tokens_.end() || it->second.revoked) return false;
  it->second.revoked = true;
  return true;
}

std::string BearerToken(const httplib::Request& request) {
  const std::string header = request.get_header_value("Authorization");
  if (!StartsWithIgnoreCase(header, "Bearer ")) return {};
  std::string_view token(header);
  token.remove_prefix(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return std::string(token);
}

EntraService::EntraService(EntraSettings settings, TokenTable& tokens, Stats& stats)
    : settings_(std::move(settings)), tokens_(tokens), stats_(stats) {
  if (settings_.client_certificate) {
    assertions_ = std::make_unique<AssertionVerifier>(*settings_.client_certificate);
  }
  if (settings_.federated) federated_ = std::make_unique<FederatedVerifier>(*settings_.federated);
}

std::optional<AssertionFailure> EntraService::VerifyAssertion(const httplib::Request& request,
                                                              const std::string& assertion) {
  const std::int64_t now = auditsync::NowUtc().time_since_epoch().count();
  // A certificate's assertion names its certificate in the header; a federated token does not.
  if (IsFederatedToken(assertion)) {
    if (federated_) return federated_->Verify(assertion, now);
    return AssertionFailure{400, "invalid_request", 700211,
                            "No matching federated identity record found for presented "
                            "assertion issuer: the application has no federated credential."};
  }
  if (!assertions_) {
    return AssertionFailure{401, "invalid_client", 700027,
                            "The certificate with identifier used to sign the client assertion "
                            "is not registered on application. [Reason - The key was not found.]"};
  }
  // aud is the token endpoint: either version, the tenant as id or domain.
  const std::string base = BaseUrl(request, settings_.port);
  std::vector<std::string> audiences;
  for (const std::string& name : {settings_.tenant_id, settings_.tenant_domain}) {
    const std::string tenant_url = fmt::format("{}/{}/oauth2", base, name);
    audiences.push_back(tenant_url + "/v2.0/token");
    audiences.push_back(tenant_url + "/token");
  }
  return assertions_->Verify(assertion, settings_.client_id, audiences, now);
}

void EntraService::TokenV2(const httplib::Request& request, httplib::Response& response) {
  Token(request, response, false);
}

void EntraService::TokenV1(const httplib::Request& request, httplib::Response& response) {
  Token(request, response, true);
}

void EntraService::Token(const httplib::Request& request, httplib::Response& response, bool v1) {
  const int port = settings_.port;
  auto fail = [&](int status, std::string_view error, int code, const std::string& message) {
    SendEntraError(request, response, status, error, code, message, port);
  };

  const std::string tenant = request.matches.size() > 1 ? request.matches[1].str() : "";
  if (!EqualsIgnoreCase(tenant, settings_.tenant_id) &&
      !EqualsIgnoreCase(tenant, settings_.tenant_domain)) {
    return fail(400, "invalid_request", 90002,
                "Tenant '" + tenant +
                    "' not found. Check to make sure you have the correct tenant ID and are "
                    "signing into the correct cloud. Check with your subscription administrator, "
                    "this may happen if there are no active subscriptions for the tenant.");
  }

  std::map<std::string, std::string> form;
  if (StartsWithIgnoreCase(request.get_header_value("Content-Type"),
                           "application/x-www-form-urlencoded")) {
    form = ParseForm(request.body);
  }
  // RFC 6749 §2.3.1: the client may authenticate with HTTP Basic instead of form fields.
  const std::string authorization = request.get_header_value("Authorization");
  if (StartsWithIgnoreCase(authorization, "Basic ")) {
    if (const auto decoded = Base64Decode(std::string_view(authorization).substr(6))) {
      const auto colon = decoded->find(':');
      if (colon != std::string::npos) {
        form.try_emplace("client_id", PercentDecode(decoded->substr(0, colon), true));
        form.try_emplace("client_secret", PercentDecode(decoded->substr(colon + 1), true));
      }
    }
  }
  auto missing = [&](const char* name) {
    return fail(
        400, "invalid_request", 900144,
        std::string("The request body must contain the following parameter: '") + name + "'.");
  };

  const auto grant = form.find("grant_type");
  if (grant == form.end()) return missing("grant_type");
  if (grant->second != "client_credentials") {
    return fail(400, "unsupported_grant_type", 70003,
                "The app requested an unsupported grant type '" + grant->second + "'.");
  }

  const auto client = form.find("client_id");
  if (client == form.end() || client->second.empty()) return missing("client_id");
  if (!EqualsIgnoreCase(client->second, settings_.client_id)) {
    return fail(400, "unauthorized_client", 700016,
                "Application with identifier '" + client->second +
                    "' was not found in the directory '" + tenant +
                    "'. This can happen if the application has not been installed by the "
                    "administrator of the tenant or consented to by any user in the tenant. You "
                    "may have sent your authentication request to the wrong tenant.");
  }

  // A client assertion (reference §3.3) replaces the secret; it wins when both are sent.
  const auto assertion = form.find("client_assertion");
  if (assertion != form.end() && !assertion->second.empty()) {
    const auto type = form.find("client_assertion_type");
    if (type == form.end() || type->second.empty()) return missing("client_assertion_type");
    if (type->second != kJwtBearerAssertionType) {
      return fail(400, "invalid_request", 50027,
                  "JWT token is invalid or malformed: unsupported client_assertion_type '" +
                      type->second + "'.");
    }
    if (const auto failure = VerifyAssertion(request, assertion->second)) {
      return fail(failure->status, failure->error, failure->code, failure->message);
    }
  } else {
    const auto secret = form.find("client_secret");
    if (secret == form.end() || secret->second.empty()) {
      return fail(401, "invalid_client", 7000218,
                  "The request body must contain the following parameter: 'client_assertion' or "
                  "'client_secret'.");
    }
    if (settings_.expired_secret && SecretEquals(secret->second, *settings_.expired_secret)) {
      return fail(401, "invalid_client", 7000222,
                  "The provided client secret keys for app '" + settings_.client_id +
                      "' are expired. Visit the Azure portal to create new keys for your app: "
                      "https://aka.ms/NewClientSecret, or consider using certificate credentials "
                      "for added security: https://aka.ms/certCreds.");
    }
    // An empty registered secret (a certificate-only app) matches no secret.
    if (settings_.client_secret.empty() || !SecretEquals(secret->second, settings_.client_secret)) {
      return fail(401, "invalid_client", 7000215,
                  "Invalid client secret provided. Ensure the secret being sent in the request "
                  "is the client secret value, not the client secret ID, for a secret added to "
                  "app '" +
                      settings_.client_id + "'.");
    }
  }

  const std::string base = BaseUrl(request, port);
  std::string aud;
  std::optional<Audience> audience;
  if (v1) {
    const auto resource = form.find("resource");
    if (resource == form.end() || resource->second.empty()) return missing("resource");
    audience = ResourceAudience(resource->second, base);
    if (!audience) {
      return fail(400, "invalid_resource", 500011,
                  "The resource principal named " + resource->second +
                      " was not found in the tenant named " + tenant +
                      ". This can happen if the application has not been installed by the "
                      "administrator of the tenant or consented to by any user in the tenant. "
                      "You might have sent your authentication request to the wrong tenant.");
    }
    aud = resource->second;
  } else {
    const auto scope = form.find("scope");
    if (scope == form.end() || scope->second.empty()) return missing("scope");
    if (ScopeMatches(scope->second, base)) {
      audience = Audience::kGraph;
      aud = base;
    } else if (settings_.vault && ScopeMatches(scope->second, kVaultResource)) {
      audience = Audience::kVault;
      aud = kVaultResource;
    } else if (ScopeMatches(scope->second, ManagementResource(port))) {
      audience = Audience::kManagement;
      aud = ManagementResource(port);
    } else {
      return fail(400, "invalid_scope", 70011,
                  "The provided request must include a 'scope' input parameter. The provided "
                  "value for the input parameter 'scope' is not valid. The scope " +
                      scope->second + " is not valid.");
    }
  }

  const auto lifetime = settings_.token_lifetime;
  const Issued issued = Issue(aud, *audience);
  const std::string& token = issued.token;
  const std::int64_t now = issued.now;
  const std::int64_t expires = issued.expires;

  nlohmann::ordered_json body;
  if (v1) {
    // The v1 endpoint sends its numbers as strings (reference §3.2).
    body = {
        {"token_type", "Bearer"},
        {"expires_in", std::to_string(lifetime.count())},
        {"ext_expires_in", std::to_string(lifetime.count())},
        {"expires_on", std::to_string(expires)},
        {"not_before", std::to_string(now)},
        {"resource", aud},
        {"access_token", token},
    };
  } else {
    body = {
        {"token_type", "Bearer"},
        {"expires_in", lifetime.count()},
        {"ext_expires_in", lifetime.count()},
        {"access_token", token},
    };
  }
  response.status = 200;
  response.set_header("Cache-Control", "no-store, no-cache");
  response.set_header("Pragma", "no-cache");
  response.set_content(body.dump(), kEntraContentType);
}

std::optional<Audience> EntraService::ResourceAudience(std::string_view resource,
                                                       const std::string& base) const {
  if (ResourceMatches(resource, base)) return Audience::kGraph;
  if (settings_.vault && ResourceMatches(resource, kVaultResource)) return Audience::kVault;
  if (ResourceMatches(resource, ManagementResource(settings_.port))) return Audience::kManagement;
  return std::nullopt;
}

EntraService::Issued EntraService::Issue(const std::string& aud, Audience audience) {
  // A JWT-shaped token: header and claims are real JSON, the signature is random bytes.
  const auto lifetime = settings_.token_lifetime;
  Issued issued;
  issued.now = auditsync::NowUtc().time_since_epoch().count();
  issued.expires = issued.now + lifetime.count();
  nlohmann::json claims = {
      {"aud", aud},
      {"iss", "https://sts.windows.net/" + settings_.tenant_id + "/"},
      {"iat", issued.now},
      {"nbf", issued.now},
      {"exp", issued.expires},
      {"appid", settings_.client_id},
      {"appidacr", "1"},
      {"idtyp", "app"},
      {"jti", RandomGuid()},
      {"tid", settings_.tenant_id},
      {"ver", "1.0"},
  };
  // Key Vault authorizes by role assignment, not by an app role in the token.
  std::vector<std::string> roles;
  if (audience == Audience::kGraph) {
    // `--graph-roles ""` is an app without any consented permission: Entra then issues a token
    // without a roles claim.
    std::copy_if(settings_.graph_roles.begin(), settings_.graph_roles.end(),
                 std::back_inserter(roles), [](const std::string& role) { return !role.empty(); });
    if (!roles.empty()) claims["roles"] = roles;
  }
  if (audience == Audience::kManagement) {
    if (settings_.activity_feed_read) roles.emplace_back("ActivityFeed.Read");
    claims["roles"] = roles;
  }
  issued.token = Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
                 Base64UrlEncode(claims.dump()) + "." + RandomBase64Url(32);
  tokens_.Add(issued.token, std::chrono::steady_clock::now() + lifetime, audience,
              std::move(roles));
  stats_.CountTokenIssued();
  return issued;
}

void EntraService::ImdsToken(const httplib::Request& request, httplib::Response& response) {
  // IMDS errors are bare OAuth-style objects, without Entra's trace lines.
  auto fail = [&](int status, std::string_view error, const std::string& description) {
    response.status = status;
    response.set_content(
        nlohmann::ordered_json{{"error", error}, {"error_description", description}}.dump(),
        kEntraContentType);
  };
  if (request.get_header_value("Metadata") != "true") {
    return fail(400, "invalid_request", "Required metadata header not specified");
  }
  if (!request.has_param("api-version")) {
    return fail(400, "invalid_request", "Required query variable 'api-version' is missing");
  }
  const std::string resource = request.get_param_value("resource");
  if (resource.empty()) {
    return fail(400, "invalid_request", "Required query variable 'resource' is missing");
  }
  const auto audience = ResourceAudience(resource, BaseUrl(request, settings_.port));
  if (!audience) {
    return fail(400, "invalid_resource",
                "AADSTS500011: The resource principal named " + resource +
                    " was not found in the tenant named " + settings_.tenant_id + ".");
  }
  const Issued issued = Issue(resource, *audience);
  const std::string lifetime = std::to_string(settings_.token_lifetime.count());
  // IMDS sends every number as a string.
  const nlohmann::ordered_json body = {
      {"access_token", issued.token}, {"client_id", settings_.client_id},
      {"expires_in", lifetime},       {"expires_on", std::to_string(issued.expires)},
      {"ext_expires_in", lifetime},   {"not_before", std::to_string(issued.now)},
      {"resource", resource},         {"token_type", "Bearer"},
  };
  response.status = 200;
  response.set_content(body.dump(), kEntraContentType);
}

void EntraService::AppServiceToken(const httplib::Request& request, httplib::Response& response) {
  auto fail = [&](int status, const std::string& message) {
    response.status = status;
    response.set_content(
        nlohmann::ordered_json{{"statusCode", status}, {"message", message}}.dump(),
        kEntraContentType);
  };
  if (!settings_.identity_header) {
    return fail(404, "No managed identity endpoint on this host");
  }
  const std::string header = request.get_header_value("X-IDENTITY-HEADER");
  if (header.empty()) return fail(400, "Required header X-IDENTITY-HEADER is missing");
  if (!SecretEquals(header, *settings_.identity_header)) {
    return fail(401, "X-IDENTITY-HEADER does not match");
  }
  if (!request.has_param("api-version")) return fail(400, "api-version is missing");
  const std::string resource = request.get_param_value("resource");
  if (resource.empty()) return fail(400, "resource is missing");
  const auto audience = ResourceAudience(resource, BaseUrl(request, settings_.port));
  if (!audience) return fail(400, "Unable to load the proper Managed Identity.");
  const Issued issued = Issue(resource, *audience);
  // 2019-08-01 shape: expires_on (Unix seconds) as a string, and no expires_in.
  const nlohmann::ordered_json body = {
      {"access_token", issued.token},
      {"expires_on", std::to_string(issued.expires)},
      {"resource", resource},
      {"token_type", "Bearer"},
      {"client_id", settings_.client_id},
  };
  response.status = 200;
  response.set_content(body.dump(), kEntraContentType);
}

}  // namespace emulator
