#include "sync/user_enrichment.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/stop.hpp"
#include "unit/fake_transport.hpp"
#include "unit/store_backends.hpp"
#include "unit/store_support.hpp"

namespace auditsync {
namespace {

using testing::FakeTransport;

using testing::At;

class FixedCredential : public TokenCredential {
 public:
  std::string GetToken(std::string_view) override { return "token"; }
  void Invalidate(std::string_view, std::string_view) override {}
};

// A directory behind $batch: every user exists but "gone@contoso.com"; `status` overrides all.
HttpResponse Directory(const HttpRequest& request, int status = 200) {
  nlohmann::json responses = nlohmann::json::array();
  const auto batch = nlohmann::json::parse(request.body);
  for (const auto& item : batch["requests"]) {
    const std::string url = item["url"];
    const bool gone = url.find("/users/gone@") == 0;
    const int item_status = status != 200 ? status : gone ? 404 : 200;
    nlohmann::json body = {{"displayName", url.substr(7, url.find('@') - 7)},
                           {"department", "Sales"}};
    if (item_status != 200) body = {{"error", {{"code", "Authorization_RequestDenied"}}}};
    responses.push_back({{"id", item["id"]}, {"status", item_status}, {"body", body}});
  }
  return {200, {}, nlohmann::json{{"responses", responses}}.dump()};
}

// Enrichment on each backend: the users table and its profiles are the store's.
class UserEnrichmentTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    http_ = testing::MakeFakeHttpClient(transport_, 2);
    users_ = std::make_unique<GraphUserClient>(*http_, credential_, "https://graph.test", "v1.0");
    auto window = store_->PlanWindow(ScanKind::kInitial, At("2026-11-01"), At("2026-11-02"),
                                     At("2026-11-03"));
    RecordPage page;
    for (int i = 0; i < 25; ++i) {
      const auto number = std::to_string(i);
      page.records.push_back(testing::Launch("r" + number, "2026-11-01T10:00:00Z", "app-a",
                                             "user" + number + "@contoso.com"));
      page.records.back().created += std::chrono::seconds(i);
    }
    page.records[0].user_upn = "gone@contoso.com";
    store_->CommitPage(window, page);
  }

  EnrichmentSummary Enrich(const char* now, EnrichmentOptions options = {}) {
    SyncClock clock;
    clock.now = [now] { return At(now); };
    return EnrichUsers(*store_, *users_, options, clock);
  }

  FakeTransport* transport_ = nullptr;
  FixedCredential credential_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<GraphUserClient> users_;
};

AUDITSYNC_ON_EVERY_BACKEND(UserEnrichmentTest);

TEST_P(UserEnrichmentTest, ReadsMissingProfilesOnceUntilTheyAreStale) {
  transport_->responder = [](const HttpRequest& request) { return Directory(request); };
  auto summary = Enrich("2026-11-02T00:00:00Z");
  EXPECT_EQ(summary.found, 24);
  EXPECT_EQ(summary.not_found, 1);
  EXPECT_EQ(summary.unread, 0);
  EXPECT_EQ(summary.problem, "");
  EXPECT_EQ(transport_->requests.size(), 2u);  // 25 users: 20 + 5
  const auto users = store_->QueryUserUsage({});
  ASSERT_EQ(users.size(), 25u);
  for (const auto& user : users) {
    if (user.user_upn == "gone@contoso.com") {
      EXPECT_EQ(user.display_name, std::nullopt);
    } else {
      EXPECT_EQ(user.display_name, user.user_upn.substr(0, user.user_upn.find('@')));
      EXPECT_EQ(user.department, "Sales");
    }
  }
  // Within the refresh age nobody is asked again, not even the user Graph did not find.
  summary = Enrich("2026-11-08T23:59:59Z");
  EXPECT_EQ(summary.found + summary.not_found, 0);
  EXPECT_EQ(transport_->requests.size(), 2u);
  summary = Enrich("2026-11-09T00:00:01Z");
  EXPECT_EQ(summary.found, 24);
  EXPECT_EQ(transport_->requests.size(), 4u);
}

// A user Graph refuses for good (400: a key it cannot read) is not first in line again at every
// sync: it is read without a profile, as a 404 is.
TEST_P(UserEnrichmentTest, UsersRefusedForGoodAreNotAskedAgainUntilStale) {
  transport_->responder = [](const HttpRequest& request) { return Directory(request, 400); };
  auto summary = Enrich("2026-11-02T00:00:00Z");
  EXPECT_EQ(summary.not_found, 25);
  EXPECT_EQ(summary.unread, 0);
  EXPECT_EQ(transport_->requests.size(), 2u);
  summary = Enrich("2026-11-03T00:00:00Z");
  EXPECT_EQ(summary.found + summary.not_found + summary.unread, 0);
  EXPECT_EQ(transport_->requests.size(), 2u);
}

TEST_P(UserEnrichmentTest, A403StopsEnrichmentWithTheReasonAndStoresNothing) {
  transport_->responder = [](const HttpRequest& request) { return Directory(request, 403); };
  const auto summary = Enrich("2026-11-02T00:00:00Z");
  EXPECT_TRUE(summary.denied);
  EXPECT_NE(summary.problem.find("User.Read.All"), std::string::npos);
  EXPECT_EQ(transport_->requests.size(), 1u);  // not one batch more
  EXPECT_EQ(store_->UsersToEnrich(At("2026-11-02T00:00:00Z"), 100).size(), 25u);
}

TEST_P(UserEnrichmentTest, AnOutageEndsEnrichmentWithoutAnException) {
  transport_->responder = [](const HttpRequest&) -> HttpResponse {
    throw TransportError("connection dropped", "CURLE_RECV_ERROR");
  };
  const auto summary = Enrich("2026-11-02T00:00:00Z");
  EXPECT_FALSE(summary.denied);
  EXPECT_NE(summary.problem.find("connection dropped"), std::string::npos);
  EXPECT_EQ(transport_->requests.size(), 2u);  // http_attempts, for the first batch only
}

TEST_P(UserEnrichmentTest, ARunReadsAtMostMaxUsersAndSaysMoreAreLeft) {
  transport_->responder = [](const HttpRequest& request) { return Directory(request); };
  EnrichmentOptions options;
  options.max_users = 10;
  auto summary = Enrich("2026-11-02T00:00:00Z", options);
  EXPECT_TRUE(summary.more_left);
  EXPECT_EQ(summary.found + summary.not_found, 10);
  summary = Enrich("2026-11-02T00:00:00Z");
  EXPECT_FALSE(summary.more_left);
  EXPECT_EQ(summary.found + summary.not_found, 15);
}

TEST_P(UserEnrichmentTest, AStopRequestEndsBetweenBatches) {
  transport_->responder = [](const HttpRequest& request) { return Directory(request); };
  SyncClock clock;
  clock.now = [] { return At("2026-11-02T00:00:00Z"); };
  int polls = 0;
  clock.stop_requested = [&polls] { return ++polls > 1; };
  EXPECT_THROW(EnrichUsers(*store_, *users_, {}, clock), Interrupted);
  EXPECT_EQ(transport_->requests.size(), 1u);
  EXPECT_EQ(store_->UsersToEnrich(At("2026-11-02T00:00:00Z"), 100).size(), 5u);
}

TEST_P(UserEnrichmentTest, ATransferCutShortByAStopIsAnInterruptionNotAProblem) {
  bool stop = false;
  transport_->responder = [&stop](const HttpRequest&) -> HttpResponse {
    stop = true;  // as a SIGTERM arriving mid-transfer, which curl then abandons
    throw TransportError("transfer cancelled", "CURLE_ABORTED_BY_CALLBACK", false);
  };
  SyncClock clock;
  clock.now = [] { return At("2026-11-02T00:00:00Z"); };
  clock.stop_requested = [&stop] { return stop; };
  EXPECT_THROW(EnrichUsers(*store_, *users_, {}, clock), Interrupted);
}

}  // namespace
}  // namespace auditsync
