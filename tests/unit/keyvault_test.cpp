// Reading the client secret from Key Vault: the request (api-version 7.4, a token for the vault's
// audience), the secret kept in memory after the first read, every refusal explained without
// the secret, and a secret rotated in the vault picked up by the sign-in.
#include <gtest/gtest.h>

#include "auth/client_proof.hpp"
#include "auth/credentials.hpp"
#include "auth/keyvault.hpp"
#include "unit/error_message.hpp"
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
  void Invalidate(std::string_view scope, std::string_view token) override {
    invalidated.push_back(std::string(scope) + " " + std::string(token));
  }
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
  EXPECT_EQ(credential_.invalidated,
            std::vector<std::string>{"https://vault.azure.net/.default vault-token-1"});
  EXPECT_EQ(testing::HeaderOf(transport_->requests[1], "Authorization"), "Bearer vault-token-2");
}

TEST_F(KeyVaultTest, RefusalsNameTheirCauses) {
  // A 403 is asked again twice: a new role assignment takes minutes to reach the vault.
  for (int i = 0; i < 3; ++i) {
    transport_->Queue(403, R"({"error":{"code":"Forbidden","message":"Caller is not authorized",
      "innererror":{"code":"ForbiddenByRbac"}}})");
  }
  auto message = Failure();
  EXPECT_EQ(code_, ExitCode::kAuthentication);
  EXPECT_EQ(message,
            "Key Vault answered HTTP 403 Forbidden/ForbiddenByRbac for secret auditsync of vault "
            "contoso-kv (https://contoso-kv.vault.azure.net) in 3 attempts. Either the "
            "system-assigned managed identity lacks the role Key Vault Secrets User on the vault "
            "(grant it under the vault's Access control (IAM), or a get permission on secrets "
            "with access policies; a role assigned in the last few minutes may not have reached "
            "the vault yet: wait a few minutes and try again), or the vault's firewall does not "
            "admit this network (Networking: allow its address or use a private endpoint).");
  EXPECT_EQ(transport_->requests.size(), 3u);
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

TEST_F(KeyVaultTest, AForbiddenReadRightAfterAGrantSucceedsWhenAskedAgain) {
  transport_->Queue(403, R"({"error":{"code":"Forbidden"}})");
  transport_->Queue(403, R"({"error":{"code":"Forbidden"}})");
  transport_->Queue(200, kBundle);
  EXPECT_EQ(reader_->Get().Reveal(), kSecret);
  EXPECT_EQ(transport_->requests.size(), 3u);
  EXPECT_EQ(credential_.issued, 1);  // the token was fine: no new sign-in
}

TEST_F(KeyVaultTest, ForgetMakesTheNextGetReadTheVaultAgain) {
  transport_->Queue(200, kBundle);
  transport_->Queue(200, R"({"value":"the-rotated-secret"})");
  EXPECT_EQ(reader_->Get().Reveal(), kSecret);
  reader_->Forget();
  EXPECT_EQ(reader_->Get().Reveal(), "the-rotated-secret");
  EXPECT_EQ(reader_->Get().Reveal(), "the-rotated-secret");
  EXPECT_EQ(transport_->requests.size(), 2u);
}

// The whole chain of a secret in Key Vault, as Credentials wires it: IMDS signs in to the vault,
// the vault gives the secret, Entra takes it. When the secret is rotated (the old one deleted, or
// expired), Entra refuses the old one; the secret is read from the vault again once, and the
// sign-in tried again once: a long-running `run` survives the rotation.
class KeyVaultRotationTest : public ::testing::Test {
 protected:
  KeyVaultRotationTest() {
    http_ = testing::MakeFakeHttpClient(transport_, 3);
    transport_->responder = [this](const HttpRequest& request) { return Answer(request); };
    std::string problem;
    config_.tenant_id = "contoso.onmicrosoft.com";
    config_.client_id = "app-id";
    config_.authority = "https://login.example";
    config_.credential = CredentialKind::kSecret;
    config_.client_secret_origin = SecretOrigin::kKeyVault;
    config_.client_secret_keyvault = ParseKeyVaultReference(
        "https://contoso-kv.vault.azure.net/secrets/graph", "vault.azure.net", problem);
    config_.keyvault_credential = CredentialKind::kManagedIdentity;
    config_.keyvault_resource = "https://vault.azure.net";
    config_.managed_identity.endpoint = kImds;
    credentials_ = std::make_unique<Credentials>(config_, *http_, [this] {
      // IMDS goes through the same scripted transport.
      FakeTransport* unused = nullptr;
      auto local = testing::MakeFakeHttpClient(unused, 1);
      unused->responder = [this](const HttpRequest& request) {
        transport_->requests.push_back(request);
        return Answer(request);
      };
      return local;
    });
  }

  HttpResponse Answer(const HttpRequest& request) {
    if (request.url.starts_with(kImds)) {
      return {200, {}, R"({"access_token":"vault-token","expires_in":"3599"})"};
    }
    if (request.url.starts_with("https://contoso-kv.vault.azure.net/")) {
      return {200, {}, R"({"value":")" + vault_secret_ + R"("})"};
    }
    const auto sent = request.body.substr(request.body.find("client_secret=") + 14);
    if (sent == registered_secret_) {
      return {200, {}, R"({"access_token":"graph-)" + sent + R"(","expires_in":3599})"};
    }
    const bool expired = sent == expired_secret_;
    return {401,
            {},
            R"({"error":"invalid_client","error_description":"AADSTS)" +
                std::string(expired ? "7000222" : "7000215") + R"(: refused.","error_codes":[)" +
                (expired ? "7000222" : "7000215") + R"(],"correlation_id":"corr-1"})"};
  }
  // Which services were asked, in order: I (IMDS), V (vault), E (Entra).
  std::string Conversation() const {
    std::string asked;
    for (const auto& request : transport_->requests) {
      asked += request.url.starts_with(kImds)                                   ? 'I'
               : request.url.starts_with("https://contoso-kv.vault.azure.net/") ? 'V'
                                                                                : 'E';
    }
    return asked;
  }

  static constexpr const char* kImds = "http://169.254.169.254/metadata/identity/oauth2/token";
  static constexpr const char* kScope = "https://graph.example/.default";
  FakeTransport* transport_ = nullptr;
  std::unique_ptr<HttpClient> http_;
  Config config_;
  std::unique_ptr<Credentials> credentials_;
  std::string vault_secret_ = "secret-one";
  std::string registered_secret_ = "secret-one";
  std::string expired_secret_;
};

TEST_F(KeyVaultRotationTest, ARotatedSecretIsReadAgainOnceAndTheSignInTriedAgainOnce) {
  auto& graph = credentials_->App();
  EXPECT_EQ(graph.GetToken(kScope), "graph-secret-one");
  EXPECT_EQ(Conversation(), "IVE");
  // Rotation: a new secret in the vault and on the app registration, the old one expired.
  vault_secret_ = registered_secret_ = "secret-two";
  expired_secret_ = "secret-one";
  graph.Invalidate(kScope, "graph-secret-one");  // as after Graph's 401, or a renewal
  EXPECT_EQ(graph.GetToken(kScope), "graph-secret-two");
  EXPECT_EQ(Conversation(),
            "IVE"
            "EVE");  // the vault token is still cached
  // Rotated again, this time with the old secret deleted: AADSTS7000215.
  vault_secret_ = registered_secret_ = "secret-three";
  expired_secret_.clear();
  graph.Invalidate(kScope, "graph-secret-two");
  EXPECT_EQ(graph.GetToken(kScope), "graph-secret-three");
  EXPECT_EQ(Conversation(),
            "IVE"
            "EVE"
            "EVE");
}

TEST_F(KeyVaultRotationTest, ASecretStillRefusedAfterReadingItAgainIsExplained) {
  registered_secret_ = "a-new-secret-not-yet-in-the-vault";
  EXPECT_EQ(testing::ErrorMessage<AuthError>([&] { credentials_->App().GetToken(kScope); }),
            "sign-in failed: Entra rejected the client secret (AADSTS7000215). The usual cause "
            "is the secret's ID given instead of its Value: copy the Value from App "
            "registrations > Certificates & secrets (create a new secret if it is no longer "
            "shown) into the secret's source (client_secret_file, the Key Vault secret of "
            "client_secret_keyvault, or AUDITSYNC_CLIENT_SECRET). (The secret was read again "
            "from Key Vault, and Entra refused that too.) (correlation id corr-1)");
  EXPECT_EQ(Conversation(), "IVEVE");  // once, not again and again
}

TEST(SecretRotation, ASecretNotFromKeyVaultIsNotReadAgain) {
  FakeTransport* transport = nullptr;
  auto http = testing::MakeFakeHttpClient(transport, 3);
  int reads = 0;
  EntraTokenSource source(*http, {"https://login.example", "t", "app-id"}, SecretProof([&reads] {
    ++reads;
    return Secret("from-a-file");
  }));
  transport->Queue(401, R"({"error":"invalid_client","error_codes":[7000222]})");
  EXPECT_THROW(source.Fetch("https://graph.example/.default"), AuthError);
  EXPECT_EQ(reads, 1);
  EXPECT_EQ(transport->requests.size(), 1u);
}

}  // namespace
}  // namespace auditsync
