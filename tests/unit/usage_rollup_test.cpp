// The usage reports read whole days and months from the launch rollups and the rest from the
// records. On random data and random windows they must equal the same reports computed from the
// records alone, and the apps report must equal a brute-force count of the generated launches.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "store/postgres/pg_usage_source.hpp"
#include "store/sqlite/launch_rollup.hpp"
#include "store/sqlite/usage_source.hpp"
#include "unit/store_backends.hpp"

namespace auditsync {
namespace {

using testing::At;

struct Generated {
  std::vector<AuditRecord> records;  // in the order stored, duplicates included
};

// Launches over about 80 days around three month ends, 12 apps in 3 environments, 30 users (some
// launches name none), several launches in the same second, some deletions and duplicates.
Generated Generate(std::mt19937& random) {
  Generated generated;
  const Instant start = At("2026-09-12T00:00:00Z");
  std::uniform_int_distribution<int> app(0, 11);
  std::uniform_int_distribution<int> user(0, 30);  // 30: no user
  std::uniform_int_distribution<int64_t> offset(0, 80LL * 86400 - 1);
  std::uniform_int_distribution<int> percent(0, 99);
  for (int i = 0; i < 4000; ++i) {
    AuditRecord record;
    // Ids of several shapes: GUIDs (stored as 16 bytes) and free text (stored as text).
    char id[64];
    if (i % 7 == 0) {
      std::snprintf(id, sizeof id, "legacy-%05d", i);
    } else {
      std::snprintf(id, sizeof id, "%08x-0000-4000-8000-%012x", i * 2654435761U, i);
    }
    record.id = id;
    // A fifth of the launches crowd into a few seconds, so that ties on time are common.
    record.created = percent(random) < 20 ? At("2026-10-31T23:59:59Z") + std::chrono::seconds(i % 3)
                                          : start + std::chrono::seconds(offset(random));
    record.operation = percent(random) < 3 ? "DeletePowerApp" : "LaunchPowerApp";
    record.record_type = 256;
    const int a = app(random);
    record.app_id = "app-" + std::to_string(a);
    record.app_name = "App " + std::to_string(a);
    record.environment_id = "env-" + std::to_string(a % 3);
    const int u = user(random);
    record.user_upn = u == 30 ? "" : "user" + std::to_string(u) + "@contoso.com";
    record.raw = "{}";
    generated.records.push_back(record);
    if (percent(random) < 5) generated.records.push_back(record);  // a duplicate
  }
  return generated;
}

// The apps report by brute force over the distinct launches of the window.
std::map<std::string, AppUsage> BruteForceApps(const Generated& generated,
                                               const UsageFilter& filter) {
  std::map<std::string, AppUsage> apps;
  std::map<std::string, std::set<std::string>> users;
  std::set<std::string> seen;
  std::map<std::string, std::pair<Instant, std::string>> latest;
  for (const auto& record : generated.records) {
    if (record.operation != "LaunchPowerApp" || !seen.insert(record.id).second) continue;
    if (record.created < filter.from || record.created >= filter.to) continue;
    if (filter.app_id && record.app_id != *filter.app_id) continue;
    if (filter.environment_id && record.environment_id != *filter.environment_id) continue;
    auto& app = apps[record.app_id];
    app.app_id = record.app_id;
    app.app_name = record.app_name;
    app.environment_id = record.environment_id;
    ++app.launches;
    if (!record.user_upn.empty()) users[record.app_id].insert(record.user_upn);
    // Ties on time go to the greater id; GUID ids order by their bytes, which for these lowercase
    // ids is their text order, and text ids before GUIDs.
    const bool text_id = record.id.starts_with("legacy");
    const std::string order = (text_id ? "1" : "2") + record.id;
    auto& [at, best] = latest[record.app_id];
    if (!app.last_launched_on || record.created > at || (record.created == at && order > best)) {
      at = record.created;
      best = order;
      app.last_launched_on = record.created;
      app.last_launched_by =
          record.user_upn.empty() ? std::nullopt : std::optional(record.user_upn);
    }
  }
  for (auto& [id, app] : apps) app.unique_users = static_cast<int64_t>(users[id].size());
  return apps;
}

class UsageRollupTest : public testing::BackendTest {
 protected:
  // Stores the records in pages of 100, restarting after a third and folding after two thirds, so
  // that the rollups hold most launches and the rest wait in the records.
  void Store(const Generated& generated) {
    auto window = store_->PlanWindow(ScanKind::kInitial, At("2026-09-01"), At("2026-12-31"),
                                     At("2027-01-01"));
    const auto& records = generated.records;
    for (size_t first = 0; first < records.size(); first += 100) {
      RecordPage page;
      page.records.assign(
          records.begin() + static_cast<ptrdiff_t>(first),
          records.begin() + static_cast<ptrdiff_t>(std::min(first + 100, records.size())));
      store_->CommitPage(window, page);
      if (first == records.size() * 2 / 3 / 100 * 100) store_->FoldLaunches();
      if (first == records.size() / 3 / 100 * 100) {
        // A restart: the launches not folded yet are read back from the records.
        store_ = database_->Open();
      }
    }
  }
};

AUDITSYNC_ON_EVERY_BACKEND(UsageRollupTest);

UsageFilter RandomFilter(std::mt19937& random) {
  const Instant base = At("2026-09-10T00:00:00Z");
  std::uniform_int_distribution<int64_t> seconds(0, 85LL * 86400);
  std::uniform_int_distribution<int> choice(0, 9);
  UsageFilter filter;
  Instant a = base + std::chrono::seconds(seconds(random));
  Instant b = base + std::chrono::seconds(seconds(random));
  if (a > b) std::swap(a, b);
  // Whole days, whole months and open ends, besides arbitrary seconds.
  if (choice(random) < 3) a = AlignDown(a, std::chrono::days(1));
  if (choice(random) < 3) b = AlignDown(b, std::chrono::days(1));
  filter.from = choice(random) == 0 ? Instant::min() : a;
  filter.to = choice(random) == 0 ? Instant::max() : b;
  if (choice(random) == 1) filter.from = At("2026-10-01T00:00:00Z");
  if (choice(random) == 2) filter.to = At("2026-12-01T00:00:00Z");
  const int scope = choice(random);
  if (scope == 3) filter.app_id = "app-" + std::to_string(choice(random));
  if (scope == 4) filter.environment_id = "env-" + std::to_string(choice(random) % 3);
  return filter;
}

TEST_P(UsageRollupTest, ReportsFromTheRollupsEqualReportsFromTheRecords) {
  std::mt19937 random(20261129);
  const auto generated = Generate(random);
  Store(generated);
  for (int round = 0; round < 60; ++round) {
    const auto filter = RandomFilter(random);
    SCOPED_TRACE("window " + (filter.from == Instant::min() ? "-" : FormatIso8601(filter.from)) +
                 " .. " + (filter.to == Instant::max() ? "-" : FormatIso8601(filter.to)) + " app " +
                 filter.app_id.value_or("*") + " environment " +
                 filter.environment_id.value_or("*"));
    store_->ReadUsageFromRecordsOnly(false);
    const auto apps = store_->QueryAppUsage(filter);
    const auto users = store_->QueryUserUsage(filter);
    const auto summary = store_->QuerySummary(filter);
    std::vector<std::vector<UsagePoint>> usage;
    for (const auto period : {UsagePeriod::kDay, UsagePeriod::kWeek, UsagePeriod::kMonth}) {
      usage.push_back(store_->QueryUsage(filter, period));
    }
    store_->ReadUsageFromRecordsOnly(true);
    EXPECT_EQ(apps, store_->QueryAppUsage(filter));
    EXPECT_EQ(users, store_->QueryUserUsage(filter));
    EXPECT_EQ(summary, store_->QuerySummary(filter));
    EXPECT_EQ(usage[0], store_->QueryUsage(filter, UsagePeriod::kDay));
    EXPECT_EQ(usage[1], store_->QueryUsage(filter, UsagePeriod::kWeek));
    EXPECT_EQ(usage[2], store_->QueryUsage(filter, UsagePeriod::kMonth));

    const auto expected = BruteForceApps(generated, filter);
    ASSERT_EQ(apps.size(), expected.size());
    int64_t launches = 0;
    for (const auto& row : apps) {
      const auto& truth = expected.at(row.app_id);
      EXPECT_EQ(row.launches, truth.launches) << row.app_id;
      EXPECT_EQ(row.unique_users, truth.unique_users) << row.app_id;
      EXPECT_EQ(row.last_launched_on, truth.last_launched_on) << row.app_id;
      EXPECT_EQ(row.last_launched_by, truth.last_launched_by) << row.app_id;
      launches += row.launches;
    }
    EXPECT_EQ(summary.launches, launches);
    int64_t by_day = 0;
    for (const auto& point : usage[0]) by_day += point.launches;
    EXPECT_EQ(by_day, launches);
  }
}

TEST_P(UsageRollupTest, PeriodsWithoutLaunchesAreShownAsZeros) {
  RecordPage page;
  AuditRecord record;
  record.id = "a";
  record.operation = "LaunchPowerApp";
  record.app_id = "app";
  record.user_upn = "amy@contoso.com";
  record.raw = "{}";
  record.created = At("2026-11-02T10:00:00Z");
  page.records.push_back(record);
  record.id = "b";
  record.created = At("2026-11-05T10:00:00Z");
  page.records.push_back(record);
  auto window =
      store_->PlanWindow(ScanKind::kInitial, At("2026-11-01"), At("2026-11-06"), At("2026-11-07"));
  window.state = WindowState::kComplete;  // completing a window folds its launches
  store_->CommitPage(window, page);
  const auto days =
      store_->QueryUsage({.from = At("2026-11-01"), .to = At("2026-11-07")}, UsagePeriod::kDay);
  ASSERT_EQ(days.size(), 6u);
  EXPECT_EQ(days[0].launches, 0);
  EXPECT_EQ(days[1].launches, 1);
  EXPECT_EQ(days[1].unique_users, 1);
  EXPECT_EQ(days[4].launches, 1);
  EXPECT_EQ(days[5].launches, 0);
  const auto weeks = store_->QueryUsage({}, UsagePeriod::kWeek);  // open: from launch to launch
  ASSERT_EQ(weeks.size(), 1u);
  EXPECT_EQ(weeks[0].period_start, At("2026-11-02"));  // a Monday
  EXPECT_EQ(weeks[0].launches, 2);
  EXPECT_EQ(weeks[0].unique_users, 1);
}

// A report's queries share one snapshot: what another connection commits meanwhile shows in
// none of them, and in the next snapshot.
TEST_P(UsageRollupTest, QueriesInsideASnapshotDoNotSeeCommitsMadeMeanwhile) {
  auto window =
      store_->PlanWindow(ScanKind::kInitial, At("2026-11-01"), At("2026-11-03"), At("2026-11-04"));
  RecordPage page;
  page.records = {testing::Launch("r1", "2026-11-01T10:00:00Z", "app-1", "amy@contoso.com")};
  store_->CommitPage(window, page);
  const auto writer = database_->Open();
  auto writer_window =
      writer->PlanWindow(ScanKind::kInitial, At("2026-11-01"), At("2026-11-03"), At("2026-11-04"));
  {
    const auto snapshot = store_->HoldSnapshot();
    EXPECT_EQ(store_->QuerySummary({}).launches, 1);
    page.records = {testing::Launch("r2", "2026-11-02T10:00:00Z", "app-2", "bob@contoso.com")};
    writer->CommitPage(writer_window, page);
    EXPECT_EQ(store_->QuerySummary({}).launches, 1);
    EXPECT_EQ(store_->QueryAppUsage({}).size(), 1u);
    EXPECT_EQ(store_->QueryUsage({}, UsagePeriod::kDay).back().launches, 1);
  }
  EXPECT_EQ(store_->QuerySummary({}).launches, 2);
  EXPECT_EQ(store_->QueryAppUsage({}).size(), 2u);
}

}  // namespace
}  // namespace auditsync

namespace auditsync {
namespace {

// A report of one app (or environment) reads only its apps' launches from the backend, from the
// rollups and from the records alike, instead of every launch of its window.
TEST_P(UsageRollupTest, OnlyTheAdmittedAppsAreRead) {
  auto window =
      store_->PlanWindow(ScanKind::kInitial, At("2026-10-01"), At("2026-12-01"), At("2026-12-02"));
  RecordPage page;
  page.records = {testing::Launch("r1", "2026-10-03T10:00:00Z", "app-a", "amy"),
                  testing::Launch("r2", "2026-10-20T10:00:00Z", "app-b", "amy"),
                  testing::Launch("r3", "2026-11-05T10:00:00Z", "app-b", "bob"),
                  testing::Launch("r4", "2026-11-05T11:00:00Z", "app-c", "bob")};
  store_->CommitPage(window, page);
  store_->FoldLaunches();
  page.records = {testing::Launch("r5", "2026-11-05T12:00:00Z", "app-b", "eve"),
                  testing::Launch("r6", "2026-11-05T13:00:00Z", "app-a", "eve")};
  store_->CommitPage(window, page);  // not folded yet
  const int64_t app_b =
      std::stoll(database_->Row("SELECT app_key FROM apps WHERE app_id = 'app-b'")[0]);
  const auto visit = [&](store::UsageSource& source) {
    // Whole months, whole days and partial days; from the rollups and from the records only.
    for (const bool use_rollups : {true, false}) {
      for (const auto& [from, to] :
           {std::pair{At("2026-10-01"), At("2026-12-01")},
            std::pair{At("2026-10-03T12:00:00Z"), At("2026-11-05T12:30:00Z")}}) {
        int64_t launches = 0;
        store::ForEachLaunchGroup(source, from.time_since_epoch().count(),
                                  to.time_since_epoch().count(), std::vector<int64_t>{app_b},
                                  store::LaunchGrain::kMonth, store::LaunchDetail::kWithLatest,
                                  use_rollups, [&](const store::LaunchGroup& group) {
                                    EXPECT_EQ(group.app_key, app_b);
                                    launches += group.launches;
                                  });
        EXPECT_EQ(launches, 3) << use_rollups << " " << FormatIso8601(from);
      }
    }
  };
  if (GetParam() == testing::Backend::kSqlite) {
    sqlite::Database db(database_->SqlitePath());
    sqlite::SqliteUsageSource source(db);
    visit(source);
  } else {
    const auto connection = database_->Connect();
    postgres::PgUsageSource source(*connection);
    visit(source);
  }
}

// Every rollup row of a SQLite database, as text.
std::vector<std::string> RollupRows(const std::string& path) {
  sqlite::Database db(path);
  std::vector<std::string> rows;
  for (const auto& [table, period] :
       {std::pair{"launch_days", "day"}, {"launch_months", "month"}}) {
    sqlite::Statement query(db, std::string("SELECT printf('%d %d %d %d %d %d %s', ") + period +
                                    ", app_key, user_key, launches, first_at, last_at, "
                                    "hex(last_record)) FROM " +
                                    table + " ORDER BY 1");
    while (query.Step()) rows.push_back(query.Text(0));
  }
  return rows;
}

// SQLite: a backlog of unfolded records (the rollups reset or far behind, as right after the
// migration that added them) is folded in chunks of seqs, each committed with the seq it reached,
// into the rollups that folding at once gives. (PostgreSQL writes its rollups with each page.)
TEST(SqliteRollups, ABacklogIsFoldedInChunksIntoTheSameRollups) {
  testing::TempDatabase file("rollup_chunks");
  std::mt19937 random(7);
  const auto generated = Generate(random);
  {
    auto store = OpenStore(file.Path());
    auto window =
        store->PlanWindow(ScanKind::kInitial, At("2026-09-01"), At("2026-12-31"), At("2027-01-01"));
    RecordPage page;
    page.records = generated.records;
    store->CommitPage(window, page);
    store->FoldLaunches();
  }
  const auto folded_at_once = RollupRows(file.Path());
  ASSERT_FALSE(folded_at_once.empty());
  {
    sqlite::Database db(file.Path());
    db.Execute(
        "DELETE FROM launch_days; DELETE FROM launch_months; "
        "UPDATE meta SET value = '0' WHERE key = 'rollup_seq'");
    sqlite::CatchUpRollups(db, 500);
    EXPECT_GT(sqlite::ReadRollupSeq(db), 0);
    EXPECT_LE(sqlite::UnfoldedRecords(db), 500);
  }
  {
    auto store = OpenStore(file.Path());
    store->FoldLaunches();  // the rest
  }
  EXPECT_EQ(RollupRows(file.Path()), folded_at_once);
}

}  // namespace
}  // namespace auditsync
