#include <gtest/gtest.h>

#include "auth/client_secret_credential.hpp"
#include "unit/fake_transport.hpp"

namespace auditsync {
namespace {

using namespace std::chrono_literals;
using testing::FakeTransport;

class TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_ = testing::MakeFakeHttpClient(transport_, 3);
    credential_ = std::make_unique<ClientSecretCredential>(
        *http_,
        ClientSecretOptions{"https://login.example", "contoso.onmicrosoft.com", "app-id",
                            Secret("p@ss w0rd&=")},
        [this] { return now_; });
  }
  void QueueToken(const std::string& token, const std::string& expires_in = "3600") {
    transport_->Queue(200, R"({"token_type":"Bearer","expires_in":)" + expires_in +
                               R"(,"access_token":")" + token + R"("})");
  }

  Instant now_ = *ParseIso8601("2026-11-25T12:00:00Z");
  FakeTransport* transport_ = nullptr;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<ClientSecretCredential> credential_;
  const std::string scope_ = "https://graph.example/.default";
};

TEST_F(TokenTest, PostsClientCredentialsToTheV2Endpoint) {
  QueueToken("t1");
  EXPECT_EQ(credential_->GetToken(scope_), "t1");
  ASSERT_EQ(transport_->requests.size(), 1u);
  const auto& request = transport_->requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://login.example/contoso.onmicrosoft.com/oauth2/v2.0/token");
  EXPECT_EQ(request.body,
            "grant_type=client_credentials&client_id=app-id&scope=https%3A%2F%2Fgraph.example%2F."
            "default&client_secret=p%40ss%20w0rd%26%3D");
}

TEST_F(TokenTest, CachesUntilTheRefreshMarginThenRenews) {
  QueueToken("t1");
  QueueToken("t2");
  EXPECT_EQ(credential_->GetToken(scope_), "t1");
  now_ += 50min;
  EXPECT_EQ(credential_->GetToken(scope_), "t1");
  EXPECT_EQ(transport_->requests.size(), 1u);
  now_ += 6min;  // 56 min: inside the 5-minute margin of a 60-minute token
  EXPECT_EQ(credential_->GetToken(scope_), "t2");
  EXPECT_EQ(transport_->requests.size(), 2u);
}

TEST_F(TokenTest, ShortLivedTokensRenewAtHalfLife) {
  QueueToken("t1", "\"60\"");  // v1 sends expires_in as a string
  QueueToken("t2");
  EXPECT_EQ(credential_->GetToken(scope_), "t1");
  now_ += 29s;
  EXPECT_EQ(credential_->GetToken(scope_), "t1");
  now_ += 2s;
  EXPECT_EQ(credential_->GetToken(scope_), "t2");
}

TEST_F(TokenTest, InvalidateForcesANewSignIn) {
  QueueToken("t1");
  QueueToken("t2");
  EXPECT_EQ(credential_->GetToken(scope_), "t1");
  credential_->Invalidate(scope_);
  EXPECT_EQ(credential_->GetToken(scope_), "t2");
}

TEST_F(TokenTest, CachesPerScope) {
  QueueToken("graph");
  QueueToken("vault");
  EXPECT_EQ(credential_->GetToken(scope_), "graph");
  EXPECT_EQ(credential_->GetToken("https://vault.example/.default"), "vault");
  EXPECT_EQ(credential_->GetToken(scope_), "graph");
  EXPECT_EQ(transport_->requests.size(), 2u);
}

std::string EntraError(const std::string& error, long code) {
  return R"({"error":")" + error + R"(","error_description":"AADSTS)" + std::to_string(code) +
         R"(: Something.\r\nTrace ID: 1","error_codes":[)" + std::to_string(code) +
         R"(],"trace_id":"trace","correlation_id":"corr-123"})";
}

TEST_F(TokenTest, ExplainsEveryCommonAadstsError) {
  const std::vector<std::tuple<long, std::string, std::string>> cases = {
      {7000215, "invalid_client", "secret's ID"},
      {7000222, "invalid_client", "expired"},
      {700016, "unauthorized_client", "not found in this tenant"},
      {90002, "invalid_request", "cloud"},
      {70011, "invalid_scope", "graph_url"},
  };
  for (const auto& [code, error, fragment] : cases) {
    transport_->Queue(code == 7000215 ? 401 : 400, EntraError(error, code));
    try {
      credential_->GetToken(scope_);
      FAIL() << code;
    } catch (const AuthError& failure) {
      const std::string message = failure.what();
      EXPECT_NE(message.find(fragment), std::string::npos) << message;
      EXPECT_NE(message.find("corr-123"), std::string::npos) << message;
      EXPECT_EQ(message.find("p@ss"), std::string::npos) << "the secret leaked: " << message;
      EXPECT_EQ(failure.Code(), ExitCode::kAuthentication);
    }
  }
}

}  // namespace
}  // namespace auditsync
