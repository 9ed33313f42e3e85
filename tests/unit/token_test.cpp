// The one token cache over the Entra client-credentials source with a client secret: the request,
// caching per scope with its refresh margin, one refresh shared by concurrent callers, and the
// explanations of Entra's errors.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <thread>

#include "auth/client_proof.hpp"
#include "auth/entra_credential.hpp"
#include "auth/token_cache.hpp"
#include "unit/fake_transport.hpp"

namespace auditsync {
namespace {

using namespace std::chrono_literals;
using testing::FakeTransport;

class TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_ = testing::MakeFakeHttpClient(transport_, 3);
    const auto now = [this] { return now_; };
    credential_ = std::make_unique<CachedCredential>(
        std::make_unique<EntraTokenSource>(
            *http_, EntraOptions{"https://login.example", "contoso.onmicrosoft.com", "app-id"},
            SecretProof([] { return Secret("p@ss w0rd&="); }), now),
        CacheOptions{std::chrono::seconds(300), now, {}});
  }
  void QueueToken(const std::string& token, const std::string& expires_in = "3600") {
    transport_->Queue(200, R"({"token_type":"Bearer","expires_in":)" + expires_in +
                               R"(,"access_token":")" + token + R"("})");
  }

  Instant now_ = *ParseIso8601("2026-11-25T12:00:00Z");
  FakeTransport* transport_ = nullptr;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<CachedCredential> credential_;
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

// Invalidate forces a new sign-in, but only for the token that was rejected. Two callers got t1;
// the first one's 401 made it sign in again (t2). The second caller's 401 to t1 arrives late: it
// must not throw t2 away.
TEST_F(TokenTest, InvalidateDropsOnlyTheRejectedToken) {
  QueueToken("t1");
  QueueToken("t2");
  EXPECT_EQ(credential_->GetToken(scope_), "t1");
  credential_->Invalidate(scope_, "t1");
  EXPECT_EQ(credential_->GetToken(scope_), "t2");
  EXPECT_EQ(transport_->requests.size(), 2u);
  credential_->Invalidate(scope_, "t1");  // the other caller's late 401
  EXPECT_EQ(credential_->GetToken(scope_), "t2");
  credential_->Invalidate("https://other.example/.default", "t2");  // another scope's token
  EXPECT_EQ(credential_->GetToken(scope_), "t2");
  EXPECT_EQ(transport_->requests.size(), 2u);
}

// A failed sign-in is not cached: the next call tries again.
TEST_F(TokenTest, AFailedSignInIsTriedAgainByTheNextCall) {
  transport_->Queue(400, R"({"error":"invalid_client","error_codes":[7000215]})");
  EXPECT_THROW(credential_->GetToken(scope_), AuthError);
  QueueToken("t1");
  EXPECT_EQ(credential_->GetToken(scope_), "t1");
  EXPECT_EQ(transport_->requests.size(), 2u);
}

TEST_F(TokenTest, CachesPerScope) {
  QueueToken("graph");
  QueueToken("vault");
  EXPECT_EQ(credential_->GetToken(scope_), "graph");
  EXPECT_EQ(credential_->GetToken("https://vault.example/.default"), "vault");
  EXPECT_EQ(credential_->GetToken(scope_), "graph");
  EXPECT_EQ(transport_->requests.size(), 2u);
}

// A source that counts its sign-ins and can be held inside one, then answers a token or throws.
class HeldSource : public TokenSource {
 public:
  AccessToken Fetch(std::string_view scope) override {
    std::unique_lock lock(mutex_);
    ++fetches;
    entered_ = true;
    signal_.notify_all();
    signal_.wait(lock, [this] { return released_; });
    if (fail) throw AuthError("sign-in failed: refused", {400, "invalid_client", "", ""});
    return {std::string(scope) + "-token", *ParseIso8601("2030-01-01T00:00:00Z")};
  }
  void WaitUntilEntered() {
    std::unique_lock lock(mutex_);
    signal_.wait(lock, [this] { return entered_; });
  }
  void Release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    signal_.notify_all();
  }
  std::atomic<int> fetches{0};
  bool fail = false;

 private:
  std::mutex mutex_;
  std::condition_variable signal_;
  bool entered_ = false;
  bool released_ = false;
};

// Counts the callers that wait for a sign-in in progress, so that a test releases the sign-in
// only once all of them wait for it (no sleeping).
class Waiters {
 public:
  void Arrived() {
    std::lock_guard lock(mutex_);
    ++count_;
    signal_.notify_all();
  }
  void WaitFor(int count) {
    std::unique_lock lock(mutex_);
    signal_.wait(lock, [&] { return count_ >= count; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable signal_;
  int count_ = 0;
};

// Eight callers of one scope while the first signs in: one sign-in, and its outcome for all.
struct SharedSignIn {
  explicit SharedSignIn(bool fail) {
    auto owned = std::make_unique<HeldSource>();
    source = owned.get();
    source->fail = fail;
    CacheOptions options;
    options.now = [] { return *ParseIso8601("2029-01-01T00:00:00Z"); };
    options.on_wait = [this](std::string_view) { waiters.Arrived(); };
    credential = std::make_unique<CachedCredential>(std::move(owned), options);
    std::vector<std::thread> callers;
    callers.emplace_back([this] { Call(0); });
    source->WaitUntilEntered();  // the first caller is signing in; the others queue behind it
    for (size_t i = 1; i < outcomes.size(); ++i) callers.emplace_back([this, i] { Call(i); });
    waiters.WaitFor(static_cast<int>(outcomes.size()) - 1);
    source->Release();
    for (auto& caller : callers) caller.join();
  }
  void Call(size_t i) {
    try {
      outcomes[i] = credential->GetToken("scope-a");
    } catch (const AuthError& error) {
      outcomes[i] = std::string("failed: ") + error.what();
    }
  }

  HeldSource* source = nullptr;
  Waiters waiters;
  std::unique_ptr<CachedCredential> credential;
  std::vector<std::string> outcomes = std::vector<std::string>(8);
};

TEST(TokenCache, ConcurrentCallersShareOneSignIn) {
  SharedSignIn run(false);
  EXPECT_EQ(run.source->fetches, 1);
  EXPECT_EQ(run.outcomes, std::vector<std::string>(8, "scope-a-token"));
}

// The callers that waited for a failing sign-in get its failure, instead of each running the
// sign-in and its retries again.
TEST(TokenCache, CallersThatWaitedForAFailedSignInGetItsFailure) {
  SharedSignIn run(true);
  EXPECT_EQ(run.source->fetches, 1);
  EXPECT_EQ(run.outcomes, std::vector<std::string>(8, "failed: sign-in failed: refused"));
}

TEST(TokenCache, ASignInForOneScopeDoesNotHoldUpAnother) {
  // A source whose sign-in for "slow" blocks until released, and answers "fast" at once.
  class TwoScopes : public TokenSource {
   public:
    AccessToken Fetch(std::string_view scope) override {
      if (scope == "slow") {
        std::unique_lock lock(mutex);
        entered = true;
        signal.notify_all();
        signal.wait(lock, [this] { return released; });
      }
      return {std::string(scope), *ParseIso8601("2030-01-01T00:00:00Z")};
    }
    std::mutex mutex;
    std::condition_variable signal;
    bool entered = false;
    bool released = false;
  };
  auto owned = std::make_unique<TwoScopes>();
  auto& source = *owned;
  CachedCredential credential(std::move(owned));
  std::thread slow([&] { EXPECT_EQ(credential.GetToken("slow"), "slow"); });
  {
    std::unique_lock lock(source.mutex);
    source.signal.wait(lock, [&] { return source.entered; });
  }
  EXPECT_EQ(credential.GetToken("fast"), "fast");  // while "slow" is still signing in
  {
    std::lock_guard lock(source.mutex);
    source.released = true;
  }
  source.signal.notify_all();
  slow.join();
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
      {700027, "invalid_client", "Certificates & secrets > Certificates"},
      {700024, "invalid_client", "clock"},
      {70021, "invalid_request", "api://AzureADTokenExchange"},
      {700213, "invalid_request", "issuer and subject"},
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

namespace auditsync {
namespace {

TEST(AccessToken, ReadsEveryTokenResponseShape) {
  const auto now = *ParseIso8601("2026-11-25T12:00:00Z");
  // Entra v2: expires_in a number.
  auto token =
      ParseAccessToken(R"({"token_type":"Bearer","expires_in":3599,"access_token":"a"})", now);
  ASSERT_TRUE(token);
  EXPECT_EQ(token->value, "a");
  EXPECT_EQ(token->expires_on, now + std::chrono::seconds(3599));
  // v1 and IMDS: numbers as strings; expires_in wins, being immune to clock differences.
  token = ParseAccessToken(R"({"access_token":"b","expires_in":"600","expires_on":"1"})", now);
  EXPECT_EQ(token->expires_on, now + std::chrono::seconds(600));
  // App Service: only the absolute expires_on.
  token = ParseAccessToken(R"({"access_token":"c","expires_on":"1795000000"})", now);
  EXPECT_EQ(token->expires_on, Instant(std::chrono::seconds(1795000000)));
  for (const char* garbled :
       {"", "{", "[]", R"({"expires_in":5})", R"({"access_token":""})", R"({"access_token":7})"}) {
    EXPECT_FALSE(ParseAccessToken(garbled, now).has_value()) << garbled;
  }
  EXPECT_EQ(ScopeResource("https://vault.azure.net/.default"), "https://vault.azure.net");
}

TEST(ClientProof, AFederatedTokenIsReadAgainForEachSignIn) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("auditsync-federated-" + std::to_string(::getpid()));
  const auto proof = FederatedTokenProof(path.string());
  std::ofstream(path) << "first.token.value\n";
  EXPECT_FALSE(proof.reread);  // nothing kept to read again
  auto fields = proof.fields("https://login.example/t/oauth2/v2.0/token");
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].name, "client_assertion_type");
  EXPECT_EQ(fields[0].value.Reveal(), kJwtBearerAssertionType);
  EXPECT_EQ(fields[1].name, "client_assertion");
  EXPECT_EQ(fields[1].value.Reveal(), "first.token.value");
  std::ofstream(path) << "rotated.token.value";  // the platform renewed it
  EXPECT_EQ(proof.fields("u")[1].value.Reveal(), "rotated.token.value");
  std::filesystem::remove(path);
  EXPECT_THROW(proof.fields("u"), ConfigError);
}

}  // namespace
}  // namespace auditsync
