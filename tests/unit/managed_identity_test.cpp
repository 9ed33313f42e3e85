// Managed identity tokens from IMDS and from the App Service endpoint: the requests as each
// platform documents them, their answers, and explanations of the usual failures.
#include <gtest/gtest.h>

#include "auth/managed_identity.hpp"
#include "auth/token_credential.hpp"
#include "unit/error_message.hpp"
#include "unit/fake_transport.hpp"

namespace auditsync {
namespace {

using testing::FakeTransport;

class ManagedIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override { http_ = testing::MakeFakeHttpClient(transport_, 3); }

  ManagedIdentitySource Source(ManagedIdentityConfig config) {
    return ManagedIdentitySource(*http_, std::move(config), [this] { return now_; });
  }
  // The message of the AuthError or SignInUnavailable that fetching a token throws.
  std::string Failure(ManagedIdentitySource& source) {
    try {
      source.Fetch(kGraphScope);
    } catch (const ServiceError& error) {
      return error.what();
    }
    ADD_FAILURE() << "no error";
    return "";
  }

  static constexpr const char* kGraphScope = "https://graph.microsoft.com/.default";
  static constexpr const char* kImds = "http://169.254.169.254/metadata/identity/oauth2/token";
  Instant now_ = *ParseIso8601("2026-11-25T12:00:00Z");
  FakeTransport* transport_ = nullptr;
  std::unique_ptr<HttpClient> http_;
};

TEST_F(ManagedIdentityTest, AsksImdsWithTheMetadataHeader) {
  auto source = Source({kImds, Secret(), ""});
  // IMDS sends every number as a string.
  transport_->Queue(200, R"({"access_token":"mi-token","client_id":"c","expires_in":"3599",
      "expires_on":"1795000000","ext_expires_in":"3599","not_before":"1794996400",
      "resource":"https://graph.microsoft.com","token_type":"Bearer"})");
  const auto token = source.Fetch(kGraphScope);
  EXPECT_EQ(token.value, "mi-token");
  EXPECT_EQ(token.expires_on, now_ + std::chrono::seconds(3599));
  const auto& request = transport_->requests.at(0);
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, std::string(kImds) +
                             "?api-version=2018-02-01&resource=https%3A%2F%2Fgraph.microsoft.com");
  EXPECT_EQ(testing::HeaderOf(request, "Metadata"), "true");
  EXPECT_EQ(testing::HeaderOf(request, "X-IDENTITY-HEADER"), "");
}

TEST_F(ManagedIdentityTest, AUserAssignedIdentityIsNamedByItsClientId) {
  auto source = Source({kImds, Secret(), "11111111-2222-3333-4444-555555555555"});
  transport_->Queue(200, R"({"access_token":"t","expires_in":"60"})");
  source.Fetch("https://vault.azure.net/.default");
  EXPECT_EQ(transport_->requests.at(0).url,
            std::string(kImds) +
                "?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net"
                "&client_id=11111111-2222-3333-4444-555555555555");
}

TEST_F(ManagedIdentityTest, AsksTheAppServiceEndpointWithItsHeader) {
  auto source = Source({"http://localhost:42356/msi/token", Secret("header-secret"), ""});
  // 2019-08-01: expires_on only, Unix seconds as a string.
  transport_->Queue(200, R"({"access_token":"app-token","expires_on":"1795000000",
      "resource":"https://graph.microsoft.com","token_type":"Bearer","client_id":"c"})");
  const auto token = source.Fetch(kGraphScope);
  EXPECT_EQ(token.value, "app-token");
  EXPECT_EQ(token.expires_on, Instant(std::chrono::seconds(1795000000)));
  const auto& request = transport_->requests.at(0);
  EXPECT_EQ(request.url,
            "http://localhost:42356/msi/token?api-version=2019-08-01&resource="
            "https%3A%2F%2Fgraph.microsoft.com");
  EXPECT_EQ(testing::HeaderOf(request, "X-IDENTITY-HEADER"), "header-secret");
  EXPECT_EQ(testing::HeaderOf(request, "Metadata"), "");
}

TEST_F(ManagedIdentityTest, FailuresSayWhatToDo) {
  auto imds = Source({kImds, Secret(), ""});
  transport_->Queue(400, R"({"error":"invalid_request","error_description":"Identity not found"})");
  auto message = Failure(imds);
  EXPECT_NE(message.find("no system-assigned managed identity"), std::string::npos) << message;
  EXPECT_NE(message.find("(IMDS)"), std::string::npos) << message;

  auto user_assigned = Source({kImds, Secret(), "1111"});
  transport_->Queue(400, R"({"error":"invalid_request","error_description":"Identity not found"})");
  message = Failure(user_assigned);
  EXPECT_NE(message.find("managed_identity_client_id 1111"), std::string::npos) << message;

  transport_->Queue(
      400,
      R"({"error":"invalid_resource","error_description":"AADSTS500011: The resource principal named https://graph.microsoft.com was not found"})");
  message = Failure(imds);
  EXPECT_NE(message.find("Check graph_url or keyvault_suffix"), std::string::npos) << message;

  auto app = Source({"http://localhost:1/msi/token", Secret("wrong-header"), ""});
  transport_->Queue(401, R"({"statusCode":401,"message":"X-IDENTITY-HEADER does not match"})");
  message = Failure(app);
  EXPECT_EQ(message,
            "managed identity sign-in failed: the managed identity endpoint at "
            "http://localhost:1/msi/token (App Service) refused IDENTITY_HEADER with HTTP 401 "
            "(X-IDENTITY-HEADER does not match): restart the app so that IDENTITY_HEADER is "
            "current.");
  transport_->Queue(404, R"({"statusCode":404,"message":"No identity"})");
  EXPECT_EQ(Failure(app),
            "managed identity sign-in failed: the managed identity endpoint at "
            "http://localhost:1/msi/token (App Service) answered HTTP 404 (No identity): the app "
            "has no managed identity. Turn it on under the app's Identity page, or unset "
            "IDENTITY_ENDPOINT.");
  EXPECT_EQ(transport_->requests.size(), 5u);  // App Service's 404 is not retried

  // Off Azure nothing answers: the sign-in is unavailable, and the message says why.
  for (int i = 0; i < 3; ++i) transport_->QueueDrop();
  try {
    imds.Fetch(kGraphScope);
    FAIL();
  } catch (const SignInUnavailable& error) {
    EXPECT_NE(std::string(error.what()).find("Managed identities exist only on Azure"),
              std::string::npos)
        << error.what();
  }
}

// On a VM the advice is about IMDS, never about App Service's IDENTITY_HEADER.
TEST_F(ManagedIdentityTest, ImdsRefusalsAreExplainedForAVm) {
  auto imds = Source({kImds, Secret(), ""});
  transport_->Queue(403, R"({"error":"forbidden","error_description":"Request blocked"})");
  EXPECT_EQ(Failure(imds),
            "managed identity sign-in failed: the managed identity endpoint at "
            "http://169.254.169.254/metadata/identity/oauth2/token (IMDS) refused the request "
            "with HTTP 403 (Request blocked): IMDS answers only requests made straight from the "
            "VM. Check that no proxy or network filter on this machine intercepts 169.254.169.254 "
            "(auditsync itself never sends these requests through a proxy).");
  EXPECT_EQ(transport_->requests.size(), 1u);
}

// Microsoft: IMDS answers 404 while it updates or while a new identity is not there yet; retry
// with backoff, then explain.
TEST_F(ManagedIdentityTest, ImdsNotFoundIsRetriedWithBackoffThenExplained) {
  std::vector<std::chrono::milliseconds> sleeps;
  auto owned = std::make_unique<FakeTransport>();
  auto& transport = *owned;
  RetryEnvironment environment;
  environment.sleep = [&sleeps](std::chrono::milliseconds delay) { sleeps.push_back(delay); };
  environment.jitter = [] { return 0.0; };
  HttpClient http(std::move(owned),
                  RetryOptions{3, std::chrono::milliseconds(1000), std::chrono::seconds(60)},
                  environment);
  ManagedIdentitySource source(http, {kImds, Secret(), ""}, [this] { return now_; });
  const auto updating = R"({"error":"not_found","error_description":"Identity is updating"})";
  transport.Queue(404, updating);
  transport.Queue(410, "");
  transport.Queue(200, R"({"access_token":"t","expires_in":"3599"})");
  EXPECT_EQ(source.Fetch(kGraphScope).value, "t");
  using std::chrono::milliseconds;
  EXPECT_EQ(sleeps, (std::vector<milliseconds>{milliseconds(500), milliseconds(1000)}));

  sleeps.clear();
  for (int i = 0; i < 5; ++i) transport.Queue(404, updating);
  EXPECT_EQ(testing::ErrorMessage<AuthError>([&] { source.Fetch(kGraphScope); }),
            "managed identity sign-in failed: the managed identity endpoint at "
            "http://169.254.169.254/metadata/identity/oauth2/token (IMDS) still answered HTTP "
            "404 (Identity is updating) after 5 attempts: IMDS says so while it is updating, and "
            "while an identity assigned moments ago is not available yet. Try again in a minute; "
            "if it lasts, check that this is an Azure VM with a managed identity (its Identity "
            "page) and that imds_endpoint is http://169.254.169.254.");
  EXPECT_EQ(transport.requests.size(), 8u);
  EXPECT_EQ(sleeps, (std::vector<milliseconds>{milliseconds(500), milliseconds(1000),
                                               milliseconds(2000), milliseconds(4000)}));
}

TEST_F(ManagedIdentityTest, TransientAnswersAreRetried) {
  auto source = Source({kImds, Secret(), ""});
  transport_->Queue(429, R"({"error":"temporarily_unavailable"})", {{"Retry-After", "0"}});
  transport_->Queue(503, "");
  transport_->Queue(200, R"({"access_token":"t","expires_in":"3599"})");
  EXPECT_EQ(source.Fetch(kGraphScope).value, "t");
  EXPECT_EQ(transport_->requests.size(), 3u);
}

}  // namespace
}  // namespace auditsync
