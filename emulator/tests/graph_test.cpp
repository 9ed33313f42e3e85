// The Graph query routes on a simulated clock, called the way the server calls them but without
// HTTP: tenant limits, stuck queries, inclusive window ends and result sets fixed at creation.
#include <gtest/gtest.h>

#include <httplib.h>

#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "clock.hpp"
#include "core/time.hpp"
#include "graph.hpp"
#include "query.hpp"
#include "route_exchange.hpp"
#include "stats.hpp"
#include "tenant.hpp"
#include "tenant_support.hpp"

namespace emulator {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): shared test helpers

constexpr std::int64_t kHour = 3600;

std::string Iso(std::int64_t seconds) {
  return auditsync::FormatIso8601(auditsync::Instant{std::chrono::seconds{seconds}});
}

// The captures of the server's query routes: the version, then the query id.
const std::regex kQueryRoute(
    R"(/(v1\.0|beta)/security/auditLog/queries(?:/([^/]+))?(?:/records)?)");

struct Exchange : RouteExchange {
  Exchange(std::string method, const std::string& path, std::string body = {})
      : RouteExchange(std::move(method), path, kQueryRoute, std::move(body)) {}
};

struct Service {
  explicit Service(GraphSettings settings, TenantConfig config = {},
                   std::int64_t now = kStart + 10 * kDay)
      : tenant(std::move(config)), clock(now), graph(tenant, settings, stats, clock) {}

  // POST /v1.0/security/auditLog/queries for [from, to); the exchange is kept for inspection.
  const Exchange& Create(std::int64_t from, std::int64_t to) {
    const nlohmann::json body = {{"filterStartDateTime", Iso(from)},
                                 {"filterEndDateTime", Iso(to)},
                                 {"operationFilters", {"LaunchPowerApp", "DeletePowerApp"}}};
    auto& exchange =
        exchanges.emplace_back(std::make_unique<Exchange>("POST", kQueries, body.dump()));
    graph.CreateQuery(exchange->request, exchange->response, call);
    return *exchange;
  }

  // The id of a query that must be created.
  std::string MustCreate(std::int64_t from, std::int64_t to) {
    const Exchange& exchange = Create(from, to);
    EXPECT_EQ(exchange.response.status, 201) << exchange.response.body;
    return exchange.response.status == 201 ? exchange.Body()["id"].get<std::string>() : "";
  }

  nlohmann::json Poll(const std::string& id) {
    Exchange exchange("GET", std::string(kQueries) + "/" + id);
    graph.GetQuery(exchange.request, exchange.response, call);
    EXPECT_EQ(exchange.response.status, 200) << exchange.response.body;
    return exchange.Body();
  }

  // Polls until the query is no longer notStarted or running (or `polls` run out).
  std::string PollToEnd(const std::string& id, int polls = 10) {
    std::string status;
    for (int i = 0; i < polls; ++i) {
      status = Poll(id)["status"].get<std::string>();
      if (status != "notStarted" && status != "running") break;
    }
    return status;
  }

  // Every record of a succeeded query, following @odata.nextLink's skiptoken.
  std::vector<nlohmann::json> Records(const std::string& id) {
    std::vector<nlohmann::json> records;
    std::optional<std::string> skiptoken;
    do {
      Exchange exchange("GET", std::string(kQueries) + "/" + id + "/records");
      exchange.request.params.emplace("$top", "500");
      if (skiptoken) exchange.request.params.emplace("$skiptoken", *skiptoken);
      graph.ListRecords(exchange.request, exchange.response, call);
      EXPECT_EQ(exchange.response.status, 200) << exchange.response.body;
      if (exchange.response.status != 200) break;
      const nlohmann::json page = exchange.Body();
      for (const auto& record : page["value"]) records.push_back(record);
      skiptoken.reset();
      if (page.contains("@odata.nextLink")) {
        const std::string link = page["@odata.nextLink"].get<std::string>();
        skiptoken = link.substr(link.find("$skiptoken=") + 11);
      }
    } while (skiptoken);
    return records;
  }

  static constexpr char kQueries[] = "/v1.0/security/auditLog/queries";

  Tenant tenant;
  Stats stats;
  Clock clock;
  GraphService graph;
  GraphCall call{"request-id", "client-request-id", {}};
  std::vector<std::unique_ptr<Exchange>> exchanges;
};

void ExpectThrottled(const Exchange& exchange, const std::string& limit_words,
                     const std::string& retry_after) {
  EXPECT_EQ(exchange.response.status, 429);
  EXPECT_EQ(exchange.response.get_header_value("Retry-After"), retry_after);
  const nlohmann::json error = exchange.Body()["error"];
  EXPECT_EQ(error["code"], "TooManyRequests");
  EXPECT_NE(error["message"].get<std::string>().find(limit_words), std::string::npos)
      << error["message"];
  EXPECT_EQ(error["innerError"]["status"], "429");
}

TEST(GraphLimits, TheBudgetRefusesUntilTheOldestSubmissionLeavesTheDay) {
  GraphSettings settings;
  settings.query_budget = 3;
  Service service(settings);
  const std::int64_t t = service.clock.Now();
  for (int i = 0; i < 3; ++i) {
    service.clock.Set(t + 100 * i);
    service.MustCreate(kStart, kStart + kDay);
  }
  service.clock.Set(t + 300);
  ExpectThrottled(service.Create(kStart, kStart + kDay), "budget", std::to_string(kDay - 300));
  service.clock.Set(t + kDay);
  service.MustCreate(kStart, kStart + kDay);
  ExpectThrottled(service.Create(kStart, kStart + kDay), "budget", "100");

  const nlohmann::json stats = service.stats.ToJson();
  EXPECT_EQ(stats["queries_created"], 4);
  EXPECT_EQ(stats["queries_rejected"]["budget"], 2);
  EXPECT_EQ(stats["queries_rejected"]["unfinished"], 0);
}

TEST(GraphLimits, UnfinishedQueriesBlockSubmissionsUntilOneEnds) {
  GraphSettings settings;
  settings.max_unfinished = 2;
  settings.query_budget = 3;
  Service service(settings);
  const std::string first = service.MustCreate(kStart, kStart + kDay);
  service.MustCreate(kStart, kStart + kDay);
  EXPECT_EQ(service.graph.UnfinishedQueries(), 2);
  ExpectThrottled(service.Create(kStart, kStart + kDay), "unfinished", "5");
  ExpectThrottled(service.Create(kStart, kStart + kDay), "unfinished", "5");
  EXPECT_EQ(service.Poll(first)["status"], "running") << "running still counts";
  ExpectThrottled(service.Create(kStart, kStart + kDay), "unfinished", "5");
  EXPECT_EQ(service.PollToEnd(first), "succeeded");
  EXPECT_EQ(service.graph.UnfinishedQueries(), 1);
  // The refusals took no budget: the third submission is admitted, the fourth is over budget
  // (which is checked first, and all three were submitted at the same second).
  service.MustCreate(kStart, kStart + kDay);
  ExpectThrottled(service.Create(kStart, kStart + kDay), "budget", std::to_string(kDay));
  const nlohmann::json stats = service.stats.ToJson();
  EXPECT_EQ(stats["queries_rejected"]["unfinished"], 3);
  EXPECT_EQ(stats["queries_rejected"]["budget"], 1);
  EXPECT_EQ(stats["queries_created"], 3);
}

TEST(GraphLimits, FailedQueriesAreFinishedToo) {
  GraphSettings settings;
  settings.max_unfinished = 1;
  settings.fail_queries = 1;
  Service service(settings);
  const std::string id = service.MustCreate(kStart, kStart + kDay);
  EXPECT_EQ(service.PollToEnd(id), "failed");
  EXPECT_EQ(service.graph.UnfinishedQueries(), 0);
  service.MustCreate(kStart, kStart + kDay);
}

TEST(StuckQueries, RunForeverAndStayUnfinished) {
  GraphSettings settings;
  settings.stuck_queries = 1;
  Service service(settings);
  const std::string id = service.MustCreate(kStart, kStart + kDay);
  EXPECT_EQ(service.PollToEnd(id, 50), "running");
  EXPECT_EQ(service.graph.UnfinishedQueries(), 1);
}

TEST(StuckQueries, TheFractionIsDrawnPerQuery) {
  GraphSettings settings;
  settings.stuck_queries = 0.3;
  settings.fail_queries = 0.2;
  settings.query_budget = 1000;
  settings.max_unfinished = 1000;
  Service service(settings);
  std::map<std::string, int> statuses;
  constexpr int kQueries = 400;
  for (int i = 0; i < kQueries; ++i) {
    // A one-hour window keeps each success cheap to count.
    ++statuses[service.PollToEnd(service.MustCreate(kStart, kStart + kHour))];
  }
  EXPECT_NEAR(statuses["running"], kQueries * 0.3, kQueries * 0.08);
  // A query that is not stuck fails at the rate of --fail-queries.
  EXPECT_NEAR(statuses["failed"], kQueries * 0.7 * 0.2, kQueries * 0.07);
  EXPECT_EQ(statuses["running"] + statuses["failed"] + statuses["succeeded"], kQueries);
  EXPECT_EQ(service.graph.UnfinishedQueries(), statuses["running"]);
}

// Ids of the valid records a query returns.
std::set<std::string> Ids(const std::vector<nlohmann::json>& records) {
  std::set<std::string> ids;
  for (const auto& record : records) {
    const std::string id = record.value("id", "");
    if (!id.empty()) ids.insert(id);
  }
  return ids;
}

std::set<std::string> WindowIds(Service& service, std::int64_t from, std::int64_t to) {
  const std::string id = service.MustCreate(from, to);
  EXPECT_EQ(service.PollToEnd(id), "succeeded");
  return Ids(service.Records(id));
}

TEST(InclusiveEnd, RecordsOnTheBoundaryComeInBothWindows) {
  TenantConfig config;
  config.boundary_rate = 0.2;
  GraphSettings inclusive;
  inclusive.inclusive_end = true;
  const std::int64_t boundary = kStart + 5 * kHour;

  Service service(inclusive, config);
  const auto before = WindowIds(service, boundary - kHour, boundary);
  const auto after = WindowIds(service, boundary, boundary + kHour);
  std::vector<std::string> both;
  std::set_intersection(before.begin(), before.end(), after.begin(), after.end(),
                        std::back_inserter(both));
  EXPECT_GT(both.size(), 5u);
  // Exactly the records created at the boundary second, which a half-open window gives once.
  Service half_open(GraphSettings{}, config);
  const auto on_boundary = WindowIds(half_open, boundary, boundary + 1);
  EXPECT_EQ(std::set<std::string>(both.begin(), both.end()), on_boundary);
  const auto half_before = WindowIds(half_open, boundary - kHour, boundary);
  EXPECT_EQ(half_before.size() + on_boundary.size(), before.size());
}

TEST(Snapshots, WithLatePublicationAQuerySeesWhatWasPublishedWhenItWasCreated) {
  TenantConfig config;
  config.late_publication = true;
  const std::int64_t from = kStart;
  const std::int64_t to = kStart + kDay;
  Service service(GraphSettings{}, config, to + 2 * kHour);
  const std::string id = service.MustCreate(from, to);
  service.clock.Set(to + 5 * kDay);  // much more is published before the query runs
  EXPECT_EQ(service.PollToEnd(id), "succeeded");
  const auto records = service.Records(id);

  const QueryFilters filters = PowerAppsFilters(from, to);
  const std::uint64_t at_creation =
      CountMatches(service.tenant, filters, Snapshot::At(to + 2 * kHour));
  EXPECT_EQ(records.size(), at_creation);
  EXPECT_LT(at_creation, CountMatches(service.tenant, filters, Snapshot::At(to + 5 * kDay)));
  EXPECT_EQ(service.Poll(id)["approximateReturnedRecordCount"], at_creation);
}

TEST(Snapshots, OnASimulatedClockNothingAfterNowIsReturned) {
  const std::int64_t now = kStart + 12 * kHour + 1234;
  Service service(GraphSettings{}, TenantConfig{}, now);
  const std::string id = service.MustCreate(kStart, kStart + kDay);
  service.clock.Set(kStart + 3 * kDay);
  EXPECT_EQ(service.PollToEnd(id), "succeeded");
  const auto records = service.Records(id);
  EXPECT_EQ(records.size(),
            CountMatches(service.tenant, PowerAppsFilters(kStart, now + 1), Snapshot::At(kNow)));
  const std::string limit = Iso(now);
  for (const auto& record : records) {
    const std::string created = record["createdDateTime"].get<std::string>();
    if (created.size() == 20 && created[0] == '2') {
      EXPECT_LE(created, limit);
    }
  }
}

}  // namespace
}  // namespace emulator
