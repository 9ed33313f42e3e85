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
#include "tenant_support.hpp"
#include "truth.hpp"

namespace emulator {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): shared test helpers

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
  const auto truth_a = TruthToJson(ComputeTruth(a, kStart, kStart + kDay, Snapshot::At(kNow)));
  const auto truth_b = TruthToJson(ComputeTruth(b, kStart, kStart + kDay, Snapshot::At(kNow)));
  EXPECT_EQ(truth_a, truth_b);
}

TEST(Tenant, DifferentSeedGivesDifferentTenant) {
  TenantConfig other;
  other.seed = 43;
  const Tenant a(TenantConfig{});
  const Tenant b(other);
  EXPECT_NE(a.users()[0].id, b.users()[0].id);
  EXPECT_NE(TruthToJson(ComputeTruth(a, kStart, kStart + kDay, Snapshot::At(kNow))),
            TruthToJson(ComputeTruth(b, kStart, kStart + kDay, Snapshot::At(kNow))));
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
  const auto apps = ComputeTruth(tenant, kStart, end, Snapshot::At(kNow));
  const TruthSummary summary = ComputeSummary(tenant, kStart, end, Snapshot::At(kNow));

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
  ExpectServedRecordsMatchTruth(tenant, kStart, kStart + 2 * kDay, Snapshot::At(kNow));
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
  const std::uint64_t total = CountMatches(tenant, filters, Snapshot::At(kNow));
  ASSERT_GT(total, 700u);
  const auto reference = ReadAll(tenant, filters, Snapshot::At(kNow), 1000, total);
  ASSERT_EQ(reference.size(), total);
  for (const std::size_t page_size : {1u, 7u, 100u, 999u, 5000u}) {
    std::size_t pages = 0;
    const auto records = ReadAll(tenant, filters, Snapshot::At(kNow), page_size, total, &pages);
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
  const std::uint64_t total = CountMatches(tenant, filters, Snapshot::At(kNow));
  const auto records = ReadAll(tenant, filters, Snapshot::At(kNow), 1000, total);
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
  EXPECT_EQ(duplicated,
            ComputeSummary(tenant, kStart, kStart + kDay, Snapshot::At(kNow)).duplicate_deliveries);
}

TEST(Paging, ResumingFromASavedTokenContinuesWhereItStopped) {
  const Tenant tenant(TenantConfig{});
  const QueryFilters filters = PowerAppsFilters(kStart, kStart + kDay);
  const std::uint64_t total = CountMatches(tenant, filters, Snapshot::At(kNow));
  const Page first =
      ReadPage(tenant, filters, Snapshot::At(kNow), StartCursor(filters), 250, total);
  ASSERT_TRUE(first.next);
  const std::string token = EncodeSkipToken("query-a", *first.next);
  // URL-safe and opaque.
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  const Page second = ReadPage(tenant, filters, Snapshot::At(kNow), first.next.value(), 250, total);
  const auto decoded = DecodeSkipToken(token);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->query_id, "query-a");
  const Page resumed = ReadPage(tenant, filters, Snapshot::At(kNow), decoded->cursor, 250, total);
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
  const std::uint64_t matching = CountMatches(tenant, filters, Snapshot::At(kNow));
  const std::uint64_t cap = 555;
  ASSERT_GT(matching, cap);
  const auto capped = ReadAll(tenant, filters, Snapshot::At(kNow), 100, cap);
  EXPECT_EQ(capped.size(), cap);
  const auto full = ReadAll(tenant, filters, Snapshot::At(kNow), 100, matching);
  EXPECT_TRUE(std::equal(capped.begin(), capped.end(), full.begin()));
}

TEST(Filters, OperationsAreCaseInsensitiveAndNoiseIsFilteredOut) {
  const Tenant tenant(TenantConfig{});
  QueryFilters lower = PowerAppsFilters(kStart, kStart + kDay);
  lower.operations = {"launchpowerapp", "DELETEPOWERAPP"};
  const QueryFilters exact = PowerAppsFilters(kStart, kStart + kDay);
  EXPECT_EQ(CountMatches(tenant, lower, Snapshot::At(kNow)),
            CountMatches(tenant, exact, Snapshot::At(kNow)));

  QueryFilters everything;
  everything.start = kStart;
  everything.end = kStart + kDay;
  const TruthSummary summary = ComputeSummary(tenant, kStart, kStart + kDay, Snapshot::At(kNow));
  EXPECT_EQ(CountMatches(tenant, everything, Snapshot::At(kNow)),
            summary.total_served + summary.noise_records);

  QueryFilters launches = exact;
  launches.operations = {"LaunchPowerApp"};
  QueryFilters deletes = exact;
  deletes.operations = {"DeletePowerApp"};
  EXPECT_EQ(CountMatches(tenant, launches, Snapshot::At(kNow)) +
                CountMatches(tenant, deletes, Snapshot::At(kNow)),
            summary.total_served);

  QueryFilters legacy = exact;
  legacy.services = {"PowerApps"};
  QueryFilters current = exact;
  current.services = {"powerplatform"};
  EXPECT_EQ(CountMatches(tenant, legacy, Snapshot::At(kNow)) +
                CountMatches(tenant, current, Snapshot::At(kNow)),
            summary.total_served);
}

TEST(Filters, RecordsInTheFutureDoNotExistYet) {
  const Tenant tenant(TenantConfig{});
  const QueryFilters filters = PowerAppsFilters(kStart, kStart + kDay);
  const std::int64_t noon = kStart + kDay / 2;
  const std::uint64_t until_noon = CountMatches(tenant, filters, Snapshot::At(noon));
  EXPECT_EQ(until_noon,
            CountMatches(tenant, PowerAppsFilters(kStart, noon + 1), Snapshot::At(kNow)));
  const TruthSummary summary = ComputeSummary(tenant, kStart, kStart + kDay, Snapshot::At(noon));
  EXPECT_EQ(summary.total_served, until_noon);
  const Page page =
      ReadPage(tenant, filters, Snapshot::At(noon), StartCursor(filters), 100000, until_noon);
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
