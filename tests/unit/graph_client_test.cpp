#include <gtest/gtest.h>

#include "core/error.hpp"
#include "source/graph/graph_audit_client.hpp"
#include "unit/fake_transport.hpp"

namespace auditsync {
namespace {

using namespace std::chrono_literals;
using testing::FakeTransport;

const Instant kStart = *ParseIso8601("2026-11-10T00:00:00Z");
const Instant kEnd = *ParseIso8601("2026-11-11T00:00:00Z");

class GraphClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_ = testing::MakeFakeHttpClient(transport_, 3);
    client_ = std::make_unique<GraphAuditClient>(
        *http_, credential_,
        GraphOptions{"https://graph.test", "beta", 500, {"LaunchPowerApp"}, {}});
  }
  std::string Listing(const std::string& name, const std::string& start) {
    return R"({"value":[{"id":"other","displayName":null},{"id":"q-1","displayName":")" + name +
           R"(","filterStartDateTime":")" + start +
           R"(","filterEndDateTime":"2026-11-11T00:00:00Z"}]})";
  }

  FakeTransport* transport_ = nullptr;
  testing::NumberedCredential credential_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<GraphAuditClient> client_;
};

TEST_F(GraphClientTest, CreatesAQueryWithTheDocumentedBody) {
  transport_->Queue(201, R"({"id":"q-1","status":"notStarted"})");
  EXPECT_EQ(client_->CreateQuery("auditsync x", kStart, kEnd), "q-1");
  const auto& request = transport_->requests.at(0);
  EXPECT_EQ(request.url, "https://graph.test/beta/security/auditLog/queries");
  EXPECT_EQ(
      request.body,
      R"({"displayName":"auditsync x","filterEndDateTime":"2026-11-11T00:00:00Z",)"
      R"("filterStartDateTime":"2026-11-10T00:00:00Z","operationFilters":["LaunchPowerApp"]})");
}

TEST_F(GraphClientTest, SendsServiceFiltersAsAnArrayWhenSet) {
  GraphAuditClient filtered(
      *http_, credential_,
      GraphOptions{"https://graph.test", "v1.0", 500, {"LaunchPowerApp"}, {"PowerPlatform"}});
  transport_->Queue(201, R"({"id":"q-1"})");
  filtered.CreateQuery("auditsync x", kStart, kEnd);
  EXPECT_NE(transport_->requests.at(0).body.find(R"("serviceFilters":["PowerPlatform"])"),
            std::string::npos)
      << transport_->requests.at(0).body;
  // Without service filters, the field is left out (the CoE sends operations only).
  transport_->Queue(201, R"({"id":"q-2"})");
  client_->CreateQuery("auditsync y", kStart, kEnd);
  EXPECT_EQ(transport_->requests.at(1).body.find("serviceFilters"), std::string::npos);
}

TEST_F(GraphClientTest, ALostReplyIsResolvedByNameAndWindowNotByASecondPost) {
  transport_->QueueDrop();                                                 // the POST: no reply
  transport_->Queue(200, Listing("auditsync x", "2026-11-10T00:00:00Z"));  // found there
  EXPECT_EQ(client_->CreateQuery("auditsync x", kStart, kEnd), "q-1");
  ASSERT_EQ(transport_->requests.size(), 2u);
  EXPECT_EQ(transport_->requests[1].method, "GET");
}

TEST_F(GraphClientTest, AGarbledReplyIsResolvedByName) {
  transport_->Queue(201, R"({"id":"q-)");
  transport_->Queue(200, Listing("auditsync x", "2026-11-10T00:00:00Z"));
  EXPECT_EQ(client_->CreateQuery("auditsync x", kStart, kEnd), "q-1");
  EXPECT_EQ(transport_->requests.size(), 2u);
}

TEST_F(GraphClientTest, ASameNamedQueryOfAnotherWindowIsNotAdopted) {
  transport_->Queue(500, "{}");
  transport_->Queue(200, Listing("auditsync x", "2026-11-09T00:00:00Z"));  // other window
  transport_->Queue(201, R"({"id":"q-2"})");
  EXPECT_EQ(client_->CreateQuery("auditsync x", kStart, kEnd), "q-2");
  EXPECT_EQ(transport_->requests.size(), 3u);
}

TEST_F(GraphClientTest, SignsInAgainOnceAfterA401) {
  transport_->Queue(401, R"({"error":{"code":"InvalidAuthenticationToken"}})");
  transport_->Queue(200, R"({"id":"q-1","status":"running"})");
  EXPECT_EQ(client_->GetQuery("q-1").status, "running");
  EXPECT_EQ(transport_->requests[0].headers.back().second, "Bearer token-1");
  EXPECT_EQ(transport_->requests[1].headers.back().second, "Bearer token-2");
  EXPECT_EQ(credential_.rejected, std::vector<std::string>{"token-1"});  // the token it sent
  transport_->Queue(401, "{}");
  transport_->Queue(401, "{}");
  EXPECT_THROW(client_->GetQuery("q-1"), AuthError);
}

TEST_F(GraphClientTest, ExplainsAMissingPermissionWithTheRequestId) {
  transport_->Queue(403, R"({"error":{"code":"Authorization_RequestDenied","message":null,)"
                         R"("innerError":{"request-id":"req-42"}}})");
  try {
    client_->GetQuery("q-1");
    FAIL();
  } catch (const AuthError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("AuditLogsQuery.Read.All"), std::string::npos) << message;
    EXPECT_NE(message.find("req-42"), std::string::npos) << message;
  }
}

TEST_F(GraphClientTest, NeverSendsTheTokenOutsideGraphUrl) {
  EXPECT_THROW(client_->FetchPage("https://elsewhere.test/beta/records?$skiptoken=x"),
               ServiceError);
  EXPECT_TRUE(transport_->requests.empty());
}

TEST_F(GraphClientTest, ReadsTheRecordCapFlag) {
  transport_->Queue(200, R"({"id":"q-1","status":"succeeded","isRecordCountLimitExceeded":true})");
  const auto status = client_->GetQuery("q-1");
  EXPECT_EQ(status.status, "succeeded");
  EXPECT_TRUE(status.record_limit_exceeded);
}

}  // namespace
}  // namespace auditsync
