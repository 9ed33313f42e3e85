// Key Vault Get Secret, called the way the server calls it but without HTTP: which tokens open
// it, and the SecretBundle and KeyVaultError shapes.
#include <gtest/gtest.h>

#include <httplib.h>

#include <chrono>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "entra.hpp"
#include "keyvault.hpp"

namespace emulator {
namespace {

// A GET of `path` with the server's route captures, and the handler's response.
struct Exchange {
  explicit Exchange(std::string path, const std::string& token = {}) {
    request.method = "GET";
    request.path = std::move(path);
    request.params.emplace("api-version", "7.4");
    request.set_header("Host", "127.0.0.1:8443");
    if (!token.empty()) request.set_header("Authorization", "Bearer " + token);
    // `matches` points into request.path, which is why an Exchange is never copied.
    static const std::regex kRoute(R"(/secrets/([^/]+)(?:/([^/]+))?)");
    std::regex_match(request.path, request.matches, kRoute);
  }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  [[nodiscard]] nlohmann::json Body() const { return nlohmann::json::parse(response.body); }

  httplib::Request request;
  httplib::Response response;
};

std::chrono::steady_clock::time_point Later() {
  return std::chrono::steady_clock::now() + std::chrono::hours(1);
}

VaultSettings Settings(bool deny = false) {
  return VaultSettings{{{"Db-Password", "hunter2"}}, deny, "tenant", "client", 8443};
}

TEST(TokenTableTest, TokensOpenOnlyTheirAudience) {
  TokenTable tokens;
  tokens.Add("graph", Later());
  tokens.Add("vault", Later(), Audience::kVault);
  EXPECT_EQ(tokens.Check("graph"), TokenState::kValid);
  EXPECT_EQ(tokens.Check("vault"), TokenState::kWrongAudience);
  EXPECT_EQ(tokens.Check("vault", Audience::kVault), TokenState::kValid);
  EXPECT_EQ(tokens.Check("graph", Audience::kVault), TokenState::kWrongAudience);
}

TEST(KeyVaultTest, ServesTheSecretToAVaultToken) {
  TokenTable tokens;
  tokens.Add("vault", Later(), Audience::kVault);
  const KeyVaultService vault(Settings(), tokens);
  Exchange latest("/secrets/db-password", "vault");
  vault.GetSecret(latest.request, latest.response);
  ASSERT_EQ(latest.response.status, 200);
  const auto body = latest.Body();
  EXPECT_EQ(body["value"], "hunter2");
  const std::string version = KeyVaultService::VersionOf("db-password");
  EXPECT_EQ(version.size(), 32U);
  EXPECT_EQ(body["id"], "https://127.0.0.1:8443/secrets/db-password/" + version);
  EXPECT_EQ(body["attributes"]["recoveryLevel"], "Recoverable+Purgeable");

  Exchange pinned("/secrets/DB-PASSWORD/" + version, "vault");
  vault.GetSecret(pinned.request, pinned.response);
  EXPECT_EQ(pinned.response.status, 200);
  Exchange other_version("/secrets/db-password/" + std::string(32, '0'), "vault");
  vault.GetSecret(other_version.request, other_version.response);
  EXPECT_EQ(other_version.response.status, 404);
  EXPECT_EQ(other_version.Body()["error"]["code"], "SecretNotFound");
}

TEST(KeyVaultTest, ChallengesMissingAndForeignTokens) {
  TokenTable tokens;
  tokens.Add("graph", Later());
  const KeyVaultService vault(Settings(), tokens);
  for (const std::string token : {"", "graph", "never-issued"}) {
    Exchange exchange("/secrets/db-password", token);
    vault.GetSecret(exchange.request, exchange.response);
    EXPECT_EQ(exchange.response.status, 401) << token;
    EXPECT_EQ(exchange.Body()["error"]["code"], "Unauthorized");
    EXPECT_EQ(exchange.response.get_header_value("WWW-Authenticate"),
              R"(Bearer authorization="https://127.0.0.1:8443/tenant", )"
              R"(resource="https://vault.azure.net")");
    EXPECT_EQ(exchange.response.body.find("hunter2"), std::string::npos);
  }
}

TEST(KeyVaultTest, DenyAnswersForbiddenEvenForUnknownSecrets) {
  TokenTable tokens;
  tokens.Add("vault", Later(), Audience::kVault);
  const KeyVaultService vault(Settings(true), tokens);
  for (const std::string name : {"db-password", "unknown"}) {
    Exchange exchange("/secrets/" + name, "vault");
    vault.GetSecret(exchange.request, exchange.response);
    EXPECT_EQ(exchange.response.status, 403);
    EXPECT_EQ(exchange.Body()["error"]["code"], "Forbidden");
    EXPECT_EQ(exchange.Body()["error"]["innererror"]["code"], "ForbiddenByRbac");
  }
}

}  // namespace
}  // namespace emulator
