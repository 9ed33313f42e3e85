#include "auth/keyvault.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/cloud.hpp"
#include "core/json_fields.hpp"
#include "core/log.hpp"

namespace auditsync {
namespace {

// The api-version of reference §4.1; every version returns the same SecretBundle.
constexpr const char* kApiVersion = "7.4";

// Attempts at a read the vault forbids (403): a role assignment takes minutes to propagate, so a
// 403 right after the grant is asked again twice, with the HTTP client's short backoff.
constexpr int kForbiddenAttempts = 3;

struct VaultError {
  std::string code;
  std::string message;
};

// Key Vault's error body: {"error":{"code","message","innererror":{"code"}}}.
VaultError ParseVaultError(std::string_view body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object() || !json.contains("error")) return {};
  const auto& error = json["error"];
  auto code = StringField(error, "code");
  if (error.is_object() && error.contains("innererror")) {
    if (const auto inner = StringField(error["innererror"], "code"); !inner.empty()) {
      code += "/" + inner;
    }
  }
  return {code, StringField(error, "message")};
}

}  // namespace

KeyVaultSecretReader::KeyVaultSecretReader(HttpClient& http, TokenCredential& credential,
                                           KeyVaultReference reference, const std::string& resource,
                                           std::string signs_in_with)
    : http_(http),
      credential_(credential),
      reference_(std::move(reference)),
      scope_(DefaultScope(resource)),
      signs_in_with_(std::move(signs_in_with)) {}

Secret KeyVaultSecretReader::Get() {
  std::lock_guard lock(mutex_);
  if (!secret_) secret_ = Read();
  return *secret_;
}

void KeyVaultSecretReader::Forget() {
  std::lock_guard lock(mutex_);
  secret_.reset();  // the Secret wipes its bytes
}

Secret KeyVaultSecretReader::Read() {
  HttpRequest request;
  request.url = reference_.SecretUrl() + "?api-version=" + kApiVersion;
  const auto where = reference_.Describe() + " (" + reference_.VaultUrl() + ")";
  std::optional<Secret> secret;
  SendOptions send;
  // A role assignment takes minutes to reach the vault: a 403 right after a grant passes.
  send.passing_statuses = {403};
  send.passing_attempts = kForbiddenAttempts;
  send.accept = [&secret](const HttpResponse& response) {
    auto json = nlohmann::json::parse(response.body, nullptr, false);
    if (!json.is_object() || !json.contains("value") || !json["value"].is_string()) return false;
    // Moved, not copied: the Secret overwrites the bytes when it goes.
    secret = Secret(std::move(json["value"].get_ref<std::string&>()));
    return true;
  };
  HttpResponse response;
  // A 401 means the token expired or is for another audience: sign in again once, then give up.
  for (int attempt = 0;; ++attempt) {
    const auto token = credential_.GetToken(scope_);
    request.headers = {{"Accept", "application/json"}, {"Authorization", "Bearer " + token}};
    try {
      response = http_.Send(request, send);
    } catch (const TransportError& error) {
      throw SignInUnavailable(
          "cannot reach Key Vault to read the client secret: " + std::string(error.what()) +
              " Check keyvault_suffix and that this network may reach the "
              "vault (its firewall, private endpoint and DNS).",
          {0, error.TransportCode(), "", RedactUrl(request.url)});
    } catch (const ServiceError& error) {
      throw SignInUnavailable(
          "reading the client secret from Key Vault failed: " + std::string(error.what()),
          error.GetDetails());
    }
    if (response.status != 401 || attempt == 1) break;
    spdlog::debug("Key Vault answered 401; signing in to it again");
    credential_.Invalidate(scope_, token);
  }
  if (response.status / 100 == 2 && secret) {
    std::fill(response.body.begin(), response.body.end(), '\0');  // it held the secret too
    return std::move(*secret);
  }
  const auto error = ParseVaultError(response.body);
  ServiceError::Details details{response.status, error.code,
                                std::string(response.Header("x-ms-request-id")),
                                RedactUrl(request.url)};
  const auto answered = "Key Vault answered HTTP " + std::to_string(response.status) +
                        (error.code.empty() ? "" : " " + error.code) + " for " + where;
  switch (response.status) {
    case 401:
      throw AuthError(answered + " twice: it does not accept the token of " + signs_in_with_ +
                          " for " + scope_ +
                          ". Check that the vault is in the tenant's cloud (keyvault_suffix).",
                      details);
    case 403:
      throw AuthError(answered + " in " + std::to_string(kForbiddenAttempts) +
                          " attempts. Either " + signs_in_with_ +
                          " lacks the role Key Vault Secrets User on the vault (grant it under "
                          "the vault's Access control (IAM), or a get permission on secrets with "
                          "access policies; a role assigned in the last few minutes may not have "
                          "reached the vault yet: wait a few minutes and try again), or the "
                          "vault's firewall does not admit this network (Networking: allow its "
                          "address or use a private endpoint).",
                      details);
    case 404:
      throw ConfigError(answered + ": the vault has no such secret" +
                        (reference_.version.empty() ? "" : " version") +
                        ". Check client_secret_keyvault against the vault's Secrets page.");
    default:
      break;
  }
  const auto message = answered + (error.message.empty() ? "" : ": " + error.message) + ".";
  if (response.status >= 500) throw SignInUnavailable(message, details);
  throw AuthError(message, details);
}

}  // namespace auditsync
