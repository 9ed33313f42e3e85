#include "source/management/management_client.hpp"

#include <gtest/gtest.h>

#include "source/management/af_errors.hpp"
#include "unit/fake_transport.hpp"

namespace auditsync {
namespace {

using testing::FakeTransport;

constexpr const char* kTenant = "11111111-2222-3333-4444-555555555555";
constexpr const char* kPublisher = "99999999-8888-7777-6666-555555555555";
constexpr const char* kFeed =
    "https://manage.test/api/v1.0/11111111-2222-3333-4444-555555555555/activity/feed";
const Instant kStart = *ParseIso8601("2026-11-10T00:00:00Z");
const Instant kEnd = *ParseIso8601("2026-11-11T00:00:00Z");

std::string Entry(const std::string& id) {
  return R"({"contentType":"Audit.General","contentId":")" + id + R"(","contentUri":")" + kFeed +
         "/audit/" + id +
         R"(","contentCreated":"2026-11-10T01:05:00.000Z","contentExpiration":"2026-11-17T01:05:00.000Z"})";
}

std::string Launch(const std::string& id) {
  return R"({"Id":")" + id +
         R"(","RecordType":45,"CreationTime":"2026-11-10T00:30:00","Operation":"LaunchPowerApp",)"
         R"("Workload":"PowerApps","UserId":"amy@contoso.com","AppName":"app-1"})";
}

constexpr const char* kNoise =
    R"({"Id":"n","RecordType":20,"CreationTime":"2026-11-10T00:30:00","Operation":"ViewReport"})";

// A blob of the launches r0..r9, each followed by a record of another workload when `noise`.
// (Built by appending: GCC 12 warns wrongly about `"r" + std::to_string(i)` here.)
std::string TenLaunches(bool noise) {
  std::string blob = "[";
  for (int i = 0; i < 10; ++i) {
    if (i > 0) blob += ",";
    std::string id = "r";
    id += std::to_string(i);
    blob += Launch(id);
    if (noise) (blob += ",") += kNoise;
  }
  return blob + "]";
}

class ManagementClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_ = testing::MakeFakeHttpClient(transport_, 3);
    client_ = std::make_unique<ManagementClient>(
        *http_, credential_,
        ManagementOptions{"https://manage.test", kTenant, kPublisher, "Audit.General"});
  }
  void ExpectPublisherOnEveryRequest() {
    for (const auto& request : transport_->requests) {
      EXPECT_NE(request.url.find(std::string("PublisherIdentifier=") + kPublisher),
                std::string::npos)
          << request.url;
    }
  }

  FakeTransport* transport_ = nullptr;
  testing::NumberedCredential credential_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<ManagementClient> client_;
};

TEST_F(ManagementClientTest, RefusesToBeBuiltWithoutAPublisher) {
  // Calls without it would share the throttling pool of every tenant: a bug, not a setting.
  try {
    ManagementClient client(*http_, credential_,
                            ManagementOptions{"https://manage.test", kTenant, "", "Audit.General"});
    ADD_FAILURE() << "built without PublisherIdentifier";
  } catch (const Error& error) {
    EXPECT_EQ(error.Code(), ExitCode::kInternal);
    EXPECT_NE(std::string(error.what()).find("PublisherIdentifier"), std::string::npos);
  }
}

TEST_F(ManagementClientTest, ListsContentWithTheDocumentedQueryAndFollowsTheNextPageVerbatim) {
  const auto first = client_->ContentListingUrl(kStart, kEnd);
  EXPECT_EQ(first, std::string(kFeed) +
                       "/subscriptions/content?contentType=Audit.General&startTime=2026-11-10T00:"
                       "00:00&endTime=2026-11-11T00:00:00");
  // The header's URL lacks PublisherIdentifier, as the documented example does: it is added.
  const std::string next = std::string(kFeed) +
                           "/subscriptions/content?contentType=Audit.General&startTime=2026-11-"
                           "10T00:00:00&endTime=2026-11-11T00:00:00&nextPage=abc";
  transport_->Queue(200, "[" + Entry("b1") + "," + Entry("b2") + "]", {{"NextPageUri", next}});
  transport_->Queue(200, "[" + Entry("b3") + "]", {{"nextpageurl", next + "2"}});
  transport_->Queue(200, "[]");
  auto page = client_->ListContent(first);
  ASSERT_EQ(page.blobs.size(), 2u);
  EXPECT_EQ(page.blobs[0].content_id, "b1");
  EXPECT_EQ(page.blobs[0].content_uri, std::string(kFeed) + "/audit/b1");
  EXPECT_EQ(FormatIso8601(page.blobs[0].created), "2026-11-10T01:05:00Z");
  EXPECT_EQ(page.next_page, next);
  page = client_->ListContent(page.next_page);
  EXPECT_EQ(page.next_page, next + "2");  // NextPageUrl, any case, is accepted too
  page = client_->ListContent(page.next_page);
  EXPECT_TRUE(page.next_page.empty());
  ASSERT_EQ(transport_->requests.size(), 3u);
  EXPECT_EQ(transport_->requests[1].url, next + "&PublisherIdentifier=" + kPublisher);
  EXPECT_EQ(testing::HeaderOf(transport_->requests[0], "Authorization"), "Bearer token-1");
  ExpectPublisherOnEveryRequest();
}

TEST_F(ManagementClientTest, RefusesToSendItsTokenOutsideManagementUrl) {
  try {
    client_->ListContent("https://elsewhere.test/api/v1.0/x/activity/feed/subscriptions/content");
    FAIL() << "sent";
  } catch (const ServiceError& error) {
    EXPECT_EQ(error.GetDetails().service_code, "ForeignLink");
    EXPECT_NE(std::string(error.what()).find("management_url"), std::string::npos);
  }
  EXPECT_TRUE(transport_->requests.empty());
}

TEST_F(ManagementClientTest, RetriesAf429WhateverItsStatusAndSignsInAgainAfterA401) {
  transport_->Queue(
      403, R"({"error":{"code":"AF429","message":"Too many requests. Method=ListContent"}})");
  transport_->Queue(429, R"({"error":{"code":"AF429"}})", {{"Retry-After", "0"}});
  transport_->Queue(401, R"({"Message":"Authorization has been denied for this request."})");
  transport_->Queue(200, "[]");
  EXPECT_TRUE(client_->ListContent(client_->ContentListingUrl(kStart, kEnd)).blobs.empty());
  EXPECT_EQ(credential_.issued, 2);
  EXPECT_EQ(testing::HeaderOf(transport_->requests.back(), "Authorization"), "Bearer token-2");
  ExpectPublisherOnEveryRequest();
}

TEST_F(ManagementClientTest, EveryAfCodeIsExplainedWithItsCauseAndFix) {
  ASSERT_GE(AfErrors().size(), 22u);
  for (const auto& af : AfErrors()) {
    if (af.code == "AF20024" || af.code == "AF429") continue;  // not errors / retried (below)
    transport_->Queue(
        af.code == "AF10001" ? 401 : 400,
        R"({"error":{"code":")" + std::string(af.code) + R"(","message":"server says"}})");
    if (af.code == "AF10001") {  // a 401 is signed in again once before it is believed
      transport_->Queue(401, R"({"error":{"code":"AF10001","message":"server says"}})");
    }
    try {
      client_->ListContent(client_->ContentListingUrl(kStart, kEnd));
      ADD_FAILURE() << af.code << " was not an error";
    } catch (const ServiceError& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find(std::string(af.code)), std::string::npos) << message;
      EXPECT_NE(message.find("server says"), std::string::npos) << message;
      EXPECT_NE(message.find(std::string(af.meaning)), std::string::npos) << message;
      EXPECT_NE(message.find(std::string(af.fix)), std::string::npos) << message;
      EXPECT_EQ(error.GetDetails().service_code, af.code);
      EXPECT_EQ(error.Code(), af.exit) << af.code;
      EXPECT_EQ(af.code == "AF20022", dynamic_cast<const SubscriptionMissing*>(&error) != nullptr);
      EXPECT_EQ(af.code == "AF20051", dynamic_cast<const ContentExpired*>(&error) != nullptr);
      EXPECT_EQ(af.exit == ExitCode::kAuthentication,
                dynamic_cast<const AuthError*>(&error) != nullptr);
    }
  }
  // Throttling that outlasts the retries is explained too.
  for (int i = 0; i < 3; ++i) {
    transport_->Queue(403, R"({"error":{"code":"AF429","message":"Too many requests."}})");
  }
  try {
    client_->ListContent(client_->ContentListingUrl(kStart, kEnd));
    ADD_FAILURE() << "AF429 was not an error";
  } catch (const ServiceError& error) {
    EXPECT_NE(std::string(error.what()).find("management_requests_per_minute"), std::string::npos);
    EXPECT_EQ(error.Code(), ExitCode::kService);
  }
}

TEST_F(ManagementClientTest, ExplainsRefusalsWithoutAnAfCode) {
  transport_->Queue(403, "Forbidden");
  EXPECT_THROW(client_->ListSubscriptions(), AuthError);
  transport_->Queue(401, "{}");
  transport_->Queue(401, "{}");
  try {
    client_->ListSubscriptions();
    FAIL();
  } catch (const AuthError& error) {
    EXPECT_NE(std::string(error.what()).find("management_url"), std::string::npos);
  }
}

TEST_F(ManagementClientTest, StartsStopsAndListsTheSubscription) {
  transport_->Queue(200, R"({"contentType":"Audit.General","status":"enabled","webhook":null})");
  auto started = client_->StartSubscription();
  EXPECT_EQ(started.status, "enabled");
  EXPECT_FALSE(started.already_enabled);
  EXPECT_EQ(transport_->requests[0].method, "POST");
  EXPECT_EQ(transport_->requests[0].url, std::string(kFeed) +
                                             "/subscriptions/start?contentType=Audit.General&"
                                             "PublisherIdentifier=" +
                                             kPublisher);
  // Starting one already enabled is harmless.
  transport_->Queue(
      400,
      R"({"error":{"code":"AF20024","message":"The subscription is already enabled. No property change."}})");
  transport_->Queue(200, R"([{"contentType":"Audit.General","status":"enabled","webhook":null}])");
  started = client_->StartSubscription();
  EXPECT_EQ(started.content_type, "Audit.General");
  EXPECT_EQ(started.status, "enabled");
  EXPECT_TRUE(started.already_enabled);
  transport_->Queue(200, "");
  client_->StopSubscription();
  EXPECT_EQ(transport_->requests.back().url, std::string(kFeed) +
                                                 "/subscriptions/stop?contentType=Audit.General&"
                                                 "PublisherIdentifier=" +
                                                 kPublisher);
  transport_->Queue(
      200, R"([{"contentType":"Audit.General","status":"disabled","webhook":{"address":"x"}}])");
  const auto list = client_->ListSubscriptions();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].status, "disabled");
  EXPECT_TRUE(list[0].webhook);
  ExpectPublisherOnEveryRequest();
}

TEST_F(ManagementClientTest, StreamsABlobInBatchesAndRetriesOneCutShort) {
  const auto blob = TenLaunches(/*noise=*/true);
  transport_->Queue(200, blob.substr(0, blob.size() / 2));  // a truncated body
  transport_->Queue(200, blob);
  transport_->piece = 50;
  ContentBlob content{"b1", std::string(kFeed) + "/audit/b1", kStart};
  BlobReader reader({"LaunchPowerApp"});
  std::vector<size_t> batches;
  std::vector<std::string> ids;
  const auto read = client_->FetchBlob(content, reader, 4, [&](RecordPage page) {
    batches.push_back(page.records.size());
    for (const auto& record : page.records) ids.push_back(record.id);
  });
  EXPECT_EQ(read, 20);
  EXPECT_EQ(transport_->requests.size(), 2u);
  // The first attempt delivered what it read before it was cut; the second delivers all again
  // (the store keeps one copy of each).
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.back(), "r9");
  EXPECT_GE(ids.size(), 10u);
  // Handed over four at a time as they arrive, and the rest at the end: never the whole blob.
  ASSERT_GE(batches.size(), 4u);
  for (const auto size : batches) EXPECT_LE(size, 4u);
  ExpectPublisherOnEveryRequest();
}

TEST_F(ManagementClientTest, AFailureWhileReadingABlobNeverCrossesTheTransferAndIsRethrown) {
  const auto blob = TenLaunches(/*noise=*/false);
  transport_->Queue(200, blob);
  transport_->Queue(200, blob);
  transport_->piece = 50;
  BlobReader reader({"LaunchPowerApp"});
  try {
    client_->FetchBlob(ContentBlob{"b1", std::string(kFeed) + "/audit/b1", kStart}, reader, 2,
                       [](RecordPage) { throw StorageError("the store is gone"); });
    ADD_FAILURE() << "the failure was lost";
  } catch (const StorageError& error) {
    EXPECT_STREQ(error.what(), "the store is gone");
  }
  EXPECT_FALSE(transport_->append_threw);
  EXPECT_EQ(transport_->requests.size(), 1u);  // not the connection's fault: no new attempt
}

TEST_F(ManagementClientTest, AnExpiredBlobIsContentExpired) {
  transport_->Queue(
      400,
      R"({"error":{"code":"AF20051","message":"The requested content is older than 7 days."}})");
  BlobReader reader({"LaunchPowerApp"});
  EXPECT_THROW(client_->FetchBlob(ContentBlob{"b1", std::string(kFeed) + "/audit/b1", kStart},
                                  reader, 4, [](RecordPage) {}),
               ContentExpired);
}

}  // namespace
}  // namespace auditsync
