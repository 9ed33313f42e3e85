// The Management Activity API of the emulator: the Audit.General content model (every record of
// an hour in exactly one blob, duplicates and noise, shuffled) and the routes called the way the
// server calls them, without HTTP: the 24-hour and 7-day rules, paging, subscriptions, expiry,
// the tenant and the request rate.
#include <gtest/gtest.h>

#include <httplib.h>

#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "clock.hpp"
#include "content.hpp"
#include "core/time.hpp"
#include "management.hpp"
#include "stats.hpp"
#include "tenant.hpp"
#include "tenant_support.hpp"

namespace emulator {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): shared test helpers

constexpr char kTenant[] = "11111111-2222-3333-4444-555555555555";
const std::string kFeed = std::string("/api/v1.0/") + kTenant + "/activity/feed";

std::string Listing(std::int64_t seconds) {
  auto text = auditsync::FormatIso8601(auditsync::Instant{std::chrono::seconds{seconds}});
  text.pop_back();
  return text;
}

TenantConfig SmallTenant() {
  TenantConfig config;
  config.seed = 5;
  config.launches_per_hour = 200;
  config.duplicate_rate = 0.2;
  config.general_noise = 4;
  config.blob_records = 30;
  return config;
}

TEST(ContentModel, EveryDeliveryOfAnHourIsInExactlyOneBlobAmongNoiseAndOutOfOrder) {
  const Tenant tenant(SmallTenant());
  const ContentModel content(tenant);
  const std::int64_t hour = kStart / 3600 + 10;
  // What the hour holds, from the tenant model: base slots, app deletions, second copies.
  std::multiset<std::string> expected;
  const auto extras = tenant.Extras(hour);
  for (std::uint32_t i = 0; i < tenant.BaseCount(hour); ++i) {
    expected.insert(tenant.RecordId(tenant.DecodeBase(hour, i)));
  }
  for (const auto& deletion : extras.deletions) expected.insert(tenant.RecordId(deletion));
  for (const auto index : extras.duplicates) {
    expected.insert(tenant.RecordId(tenant.DecodeBase(hour, index)));
  }
  ASSERT_GT(extras.duplicates.size(), 3u);

  std::multiset<std::string> served;
  std::map<std::string, std::set<std::uint32_t>> blobs_of;
  std::uint64_t noise = 0;
  bool out_of_order = false;
  const std::uint32_t blobs = content.BlobCount(hour);
  ASSERT_GT(blobs, 3u);
  std::int64_t previous_created = 0;
  for (std::uint32_t index = 0; index < blobs; ++index) {
    const BlobRef blob{hour, index};
    const auto json = nlohmann::json::parse(content.Render(blob));
    ASSERT_TRUE(json.is_array());
    EXPECT_EQ(json.size(), content.RecordsIn(blob));
    EXPECT_LE(json.size(), 30u);
    std::string previous_time;
    for (const auto& record : json) {
      // The record as the unified audit log writes it: no Graph envelope.
      EXPECT_FALSE(record.contains("auditData"));
      EXPECT_FALSE(record.contains("@odata.type"));
      const auto time = record.value("CreationTime", nlohmann::json()).dump();
      if (!previous_time.empty() && time < previous_time) out_of_order = true;
      previous_time = time;
      const auto id = record.value("Id", std::string());
      const auto operation = record.value("Operation", std::string());
      if (operation == "LaunchPowerApp" || operation == "DeletePowerApp") continue;
      ++noise;
    }
    content.ForEachRecord(blob, [&](const Slot& slot) {
      if (slot.origin == Origin::kGeneralNoise) return;
      const auto id = tenant.RecordId(slot);
      served.insert(id);
      blobs_of[id].insert(index);
    });
    // Blobs of the hour become available in order through the hour after it.
    const std::int64_t created = content.Created(blob);
    EXPECT_GE(created, (hour + 1) * 3600 + kFirstBlobDelay);
    EXPECT_LT(created, (hour + 2) * 3600);
    EXPECT_GE(created, previous_created);
    previous_created = created;
    EXPECT_EQ(content.ParseContentId(content.ContentId(blob)), blob);
  }
  EXPECT_EQ(served, expected);
  EXPECT_TRUE(out_of_order);
  // Four noise records per Power Apps delivery (rounded), counting the tenant's own noise slots.
  EXPECT_GE(noise, 4 * expected.size());
  EXPECT_EQ(content.RecordCount(hour), expected.size() * 5);
  // Most duplicated records come in two different blobs.
  int split = 0;
  for (const auto index : extras.duplicates) {
    split += blobs_of[tenant.RecordId(tenant.DecodeBase(hour, index))].size() == 2;
  }
  EXPECT_GT(split, static_cast<int>(extras.duplicates.size()) / 2);
  EXPECT_FALSE(content.ParseContentId("nonsense"));
  EXPECT_FALSE(content.ParseContentId("1$2$3"));
}

// A request as cpp-httplib hands it to a route handler, and the handler's response.
struct Exchange {
  Exchange(std::string method, std::string path, httplib::Params params = {}) {
    request.method = std::move(method);
    request.path = std::move(path);
    request.params = std::move(params);
    static const std::regex kRoute(R"(/api/v1\.0/([^/]+)/activity/feed/(?:audit/([^/]+)|.*))");
    std::regex_match(request.path, request.matches, kRoute);
  }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;
  nlohmann::json Body() const { return nlohmann::json::parse(response.body); }
  std::string Code() const {
    const auto body = nlohmann::json::parse(response.body, nullptr, false);
    return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
  }
  httplib::Request request;
  httplib::Response response;
};

struct Api {
  explicit Api(ManagementSettings settings = {}, std::int64_t now = kStart + 10 * kDay)
      : tenant(SmallTenant()),
        content(tenant),
        clock(now),
        service(tenant, content, std::move(settings), stats, clock) {}

  // Calls a route through Admit, as the server does.
  std::unique_ptr<Exchange> Call(void (ManagementService::*route)(const httplib::Request&,
                                                                  httplib::Response&),
                                 std::string path, httplib::Params params = {}) {
    params.emplace("PublisherIdentifier", kTenant);
    auto exchange = std::make_unique<Exchange>("GET", std::move(path), std::move(params));
    if (service.Admit(exchange->request, exchange->response, "Test")) {
      (service.*route)(exchange->request, exchange->response);
    }
    return exchange;
  }
  std::unique_ptr<Exchange> List(std::int64_t start, std::int64_t end,
                                 const std::string& next = "") {
    httplib::Params params = {
        {"contentType", "Audit.General"}, {"startTime", Listing(start)}, {"endTime", Listing(end)}};
    if (!next.empty()) params.emplace("nextPage", next);
    return Call(&ManagementService::Content, kFeed + "/subscriptions/content", params);
  }
  // Every blob listed for [start, end), following the next-page header to the end.
  std::vector<std::string> ListAll(std::int64_t start, std::int64_t end,
                                   const std::string& header = "NextPageUri") {
    std::vector<std::string> ids;
    std::string next;
    for (int page = 0; page < 1000; ++page) {
      const auto exchange = List(start, end, next);
      EXPECT_EQ(exchange->response.status, 200) << exchange->response.body;
      for (const auto& item : exchange->Body()) ids.push_back(item["contentId"]);
      const auto link = exchange->response.get_header_value(header);
      if (link.empty()) break;
      next = link.substr(link.find("nextPage=") + 9);
    }
    return ids;
  }
  std::unique_ptr<Exchange> Blob(const std::string& id) {
    return Call(&ManagementService::Blob, kFeed + "/audit/" + id);
  }

  Tenant tenant;
  ContentModel content;
  Clock clock;
  Stats stats;
  ManagementService service;
};

TEST(ManagementApi, ListsEveryBlobOfAWindowOnceAcrossPages) {
  ManagementSettings settings;
  settings.page_size = 7;
  settings.next_page_header = "NextPageUrl";
  Api api(settings);
  const std::int64_t start = kStart + 9 * kDay;
  const auto ids = api.ListAll(start, start + kDay, "NextPageUrl");
  std::set<std::string> distinct(ids.begin(), ids.end());
  EXPECT_EQ(distinct.size(), ids.size());
  // Exactly the blobs created in the window: those of the hours ending in it, give or take the
  // first hour's (created an hour after) and the last's.
  std::set<std::string> expected;
  for (std::int64_t hour = start / 3600 - 2; hour <= (start + kDay) / 3600; ++hour) {
    for (std::uint32_t i = 0; i < api.content.BlobCount(hour); ++i) {
      const BlobRef blob{hour, i};
      const auto created = api.content.Created(blob);
      if (created >= start && created < start + kDay) expected.insert(api.content.ContentId(blob));
    }
  }
  EXPECT_EQ(distinct, expected);
  EXPECT_GT(ids.size(), 7u * 3);
  // Each item says where to fetch it and when it expires.
  const auto first = api.List(start, start + kDay)->Body()[0];
  EXPECT_EQ(first["contentType"], "Audit.General");
  EXPECT_NE(first["contentUri"].get<std::string>().find("/audit/" +
                                                        first["contentId"].get<std::string>()),
            std::string::npos);
  EXPECT_EQ(auditsync::ParseIso8601(first["contentExpiration"].get<std::string>()).value() -
                auditsync::ParseIso8601(first["contentCreated"].get<std::string>()).value(),
            std::chrono::days(7));
}

TEST(ManagementApi, RefusesWindowsOverADayOrMoreThanSevenDaysBack) {
  Api api;
  const std::int64_t now = api.clock.Now();
  EXPECT_EQ(api.List(now - kDay - 1, now)->Code(), "AF20055");                  // over 24 hours
  EXPECT_EQ(api.List(now - 7 * kDay - 60, now - 6 * kDay)->Code(), "AF20055");  // too far back
  EXPECT_EQ(api.List(now - 3600, now - 3600)->Code(), "AF20055");  // start not before end
  const auto only_start =
      api.Call(&ManagementService::Content, kFeed + "/subscriptions/content",
               {{"contentType", "Audit.General"}, {"startTime", Listing(now - 3600)}});
  EXPECT_EQ(only_start->Code(), "AF20055");
  EXPECT_EQ(api.List(now - 7 * kDay + 60, now - 6 * kDay)->response.status, 200);
  EXPECT_EQ(api.List(now - kDay, now, "garbage")->Code(), "AF20031");
  const auto sharepoint = api.Call(&ManagementService::Content, kFeed + "/subscriptions/content",
                                   {{"contentType", "Audit.SharePoint"}});
  EXPECT_EQ(sharepoint->Code(), "AF20022");
  const auto unknown = api.Call(&ManagementService::Content, kFeed + "/subscriptions/content",
                                {{"contentType", "Audit.Nothing"}});
  EXPECT_EQ(unknown->Code(), "AF20020");
}

TEST(ManagementApi, ASubscriptionStartedLateListsOnlyNewContentAfterItsDelay) {
  ManagementSettings settings;
  settings.subscription = SubscriptionState::kNone;
  settings.first_content_delay = 12 * 3600;
  Api api(settings);
  const std::int64_t started = api.clock.Now();
  EXPECT_EQ(api.List(started - kDay, started)->Code(), "AF20022");
  EXPECT_EQ(api.Call(&ManagementService::Start, kFeed + "/subscriptions/start",
                     {{"contentType", "Audit.General"}})
                ->Body()["status"],
            "enabled");
  EXPECT_EQ(api.Call(&ManagementService::Start, kFeed + "/subscriptions/start",
                     {{"contentType", "Audit.General"}})
                ->Code(),
            "AF20024");               // already enabled
  api.clock.Set(started + 6 * 3600);  // content exists, but not yet listed
  EXPECT_TRUE(api.ListAll(started - 18 * 3600, started + 6 * 3600).empty());
  api.clock.Set(started + 13 * 3600);
  const auto ids = api.ListAll(started - 11 * 3600, started + 13 * 3600);
  ASSERT_FALSE(ids.empty());
  for (const auto& id : ids) {
    EXPECT_GE(api.content.Created(*api.content.ParseContentId(id)), started);
  }
  // Stopped: AF20022 again, and content created meanwhile is never listed.
  api.Call(&ManagementService::Stop, kFeed + "/subscriptions/stop",
           {{"contentType", "Audit.General"}});
  EXPECT_EQ(api.Call(&ManagementService::List, kFeed + "/subscriptions/list")->Body()[0]["status"],
            "disabled");
  EXPECT_EQ(api.List(started, started + 13 * 3600)->Code(), "AF20022");
}

TEST(ManagementApi, ADisabledSubscriptionIsAf20023) {
  ManagementSettings settings;
  settings.subscription = SubscriptionState::kDisabled;
  Api api(settings);
  EXPECT_EQ(api.List(api.clock.Now() - kDay, api.clock.Now())->Code(), "AF20023");
  EXPECT_EQ(api.Call(&ManagementService::Start, kFeed + "/subscriptions/start",
                     {{"contentType", "Audit.General"}})
                ->Code(),
            "AF20023");
}

TEST(ManagementApi, BlobsExpireSevenDaysAfterTheyAreCreated) {
  Api api;
  const std::int64_t now = api.clock.Now();
  const auto ids = api.ListAll(now - kDay, now);
  ASSERT_FALSE(ids.empty());
  const auto blob = api.Blob(ids.front());
  EXPECT_EQ(blob->response.status, 200);
  EXPECT_TRUE(blob->Body().is_array());
  api.clock.Set(api.content.Created(*api.content.ParseContentId(ids.front())) + 7 * kDay);
  EXPECT_EQ(api.Blob(ids.front())->Code(), "AF20051");
  const auto forged = api.Blob("20261110$1$2$audit_general$x");
  EXPECT_EQ(forged->Code(), "AF20052") << forged->response.status << forged->response.body;
  // A blob not created yet does not exist.
  const BlobRef future{api.clock.Now() / 3600 + 5, 0};
  EXPECT_EQ(api.Blob(api.content.ContentId(future))->Code(), "AF20050");
  // --expired-blobs: some blobs have expired whatever their age.
  ManagementSettings settings;
  settings.expired_blobs = 0.5;
  Api early(settings);
  int expired = 0;
  for (const auto& id : ids) expired += early.Blob(id)->Code() == "AF20051";
  EXPECT_GT(expired, 0);
  EXPECT_LT(expired, static_cast<int>(ids.size()));
}

TEST(ManagementApi, TheTenantOfThePathAndTheRequestRateAreChecked) {
  ManagementSettings settings;
  settings.requests_per_minute = 3;
  Api api(settings);
  auto exchange =
      std::make_unique<Exchange>("GET", "/api/v1.0/contoso.com/activity/feed/subscriptions/list");
  EXPECT_FALSE(api.service.Admit(exchange->request, exchange->response, "ListSubscriptions"));
  EXPECT_EQ(exchange->Code(), "AF20013");
  exchange = std::make_unique<Exchange>(
      "GET", "/api/v1.0/99999999-2222-3333-4444-555555555555/activity/feed/subscriptions/list");
  EXPECT_FALSE(api.service.Admit(exchange->request, exchange->response, "ListSubscriptions"));
  EXPECT_EQ(exchange->Code(), "AF20010");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(api.Call(&ManagementService::List, kFeed + "/subscriptions/list")->response.status,
              200);
  }
  const auto throttled = api.Call(&ManagementService::List, kFeed + "/subscriptions/list");
  EXPECT_EQ(throttled->response.status, 403);
  EXPECT_EQ(throttled->Code(), "AF429");
  EXPECT_NE(throttled->response.body.find(std::string("PublisherId=") + kTenant),
            std::string::npos);
  // Calls without PublisherIdentifier are counted (the client must send it on every call).
  auto bare = std::make_unique<Exchange>("GET", kFeed + "/subscriptions/list");
  api.service.Admit(bare->request, bare->response, "ListSubscriptions");
  EXPECT_EQ(api.stats.ToJson()["management"]["management_requests_without_publisher"], 1);
}

}  // namespace
}  // namespace emulator
