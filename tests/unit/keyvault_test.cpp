// Reading the client secret from Key Vault: the request (api-version 7.4, a token for the vault's
// audience), the secret kept in memory after the first read, and every refusal explained without
// the secret.
#include <gtest/gtest.h>

#include "auth/keyvault.hpp"
#include "unit/fake_transport.hpp"

namespace auditsync {
namespace {

using testing::FakeTransport;

// Hands out numbered tokens and records the scopes asked for and invalidated.
class CountingCredential : public TokenCredential {
 public:
  std::string GetToken(std::string_view scope) override {
    scopes.emplace_back(scope);
    return "vault-token-" + std::to_string(++issued);
  }
  void Invalidate(std::string_view scope) override { invalidated.emplace_back(scope); }
  int issued = 0;
  std::vector<std::string> scopes;
  std::vector<std::string> invalidated;
};

class KeyVaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_ = testing::MakeFakeHttpClient(transport_, 3);
    std::string problem;
    reader_ = std::make_unique<KeyVaultSecretReader>(
        *http_, credential_,
        *ParseKeyVaultReference("https://contoso-kv.vault.azure.net/secrets/auditsync",
                                "vault.azure.net", problem),
        "https://vault.azure.net", "the system-assigned managed identity");
  }
  std::string Failure() {
    try {
      reader_->Get();
    } catch (const Error& error) {
      EXPECT_EQ(std::string(error.what()).find(kSecret), std::string::npos);
      code_ = error.Code();
      return error.what();
    }
    ADD_FAILURE() << "no error";
    return "";
  }

  static constexpr const char* kSecret = "the-graph-client-secret";
  static constexpr const char* kBundle =
      R"({"value":"the-graph-client-secret","id":"https://contoso-kv.vault.azure.net/secrets/auditsync/0123456789abcdef0123456789abcdef","attributes":{"enabled":true}})";
  FakeTransport* transport_ = nullptr;
  std::unique_ptr<HttpClient> http_;
  CountingCredential credential_;
  std::unique_ptr<KeyVaultSecretReader> reader_;
  ExitCode code_ = ExitCode::kSuccess;
};

TEST_F(KeyVaultTest, ReadsTheSecretOnceWithAVaultToken) {
  transport_->Queue(200, kBundle);
  EXPECT_EQ(reader_->Get().Reveal(), kSecret);
  EXPECT_EQ(reader_->Get().Reveal(), kSecret);  // kept in memory: no second request
  ASSERT_EQ(transport_->requests.size(), 1u);
  const auto& request = transport_->requests[0];
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "https://contoso-kv.vault.azure.net/secrets/auditsync?api-version=7.4");
  EXPECT_EQ(testing::HeaderOf(request, "Authorization"), "Bearer vault-token-1");
  EXPECT_EQ(credential_.scopes, std::vector<std::string>{"https://vault.azure.net/.default"});
}

TEST_F(KeyVaultTest, AnExpiredTokenIsRenewedOnce) {
  transport_->Queue(401, R"({"error":{"code":"Unauthorized","message":"AKV10022"}})");
  transport_->Queue(200, kBundle);
  EXPECT_EQ(reader_->Get().Reveal(), kSecret);
  EXPECT_EQ(credential_.invalidated, std::vector<std::string>{"https://vault.azure.net/.default"});
  EXPECT_EQ(testing::HeaderOf(transport_->requests[1], "Authorization"), "Bearer vault-token-2");
}

TEST_F(KeyVaultTest, RefusalsNameTheirCauses) {
  transport_->Queue(403, R"({"error":{"code":"Forbidden","message":"Caller is not authorized",
      "innererror":{"code":"ForbiddenByRbac"}}})");
  auto message = Failure();
  EXPECT_EQ(code_, ExitCode::kAuthentication);
  for (const char* fragment :
       {"HTTP 403 Forbidden/ForbiddenByRbac", "secret auditsync of vault contoso-kv",
        "the system-assigned managed identity lacks the role Key Vault Secrets User", "firewall"}) {
    EXPECT_NE(message.find(fragment), std::string::npos) << fragment << " in " << message;
  }
  transport_->Queue(404, R"({"error":{"code":"SecretNotFound","message":"not found"}})");
  message = Failure();
  EXPECT_EQ(code_, ExitCode::kConfiguration);
  EXPECT_NE(message.find("no such secret"), std::string::npos) << message;
  EXPECT_NE(message.find("client_secret_keyvault"), std::string::npos) << message;
  transport_->Queue(401, R"({"error":{"code":"Unauthorized"}})");
  transport_->Queue(401, R"({"error":{"code":"Unauthorized"}})");
  message = Failure();
  EXPECT_EQ(code_, ExitCode::kAuthentication);
  EXPECT_NE(message.find("does not accept the token"), std::string::npos) << message;
  for (int i = 0; i < 3; ++i) transport_->QueueDrop();
  message = Failure();
  EXPECT_EQ(code_, ExitCode::kService);
  EXPECT_NE(message.find("firewall, private endpoint and DNS"), std::string::npos) << message;
}

}  // namespace
}  // namespace auditsync
