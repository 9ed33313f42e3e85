#include "keyvault.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "http_util.hpp"
#include "ids.hpp"

namespace emulator {
namespace {

// Key Vault names are case-insensitive; the map is keyed by the lower-case name.
std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

// KeyVaultError: {"error":{"code","message"[,"innererror":{"code"}]}}.
void SendVaultError(httplib::Response& response, int status, std::string_view code,
                    const std::string& message, std::string_view inner_code) {
  nlohmann::ordered_json error = {{"code", code}, {"message", message}};
  if (!inner_code.empty()) error["innererror"] = {{"code", inner_code}};
  response.status = status;
  response.set_content(nlohmann::ordered_json{{"error", error}}.dump(), kEntraContentType);
}

KeyVaultService::KeyVaultService(VaultSettings settings, const TokenTable& tokens)
    : settings_(std::move(settings)),
      tokens_(tokens),
      created_(auditsync::NowUtc().time_since_epoch().count()) {
  std::map<std::string, std::string> lowered;
  for (auto& [name, value] : settings_.secrets) lowered[Lower(name)] = std::move(value);
  settings_.secrets = std::move(lowered);
}

std::string KeyVaultService::VersionOf(const std::string& name) {
  const std::uint64_t hash = HashString(Lower(name));
  return fmt::format("{:016x}{:016x}", hash, Hash(hash, 0x6b76));
}

void KeyVaultService::GetSecret(const httplib::Request& request,
                                httplib::Response& response) const {
  response.set_header("x-ms-request-id", RandomGuid());
  response.set_header("x-ms-keyvault-service-version", "1.9.0.0");
  const std::string base = BaseUrl(request, settings_.port);
  if (!request.has_param("api-version")) {
    return SendVaultError(response, 400, "BadParameter",
                          "The request URI contains an invalid version: api-version is missing");
  }

  const TokenState state = tokens_.Check(BearerToken(request), Audience::kVault);
  if (state != TokenState::kValid) {
    // The challenge SDK clients follow: where to get a token, and for which resource.
    response.set_header("WWW-Authenticate",
                        fmt::format(R"(Bearer authorization="{}/{}", resource="{}")", base,
                                    settings_.tenant_id, kVaultResource));
    std::string message = "AKV10000: Request is missing a Bearer or PoP token.";
    if (state == TokenState::kWrongAudience) {
      message = fmt::format("AKV10022: Invalid audience. Expected {}.", kVaultResource);
    } else if (state == TokenState::kExpired || state == TokenState::kRevoked) {
      message = "Token validation failed: the token is expired.";
    } else if (state == TokenState::kUnknown) {
      message = "Token validation failed: the token was not issued by this tenant.";
    }
    return SendVaultError(response, 401, "Unauthorized", message);
  }

  const std::string name = request.matches.size() > 1 ? request.matches[1].str() : "";
  const std::string version = request.matches.size() > 2 ? request.matches[2].str() : "";
  if (settings_.deny) {
    return SendVaultError(
        response, 403, "Forbidden",
        fmt::format("Caller is not authorized to perform action on resource.\r\nIf role "
                    "assignments, deny assignments or role definitions were changed recently, "
                    "please observe propagation time.\r\nCaller: appid={};\r\nAction: "
                    "'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\nResource: "
                    "'secrets/{}'\r\nAssignment: (not found)\r\nDecisionReason: null\r\n",
                    settings_.client_id, Lower(name)),
        "ForbiddenByRbac");
  }

  const auto secret = settings_.secrets.find(Lower(name));
  if (secret == settings_.secrets.end() ||
      (!version.empty() && Lower(version) != VersionOf(name))) {
    const std::string which = version.empty() ? name : name + "/" + version;
    return SendVaultError(
        response, 404, "SecretNotFound",
        "A secret with (name/id) " + which +
            " was not found in this key vault. If you recently deleted this secret you may be "
            "able to recover it using the correct recovery command. For help resolving this "
            "issue, please see https://go.microsoft.com/fwlink/?linkid=2125182");
  }
  const nlohmann::ordered_json body = {
      {"value", secret->second},
      {"id", base + "/secrets/" + secret->first + "/" + VersionOf(name)},
      {"attributes",
       {{"enabled", true},
        {"created", created_},
        {"updated", created_},
        {"recoveryLevel", "Recoverable+Purgeable"},
        {"recoverableDays", 90}}},
      {"tags", nlohmann::ordered_json::object()},
  };
  response.status = 200;
  response.set_header("Cache-Control", "no-cache");
  response.set_content(body.dump(), kEntraContentType);
}

}  // namespace emulator
