#include "auth/managed_identity.hpp"

#include <nlohmann/json.hpp>

#include "auth/token_credential.hpp"
#include "core/json_fields.hpp"
#include "core/text.hpp"
#include "net/form_encoding.hpp"

namespace auditsync {
namespace {

// IMDS answers errors as {"error", "error_description"}, App Service as {"statusCode",
// "message"}: the text of either.
std::string ErrorText(std::string_view body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  auto text = StringField(json, "error_description");
  if (text.empty()) text = StringField(json, "message");
  if (text.empty()) text = StringField(json, "error");
  return text.substr(0, text.find_first_of("\r\n"));
}

// Microsoft's guidance for IMDS: 404 (the endpoint is updating, or an identity assigned moments
// ago is not there yet) and 410 (updating) pass, so retry them with backoff. The App Service
// endpoint has no such answers: its 404 means the app has no identity.
constexpr int kImdsAttempts = 5;

std::string Explain(const ManagedIdentityConfig& config, long status, std::string_view body,
                    const std::string& resource) {
  const auto text = ErrorText(body);
  const auto said = text.empty() ? "HTTP " + std::to_string(status)
                                 : "HTTP " + std::to_string(status) + " (" + text + ")";
  const auto where = DescribeManagedIdentity(config);
  if (config.AppService()) {
    if (status == 404) {
      return where + " answered " + said +
             ": the app has no managed identity. Turn it on under the app's Identity page, or "
             "unset IDENTITY_ENDPOINT.";
    }
    if (status == 401 || status == 403) {
      return where + " refused IDENTITY_HEADER with " + said +
             ": restart the app so that IDENTITY_HEADER is current.";
    }
  } else {
    if (status == 404 || status == 410) {
      return where + " still answered " + said + " after " + std::to_string(kImdsAttempts) +
             " attempts: IMDS says so while it is updating, and while an identity assigned "
             "moments ago is not available yet. Try again in a minute; if it lasts, check that "
             "this is an Azure VM with a managed identity (its Identity page) and that "
             "imds_endpoint is http://169.254.169.254.";
    }
    if (status == 401 || status == 403) {
      return where + " refused the request with " + said +
             ": IMDS answers only requests made straight from the VM. Check that no proxy or "
             "network filter on this machine intercepts 169.254.169.254 (auditsync itself never "
             "sends these requests through a proxy).";
    }
  }
  // IMDS's answer when the VM has no identity, or not the one asked for.
  if (text.find("Identity not found") != std::string::npos) {
    return where + " answered " + said + ": " +
           (config.client_id.empty()
                ? "this VM has no system-assigned managed identity. Turn it on under the VM's "
                  "Identity page, or name a user-assigned one in managed_identity_client_id."
                : "no identity with managed_identity_client_id " + config.client_id +
                      " is assigned to this VM. Assign it under the VM's Identity page.");
  }
  if (text.find("resource") != std::string::npos ||
      text.find("AADSTS500011") != std::string::npos) {
    return where + " answered " + said + ": the resource " + resource +
           " is not known there. Check graph_url or keyvault_suffix for the tenant's cloud.";
  }
  return where + " answered " + said + ".";
}

}  // namespace

std::string DescribeManagedIdentity(const ManagedIdentityConfig& config) {
  return "the managed identity endpoint at " + config.endpoint +
         (config.AppService() ? " (App Service)" : " (IMDS)");
}

ManagedIdentitySource::ManagedIdentitySource(HttpClient& http, ManagedIdentityConfig config,
                                             std::function<Instant()> now)
    : http_(http), config_(std::move(config)), now_(std::move(now)) {}

AccessToken ManagedIdentitySource::Fetch(std::string_view scope) {
  const auto resource = ScopeResource(scope);
  HttpRequest request;
  // The api-version each endpoint documents: IMDS 2018-02-01, App Service 2019-08-01.
  request.url = config_.endpoint +
                "?api-version=" + (config_.AppService() ? "2019-08-01" : "2018-02-01") +
                "&resource=" + FormEncode(resource);
  if (!config_.client_id.empty()) request.url += "&client_id=" + FormEncode(config_.client_id);
  request.headers = {{"Accept", "application/json"}};
  if (config_.AppService()) {
    request.headers.emplace_back("X-IDENTITY-HEADER", config_.identity_header.Reveal());
  } else {
    request.headers.emplace_back("Metadata", "true");
  }
  SendOptions send;
  if (!config_.AppService()) {
    send.passing_statuses = {404, 410};
    send.passing_attempts = kImdsAttempts;
  }
  auto [token, response] = RequestToken(
      http_, request, send, now_, DescribeManagedIdentity(config_),
      "Managed identities exist only on Azure (a VM, App Service or Container App with an "
      "identity turned on); elsewhere sign in with a certificate or a workload identity.");
  if (token) return std::move(*token);
  const auto message = "managed identity sign-in failed: " +
                       Explain(config_, response.status, response.body, resource);
  ServiceError::Details details{
      response.status, "", std::string(response.Header("x-ms-request-id")), RedactUrl(request.url)};
  if (response.status >= 400 && response.status < 500) throw AuthError(message, details);
  throw SignInUnavailable(message, details);
}

}  // namespace auditsync
