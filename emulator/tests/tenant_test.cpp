// Unit tests of the synthetic tenant: determinism, the ground-truth invariants, record shapes,
// and paging with skiptoken cursors. They run the code `serve` runs, without HTTP.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ids.hpp"
#include "query.hpp"
#include "render.hpp"
#include "tenant.hpp"
#include "truth.hpp"

namespace emulator {
namespace {

// 2026-11-01T00:00:00Z and one day.
constexpr std::int64_t kStart = 1793491200;
constexpr std::int64_t kDay = 86400;
// "Now" for these tests: well after every window, so nothing is in the future.
constexpr std::int64_t kNow = kStart + 60 * kDay;

std::string Render(const Tenant& tenant, const Slot& slot) {
  std::string out;
  AppendRecord(tenant, slot, out);
  return out;
}

QueryFilters PowerAppsFilters(std::int64_t start, std::int64_t end) {
  QueryFilters filters;
  filters.start = start;
  filters.end = end;
  filters.operations = {"LaunchPowerApp", "DeletePowerApp"};
  return filters;
}

// Every record a query serves, page by page, following the cursors as a client follows
// @odata.nextLink (through the encoded skiptoken).
std::vector<nlohmann::json> ReadAll(const Tenant& tenant, const QueryFilters& filters,
                                    std::size_t page_size, std::uint64_t total,
                                    std::size_t* pages = nullptr) {
  std::vector<nlohmann::json> records;
  Cursor cursor = StartCursor(filters);
  std::size_t count = 0;
  while (true) {
    const Page page = ReadPage(tenant, filters, kNow, cursor, page_size, total);
    ++count;
    const auto values = nlohmann::json::parse(page.values);
    EXPECT_EQ(values.size(), page.count);
    EXPECT_LE(page.count, page_size);
    for (const auto& value : values) records.push_back(value);
    if (!page.next) break;
    EXPECT_EQ(page.count, page_size) << "only the last page may be short";
    const auto token = DecodeSkipToken(EncodeSkipToken("q-1", *page.next));
    EXPECT_TRUE(token.has_value());
    if (!token) break;
    EXPECT_EQ(token->query_id, "q-1");
    cursor = token->cursor;
  }
  if (pages != nullptr) *pages = count;
  return records;
}

// The app id a careful client extracts from a record; empty when it has none.
std::string ClientAppId(const nlohmann::json& record) {
  const auto& data = record["auditData"];
  if (data.value("RecordType", 0) == 45) return ToLower(data.value("AppName", ""));
  for (const auto& property : data["PropertyCollection"]) {
    if (ToLower(property["Name"].get<std::string>()) ==
        "powerplatform.analytics.resource.power_app.id") {
      std::string value = property["Value"].get<std::string>();
      value = value.substr(value.rfind('/') + 1);
      return ToLower(value);
    }
  }
  return {};
}

TEST(Tenant, SameSeedGivesSameTenant) {
  const Tenant a(TenantConfig{});
  const Tenant b(TenantConfig{});
  ASSERT_EQ(a.environments().size(), 4u);
  ASSERT_EQ(a.users().size(), 150u);
  ASSERT_EQ(a.app_count(), 40u);
  for (std::size_t u = 0; u < a.users().size(); ++u) {
    EXPECT_EQ(a.users()[u].upn, b.users()[u].upn);
    EXPECT_EQ(a.users()[u].id, b.users()[u].id);
  }
  for (std::int64_t hour = kStart / 3600; hour < kStart / 3600 + 48; ++hour) {
    ASSERT_EQ(a.BaseCount(hour), b.BaseCount(hour));
    for (std::uint32_t i = 0; i < a.BaseCount(hour); i += 7) {
      EXPECT_EQ(Render(a, a.DecodeBase(hour, i)), Render(b, b.DecodeBase(hour, i)));
    }
  }
  const auto truth_a = TruthToJson(ComputeTruth(a, kStart, kStart + kDay, kNow));
  const auto truth_b = TruthToJson(ComputeTruth(b, kStart, kStart + kDay, kNow));
  EXPECT_EQ(truth_a, truth_b);
}

TEST(Tenant, DifferentSeedGivesDifferentTenant) {
  TenantConfig other;
  other.seed = 43;
  const Tenant a(TenantConfig{});
  const Tenant b(other);
  EXPECT_NE(a.users()[0].id, b.users()[0].id);
  EXPECT_NE(TruthToJson(ComputeTruth(a, kStart, kStart + kDay, kNow)),
            TruthToJson(ComputeTruth(b, kStart, kStart + kDay, kNow)));
}

TEST(Tenant, HourlyCountsFollowTheAverage) {
  const Tenant tenant(TenantConfig{});
  std::uint64_t total = 0;
  const std::int64_t first = kStart / 3600;
  for (std::int64_t hour = first; hour < first + 24 * 28; ++hour) {
    const std::uint32_t count = tenant.BaseCount(hour);
    EXPECT_GE(count, 55u);   // 120 * 0.47
    EXPECT_LE(count, 185u);  // 120 * 1.53
    total += count;
  }
  const double average = static_cast<double>(total) / (24.0 * 28.0);
  EXPECT_NEAR(average, 120.0, 3.0);
}

TEST(Tenant, UsersHaveDistinctMixedCaseUpns) {
  const Tenant tenant(TenantConfig{});
  std::set<std::string> lower;
  for (const User& user : tenant.users()) {
    EXPECT_NE(user.upn, user.upn_lower);
    EXPECT_EQ(user.upn_lower, ToLower(user.upn));
    EXPECT_NE(user.upn.find("@Contoso.onmicrosoft.com"), std::string::npos) << user.upn;
    lower.insert(user.upn_lower);
  }
  EXPECT_EQ(lower.size(), tenant.users().size());
}

TEST(Truth, LaunchesAddUpToDistinctValidLaunchIds) {
  const Tenant tenant(TenantConfig{});
  const std::int64_t end = kStart + 7 * kDay;
  const auto apps = ComputeTruth(tenant, kStart, end, kNow);
  const TruthSummary summary = ComputeSummary(tenant, kStart, end, kNow);

  std::uint64_t launches = 0;
  for (const AppTruth& app : apps) {
    launches += app.launches;
    EXPECT_GE(app.unique_users, 1u);
    EXPECT_LE(app.unique_users, app.launches);
    EXPECT_GE(app.last_launched_on, kStart);
    EXPECT_LT(app.last_launched_on, end);
    EXPECT_EQ(app.last_launched_by, ToLower(app.last_launched_by));
  }
  EXPECT_EQ(launches, summary.launch_records);
  EXPECT_GT(summary.launch_records, 15000u);
  EXPECT_GT(summary.delete_records, 0u);
  EXPECT_GT(summary.duplicate_deliveries, 0u);
  EXPECT_GT(summary.malformed_records, 0u);
  EXPECT_GT(summary.noise_records, 0u);
  EXPECT_EQ(summary.total_served, summary.launch_records + summary.delete_records +
                                      summary.duplicate_deliveries + summary.malformed_records);

  // Sorted by launches descending, then app id ascending; ids unique.
  std::set<std::string> ids;
  for (std::size_t i = 0; i < apps.size(); ++i) {
    ids.insert(apps[i].app_id);
    if (i == 0) continue;
    const AppTruth& before = apps[i - 1];
    EXPECT_TRUE(before.launches > apps[i].launches ||
                (before.launches == apps[i].launches && before.app_id < apps[i].app_id));
  }
  EXPECT_EQ(ids.size(), apps.size());
}

TEST(Truth, MatchesWhatAClientParsesFromServedRecords) {
  const Tenant tenant(TenantConfig{});
  const std::int64_t end = kStart + 2 * kDay;
  const QueryFilters filters = PowerAppsFilters(kStart, end);
  const std::uint64_t total = CountMatches(tenant, filters, kNow);
  const auto records = ReadAll(tenant, filters, 500, total);
  ASSERT_EQ(records.size(), total);

  struct Seen {
    std::set<std::string> ids;
    std::set<std::string> users;
    std::string last_time;
    std::string last_id;
    std::string last_user;
  };
  std::map<std::string, Seen> apps;
  std::set<std::string> all_ids;
  std::uint64_t malformed = 0;
  std::uint64_t duplicates = 0;
  for (const auto& record : records) {
    const std::string id = record.value("id", "");
    const auto data = record.find("auditData");
    const std::string created = record["createdDateTime"].get<std::string>();
    if (id.empty() || data == record.end() || !data->is_object() || created.size() != 20 ||
        created.substr(0, 2) != "20" || created.substr(5, 2) > "12") {
      ++malformed;
      continue;
    }
    const std::string app = ClientAppId(record);
    if (app.empty()) {
      ++malformed;
      continue;
    }
    if (!all_ids.insert(id).second) {
      ++duplicates;
      continue;
    }
    if (record["operation"] != "LaunchPowerApp") continue;
    Seen& seen = apps[app];
    seen.ids.insert(id);
    const std::string user = ToLower(record["userPrincipalName"].get<std::string>());
    seen.users.insert(user);
    if (created > seen.last_time || (created == seen.last_time && id > seen.last_id)) {
      seen.last_time = created;
      seen.last_id = id;
      seen.last_user = user;
    }
  }

  const TruthSummary summary = ComputeSummary(tenant, kStart, end, kNow);
  EXPECT_EQ(malformed, summary.malformed_records);
  EXPECT_EQ(duplicates, summary.duplicate_deliveries);
  const auto truth = TruthToJson(ComputeTruth(tenant, kStart, end, kNow));
  ASSERT_EQ(truth.size(), apps.size());
  for (const auto& app : truth) {
    const std::string app_id = app["app_id"].get<std::string>();
    ASSERT_TRUE(apps.count(app_id)) << app_id;
    const Seen& seen = apps[app_id];
    EXPECT_EQ(app["launches"].get<std::uint64_t>(), seen.ids.size());
    EXPECT_EQ(app["unique_users"].get<std::uint64_t>(), seen.users.size());
    EXPECT_EQ(app["last_launched_on"].get<std::string>(), seen.last_time);
    EXPECT_EQ(app["last_launched_by"].get<std::string>(), seen.last_user);
  }
}

TEST(Truth, NoLaunchAfterAnAppIsDeleted) {
  TenantConfig config;
  config.launches_per_hour = 300;
  const Tenant tenant(config);
  std::map<std::string, std::int64_t> deleted_at;
  std::map<std::string, std::int64_t> last_launch;
  const std::int64_t first = kStart / 3600;
  std::size_t catalog_deletions = 0;
  for (std::int64_t hour = first; hour < first + 24 * 40; ++hour) {
    for (std::uint32_t i = 0; i < tenant.BaseCount(hour); ++i) {
      const Slot slot = tenant.DecodeBase(hour, i);
      if (slot.kind == Kind::kLaunch) {
        auto& last = last_launch[tenant.AppOf(slot).id];
        last = std::max(last, slot.time);
      } else if (slot.kind == Kind::kDelete) {
        EXPECT_TRUE(deleted_at.emplace(tenant.AppOf(slot).id, slot.time).second);
      }
    }
    for (const Slot& slot : tenant.AppDeletions(hour)) {
      EXPECT_TRUE(deleted_at.emplace(tenant.AppOf(slot).id, slot.time).second);
      ++catalog_deletions;
    }
  }
  EXPECT_GT(catalog_deletions, 3u) << "some catalog apps must be deleted in 40 days";
  for (const auto& [app, deleted] : deleted_at) {
    const auto launch = last_launch.find(app);
    if (launch != last_launch.end()) {
      EXPECT_LT(launch->second, deleted) << app;
    }
  }
}

TEST(Records, EveryRecordIsValidJsonWithTheGraphEnvelope) {
  TenantConfig config;
  config.malformed_rate = 0.02;  // enough of every malformed variant in four days
  const Tenant tenant(config);
  const std::int64_t first = kStart / 3600;
  std::set<int> record_types;
  std::set<Malformed> malformed_seen;
  std::size_t path_ids = 0;
  std::size_t upper_ids = 0;
  std::size_t recased_names = 0;
  std::size_t current = 0;
  std::size_t legacy = 0;
  for (std::int64_t hour = first; hour < first + 24 * 4; ++hour) {
    for (std::uint32_t i = 0; i < tenant.BaseCount(hour); ++i) {
      const Slot slot = tenant.DecodeBase(hour, i);
      const auto record = nlohmann::json::parse(Render(tenant, slot));
      ASSERT_TRUE(record.is_object());
      EXPECT_EQ(record["operation"], tenant.Operation(slot));
      if (slot.malformed != Malformed::kNone) {
        malformed_seen.insert(slot.malformed);
        continue;
      }
      EXPECT_EQ(record["id"], tenant.RecordId(slot));
      EXPECT_EQ(record["createdDateTime"].get<std::string>().size(), 20u);
      EXPECT_EQ(ToLower(record["userPrincipalName"].get<std::string>()),
                tenant.users()[slot.user].upn_lower);
      const auto& data = record["auditData"];
      EXPECT_EQ(data["Id"], record["id"]);
      EXPECT_EQ(ToLower(data["UserId"].get<std::string>()), tenant.users()[slot.user].upn_lower);
      record_types.insert(data["RecordType"].get<int>());
      if (slot.kind == Kind::kNoise) {
        EXPECT_NE(record["operation"], "LaunchPowerApp");
        EXPECT_NE(record["operation"], "DeletePowerApp");
        continue;
      }
      const AppInfo app = tenant.AppOf(slot);
      EXPECT_EQ(ClientAppId(record), app.id);
      if (data["RecordType"] == 45) {
        ++legacy;
        EXPECT_EQ(data["Workload"], "PowerApps");
        EXPECT_EQ(record["auditLogRecordType"], "PowerAppsApp");
        const auto info = nlohmann::json::parse(data["AdditionalInfo"].get<std::string>());
        EXPECT_EQ(info["appDisplayName"], app.name);
        EXPECT_EQ(info["environmentDisplayName"], tenant.environments()[app.environment].name);
        EXPECT_EQ(data["EnvironmentName"], tenant.environments()[app.environment].id);
      } else {
        ++current;
        EXPECT_EQ(data["RecordType"], 256);
        EXPECT_EQ(data["Workload"], "PowerPlatform");
        EXPECT_EQ(record["auditLogRecordType"], "PowerPlatformAdministratorActivity");
        for (const auto& property : data["PropertyCollection"]) {
          const std::string name = property["Name"].get<std::string>();
          if (name != ToLower(name)) ++recased_names;
          if (ToLower(name) != "powerplatform.analytics.resource.power_app.id") continue;
          const std::string value = property["Value"].get<std::string>();
          if (value.find('/') != std::string::npos) ++path_ids;
          if (value != ToLower(value)) ++upper_ids;
        }
      }
    }
  }
  EXPECT_EQ(malformed_seen.size(), static_cast<std::size_t>(kMalformedVariants));
  EXPECT_TRUE(record_types.count(45) && record_types.count(256) && record_types.count(6));
  const double legacy_share = static_cast<double>(legacy) / static_cast<double>(legacy + current);
  EXPECT_NEAR(legacy_share, 0.25, 0.02);
  EXPECT_GT(path_ids, 0u);
  EXPECT_GT(upper_ids, 0u);
  EXPECT_GT(recased_names, 0u);
}

TEST(Records, MalformedRecordsAreUnusable) {
  const Tenant tenant(TenantConfig{});
  const std::int64_t first = kStart / 3600;
  std::size_t checked = 0;
  for (std::int64_t hour = first; hour < first + 24 * 14; ++hour) {
    for (std::uint32_t i = 0; i < tenant.BaseCount(hour); ++i) {
      const Slot slot = tenant.DecodeBase(hour, i);
      if (slot.malformed == Malformed::kNone) continue;
      ++checked;
      EXPECT_FALSE(slot.duplicated);
      const auto record = nlohmann::json::parse(Render(tenant, slot));
      switch (slot.malformed) {
        case Malformed::kNoAuditData:
          EXPECT_FALSE(record.contains("auditData"));
          break;
        case Malformed::kAuditDataNumber:
          EXPECT_TRUE(record["auditData"].is_number());
          break;
        case Malformed::kBadDate: {
          const std::string created = record["createdDateTime"].get<std::string>();
          EXPECT_TRUE(created.empty() || !std::isdigit(static_cast<unsigned char>(created[0])) ||
                      created.substr(5, 2) > "12")
              << created;
          break;
        }
        case Malformed::kNoId:
          EXPECT_TRUE(!record.contains("id") || record["id"] == "");
          break;
        case Malformed::kNoAppId:
          EXPECT_EQ(record["auditData"]["RecordType"], 256);
          EXPECT_EQ(ClientAppId(record), "");
          EXPECT_FALSE(record["auditData"].contains("AppName"));
          break;
        case Malformed::kNone:
          break;
      }
    }
  }
  EXPECT_GT(checked, 20u);
}

TEST(Paging, PagesCoverTheQueryExactlyForAnyPageSize) {
  const Tenant tenant(TenantConfig{});
  // An odd window: starts and ends mid-hour.
  const QueryFilters filters = PowerAppsFilters(kStart + 1234, kStart + kDay / 3 + 777);
  const std::uint64_t total = CountMatches(tenant, filters, kNow);
  ASSERT_GT(total, 700u);
  const auto reference = ReadAll(tenant, filters, 1000, total);
  ASSERT_EQ(reference.size(), total);
  for (const std::size_t page_size : {1u, 7u, 100u, 999u, 5000u}) {
    std::size_t pages = 0;
    const auto records = ReadAll(tenant, filters, page_size, total, &pages);
    EXPECT_EQ(records, reference) << "page size " << page_size;
    EXPECT_EQ(pages, (total + page_size - 1) / page_size) << "page size " << page_size;
  }
  for (const auto& record : reference) {
    const std::string created = record["createdDateTime"].get<std::string>();
    if (created.size() != 20 || created[0] != '2') continue;  // a malformed date
    EXPECT_GE(created, "2026-11-01T00:20:34Z");
    EXPECT_LT(created, "2026-11-01T08:12:57Z");
  }
}

TEST(Paging, DuplicatesAreIdenticalCopiesInTheSameWindow) {
  const Tenant tenant(TenantConfig{});
  const QueryFilters filters = PowerAppsFilters(kStart, kStart + kDay);
  const std::uint64_t total = CountMatches(tenant, filters, kNow);
  const auto records = ReadAll(tenant, filters, 1000, total);
  std::map<std::string, std::vector<const nlohmann::json*>> by_id;
  for (const auto& record : records) {
    if (record.contains("id") && record["id"] != "") by_id[record["id"]].push_back(&record);
  }
  std::size_t duplicated = 0;
  for (const auto& [id, copies] : by_id) {
    ASSERT_LE(copies.size(), 2u) << id;
    if (copies.size() == 2) {
      ++duplicated;
      EXPECT_EQ(*copies[0], *copies[1]);
    }
  }
  EXPECT_EQ(duplicated, ComputeSummary(tenant, kStart, kStart + kDay, kNow).duplicate_deliveries);
}

TEST(Paging, ResumingFromASavedTokenContinuesWhereItStopped) {
  const Tenant tenant(TenantConfig{});
  const QueryFilters filters = PowerAppsFilters(kStart, kStart + kDay);
  const std::uint64_t total = CountMatches(tenant, filters, kNow);
  const Page first = ReadPage(tenant, filters, kNow, StartCursor(filters), 250, total);
  ASSERT_TRUE(first.next);
  const std::string token = EncodeSkipToken("query-a", *first.next);
  // URL-safe and opaque.
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  const Page second = ReadPage(tenant, filters, kNow, first.next.value(), 250, total);
  const auto decoded = DecodeSkipToken(token);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->query_id, "query-a");
  const Page resumed = ReadPage(tenant, filters, kNow, decoded->cursor, 250, total);
  EXPECT_EQ(resumed.values, second.values);
  ASSERT_TRUE(resumed.next && second.next);
  EXPECT_EQ(EncodeSkipToken("query-a", *resumed.next), EncodeSkipToken("query-a", *second.next));
}

TEST(Paging, SkipTokenRejectsGarbage) {
  EXPECT_FALSE(DecodeSkipToken(""));
  EXPECT_FALSE(DecodeSkipToken("not base64!"));
  EXPECT_FALSE(DecodeSkipToken(Base64UrlEncode("1|q|x|0|0")));
  EXPECT_FALSE(DecodeSkipToken(Base64UrlEncode("2|q|1|0|0")));
  EXPECT_FALSE(DecodeSkipToken(Base64UrlEncode("1||1|0|0")));
  EXPECT_FALSE(DecodeSkipToken(Base64UrlEncode("1|q|1|0")));
  const auto ok = DecodeSkipToken(Base64UrlEncode("1|q|498192|3|17"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->cursor.hour, 498192);
  EXPECT_EQ(ok->cursor.position, 3u);
  EXPECT_EQ(ok->cursor.served, 17u);
}

TEST(Paging, RecordCapStopsTheQuery) {
  const Tenant tenant(TenantConfig{});
  const QueryFilters filters = PowerAppsFilters(kStart, kStart + kDay);
  const std::uint64_t matching = CountMatches(tenant, filters, kNow);
  const std::uint64_t cap = 555;
  ASSERT_GT(matching, cap);
  const auto capped = ReadAll(tenant, filters, 100, cap);
  EXPECT_EQ(capped.size(), cap);
  const auto full = ReadAll(tenant, filters, 100, matching);
  EXPECT_TRUE(std::equal(capped.begin(), capped.end(), full.begin()));
}

TEST(Filters, OperationsAreCaseInsensitiveAndNoiseIsFilteredOut) {
  const Tenant tenant(TenantConfig{});
  QueryFilters lower = PowerAppsFilters(kStart, kStart + kDay);
  lower.operations = {"launchpowerapp", "DELETEPOWERAPP"};
  const QueryFilters exact = PowerAppsFilters(kStart, kStart + kDay);
  EXPECT_EQ(CountMatches(tenant, lower, kNow), CountMatches(tenant, exact, kNow));

  QueryFilters everything;
  everything.start = kStart;
  everything.end = kStart + kDay;
  const TruthSummary summary = ComputeSummary(tenant, kStart, kStart + kDay, kNow);
  EXPECT_EQ(CountMatches(tenant, everything, kNow), summary.total_served + summary.noise_records);

  QueryFilters launches = exact;
  launches.operations = {"LaunchPowerApp"};
  QueryFilters deletes = exact;
  deletes.operations = {"DeletePowerApp"};
  EXPECT_EQ(CountMatches(tenant, launches, kNow) + CountMatches(tenant, deletes, kNow),
            summary.total_served);

  QueryFilters legacy = exact;
  legacy.services = {"PowerApps"};
  QueryFilters current = exact;
  current.services = {"powerplatform"};
  EXPECT_EQ(CountMatches(tenant, legacy, kNow) + CountMatches(tenant, current, kNow),
            summary.total_served);
}

TEST(Filters, RecordsInTheFutureDoNotExistYet) {
  const Tenant tenant(TenantConfig{});
  const QueryFilters filters = PowerAppsFilters(kStart, kStart + kDay);
  const std::int64_t noon = kStart + kDay / 2;
  const std::uint64_t until_noon = CountMatches(tenant, filters, noon);
  EXPECT_EQ(until_noon, CountMatches(tenant, PowerAppsFilters(kStart, noon + 1), kNow));
  const TruthSummary summary = ComputeSummary(tenant, kStart, kStart + kDay, noon);
  EXPECT_EQ(summary.total_served, until_noon);
  const Page page = ReadPage(tenant, filters, noon, StartCursor(filters), 100000, until_noon);
  EXPECT_EQ(page.count, until_noon);
  EXPECT_FALSE(page.next);
}

TEST(Ids, GuidsAndBase64Url) {
  const std::string guid = GuidFromHash(12345);
  ASSERT_EQ(guid.size(), 36u);
  EXPECT_EQ(guid[8], '-');
  EXPECT_EQ(guid[14], '4');
  EXPECT_EQ(guid, ToLower(guid));
  EXPECT_NE(GuidFromHash(1), GuidFromHash(2));
  for (const std::string text : {"", "a", "ab", "abc", "abcd", "\xff\x00\x10 binary"}) {
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(text)).value(), text);
    EXPECT_EQ(Base64Decode(Base64Encode(text)).value(), text);
  }
  EXPECT_EQ(Base64Encode("user:pass"), "dXNlcjpwYXNz");
}

}  // namespace
}  // namespace emulator
