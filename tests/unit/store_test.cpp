#include "store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>

#include "core/error.hpp"
#include "store/sqlite/schema.hpp"
#include "unit/store_backends.hpp"
#include "unit/store_support.hpp"

namespace auditsync {
namespace {

using testing::At;
using testing::Launch;

// The conformance suite of the store (store/store.hpp): every test runs on each backend.
class StoreTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    window_ = store_->PlanWindow(ScanKind::kInitial, At("2026-11-01"), At("2026-11-02"),
                                 At("2026-11-03"));
  }
  std::vector<SyncWindow> UnfinishedSettleScans() {
    auto windows = store_->UnfinishedWindows();
    std::erase_if(windows, [](const SyncWindow& w) { return w.kind != ScanKind::kSettle; });
    return windows;
  }

  SyncWindow window_;
};

AUDITSYNC_ON_EVERY_BACKEND(StoreTest);

TEST_P(StoreTest, StoresEachRecordOnceAndCountsDuplicates) {
  RecordPage page;
  page.records = {Launch("r1", "2026-11-01T10:00:00Z", "app-a", "amy"),
                  Launch("r2", "2026-11-01T11:00:00Z", "app-a", "bob"),
                  Launch("r1", "2026-11-01T10:00:00Z", "app-a", "amy")};
  auto outcome = store_->CommitPage(window_, page);
  EXPECT_EQ(outcome.inserted, 2);
  EXPECT_EQ(outcome.duplicates, 1);
  outcome = store_->CommitPage(window_, page);
  EXPECT_EQ(outcome.inserted, 0);
  EXPECT_EQ(outcome.duplicates, 3);
  EXPECT_EQ(store_->CountRecords(), 2);
  EXPECT_EQ(window_.record_count, 2);
}

TEST_P(StoreTest, LastLaunchNeverMovesBackwards) {
  RecordPage newer;
  newer.records = {Launch("r2", "2026-11-01T12:00:00Z", "app-a", "bob")};
  store_->CommitPage(window_, newer);
  RecordPage late;  // a late-published, older record arrives afterwards
  late.records = {Launch("r1", "2026-11-01T09:00:00Z", "app-a", "amy")};
  late.records[0].app_name = "Old name";
  store_->CommitPage(window_, late);
  const auto rows = store_->QueryAppUsage({});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].launches, 2);
  EXPECT_EQ(rows[0].unique_users, 2);
  EXPECT_EQ(FormatIso8601(*rows[0].last_launched_on), "2026-11-01T12:00:00Z");
  EXPECT_EQ(rows[0].last_launched_by, "bob");
  EXPECT_EQ(rows[0].app_name, "App app-a");  // the newer record's name stays
}

TEST_P(StoreTest, ReportsCountOnlyLaunchesInTheWindowAndBreakTiesByRecordId) {
  RecordPage page;
  page.records = {Launch("r1", "2026-11-01T10:00:00Z", "app-a", "amy"),
                  Launch("r9", "2026-11-01T10:00:00Z", "app-a", "zed"),
                  Launch("r5", "2026-11-01T10:00:00Z", "app-a", "bob"),
                  Launch("r3", "2026-11-01T23:00:00Z", "app-b", "amy"),
                  Launch("r4", "2026-11-01T09:00:00Z", "app-b", "AMY")};
  auto deletion = Launch("d1", "2026-11-01T11:00:00Z", "app-c", "admin");
  deletion.operation = "DeletePowerApp";
  page.records.push_back(deletion);
  store_->CommitPage(window_, page);
  const auto rows =
      store_->QueryAppUsage({.from = At("2026-11-01"), .to = At("2026-11-01T20:00:00Z")});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].app_id, "app-a");
  EXPECT_EQ(rows[0].launches, 3);
  EXPECT_EQ(rows[0].last_launched_by, "zed");  // same second: the greater record id wins
  EXPECT_EQ(rows[1].app_id, "app-b");
  EXPECT_EQ(rows[1].launches, 1);
}

// A last launch that named no user is shown without one (JSON null), not as an empty name: in the
// apps report (from the rollups and from the records) and in the apps table (report unused).
TEST_P(StoreTest, ALastLaunchWithoutUserNamesNoUser) {
  RecordPage page;
  page.records = {Launch("r1", "2026-11-01T10:00:00Z", "app-a", "amy"),
                  Launch("r2", "2026-11-01T11:00:00Z", "app-a", "")};
  store_->CommitPage(window_, page);
  for (const bool records_only : {false, true}) {
    store_->ReadUsageFromRecordsOnly(records_only);
    const auto rows = store_->QueryAppUsage({});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].last_launched_by, std::nullopt) << records_only;
  }
  const auto unused = store_->QueryUnusedApps(At("2027-01-01"), {});
  ASSERT_EQ(unused.size(), 1u);
  EXPECT_EQ(unused[0].last_launched_by, std::nullopt);
  EXPECT_EQ(database_->Row("SELECT last_launched_by FROM apps"), std::vector<std::string>{"NULL"});
}

// Two launches in the same second: the apps table (report unused) and the rollups (report apps)
// name the same last user, whose record key is the greater (every text id before every GUID, each
// by its bytes), whether the launches come in one page or in two, in either order.
TEST_P(StoreTest, TheAppsTableAndTheReportsBreakTiesAlike) {
  // Text order and key order disagree: "legacy" > "0aaa…" as text, but a GUID's key is greater;
  // "BBBB…" < "aaaa…" as text, but 0xBB > 0xAA.
  // (Each app's records get ids of their own, ending in the app's number: one id at one second is
  // one record.)
  const std::vector<std::pair<std::string, std::string>> ties = {
      {"legacy-", "0aaaaaaa-0000-4000-8000-00000000000"},
      {"aaaaaaaa-0000-4000-8000-00000000000", "BBBBBBBB-0000-4000-8000-00000000000"}};
  const char* at = "2026-11-01T10:00:00Z";
  int app = 0;
  for (const auto& [lesser, greater] : ties) {
    for (const int order : {0, 1, 2}) {  // one page; lesser first; greater first
      const std::string app_id = "app-" + std::to_string(app++);
      const auto first = Launch(lesser + app_id.back(), at, app_id, "text-" + app_id);
      const auto second = Launch(greater + app_id.back(), at, app_id, "key-" + app_id);
      RecordPage page;
      page.records = {first, second};
      if (order == 0) {
        store_->CommitPage(window_, page);
        continue;
      }
      if (order == 2) std::swap(page.records[0], page.records[1]);
      const auto both = page.records;
      for (const auto& record : both) {
        page.records = {record};
        store_->CommitPage(window_, page);
      }
    }
  }
  store_->FoldLaunches();
  std::map<std::string, std::optional<std::string>> unused;
  for (const auto& row : store_->QueryUnusedApps(At("2027-01-01"), {})) {
    unused[row.app_id] = row.last_launched_by;
  }
  const auto rows = store_->QueryAppUsage({});
  ASSERT_EQ(rows.size(), 6u);
  ASSERT_EQ(unused.size(), 6u);
  for (const auto& row : rows) {
    EXPECT_EQ(row.last_launched_by, "key-" + row.app_id);
    EXPECT_EQ(unused[row.app_id], "key-" + row.app_id);
  }
}

TEST_P(StoreTest, ANewerRecordWithoutTheEnvironmentNameKeepsTheKnownName) {
  RecordPage first;
  first.records = {Launch("r1", "2026-11-01T10:00:00Z", "app-a", "amy")};
  store_->CommitPage(window_, first);
  RecordPage later;
  later.records = {Launch("r2", "2026-11-01T11:00:00Z", "app-a", "bob")};
  later.records[0].environment_name.clear();
  store_->CommitPage(window_, later);
  auto rows = store_->QueryAppUsage({});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].environment_name, "Default");
  // The app moved to another environment whose name is not known yet: no stale name.
  RecordPage moved;
  moved.records = {Launch("r3", "2026-11-01T12:00:00Z", "app-a", "bob")};
  moved.records[0].environment_id = "env-2";
  moved.records[0].environment_name.clear();
  store_->CommitPage(window_, moved);
  rows = store_->QueryAppUsage({});
  EXPECT_EQ(rows[0].environment_id, "env-2");
  EXPECT_FALSE(rows[0].environment_name.has_value());
}

// A record's id always comes with the same creation time, so (time, id) identifies it; ids that
// differ only in letter case are one record.
TEST_P(StoreTest, ARecordIsOneLaunchWhateverTheCaseOfItsId) {
  RecordPage page;
  page.records = {
      Launch("6f1c2a3b-0000-4d5e-8f90-aabbccddeeff", "2026-11-01T10:00:00Z", "app-a", "amy"),
      Launch("6F1C2A3B-0000-4D5E-8F90-AABBCCDDEEFF", "2026-11-01T10:00:00Z", "app-a", "amy")};
  EXPECT_EQ(store_->CommitPage(window_, page).inserted, 1);
  const auto rows = store_->QueryAppUsage({});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].launches, 1);
}

TEST_P(StoreTest, FirstSeenAndDeletionAreKept) {
  RecordPage page;
  auto deletion = Launch("d1", "2026-11-01T15:00:00Z", "app-a", "admin");
  deletion.operation = "DeletePowerApp";
  page.records = {Launch("r2", "2026-11-01T12:00:00Z", "app-a", "bob"), deletion,
                  Launch("r1", "2026-11-01T09:00:00Z", "app-a", "amy")};
  store_->CommitPage(window_, page);
  const auto row = database_->Row("SELECT first_seen, deleted_on, last_launched_by FROM apps");
  EXPECT_EQ(row,
            (std::vector<std::string>{
                std::to_string(At("2026-11-01T09:00:00Z").time_since_epoch().count()),
                std::to_string(At("2026-11-01T15:00:00Z").time_since_epoch().count()), "bob"}));
}

TEST_P(StoreTest, QuarantinesEachBadRecordOnce) {
  RecordPage page;
  page.quarantined = {{"q1", "no app", "{\"id\":\"q1\"}"}, {"", "not an object", "42"}};
  EXPECT_EQ(store_->CommitPage(window_, page).quarantined, 2);
  EXPECT_EQ(store_->CommitPage(window_, page).quarantined, 0);
  EXPECT_EQ(store_->CountQuarantined(), 2);
}

TEST_P(StoreTest, WindowsKeepTheirProgressAcrossReopening) {
  window_.state = WindowState::kPaging;
  window_.query_id = "q-1";
  window_.next_link = "https://graph/next?$skiptoken=abc";
  store_->SaveWindow(window_);
  store_ = database_->Open();
  const auto unfinished = store_->UnfinishedWindows();
  ASSERT_EQ(unfinished.size(), 1u);
  EXPECT_EQ(unfinished[0].next_link, "https://graph/next?$skiptoken=abc");
  EXPECT_EQ(unfinished[0].state, WindowState::kPaging);
  EXPECT_EQ(store_->Frontier(), At("2026-11-02"));
  // The same range gives the same window back.
  EXPECT_EQ(
      store_->PlanWindow(ScanKind::kInitial, At("2026-11-01"), At("2026-11-02"), At("2026-11-03"))
          .id,
      window_.id);
}

TEST_P(StoreTest, GuidIdsThatDifferOnlyInCaseAreOneRecord) {
  RecordPage page;
  page.records = {
      Launch("6f1c2a3b-0000-4d5e-8f90-aabbccddeeff", "2026-11-01T10:00:00Z", "a", "amy"),
      Launch("6F1C2A3B-0000-4D5E-8F90-AABBCCDDEEFF", "2026-11-01T10:00:00Z", "a", "amy"),
      // Not GUIDs: compared as text, never equal to a GUID's bytes.
      Launch("not-a-guid", "2026-11-01T10:00:00Z", "a", "bob"),
      Launch("NOT-A-GUID", "2026-11-01T10:00:00Z", "a", "bob"),
      Launch("0123456789abcdef", "2026-11-01T10:00:00Z", "a", "bob")};
  const auto outcome = store_->CommitPage(window_, page);
  EXPECT_EQ(outcome.inserted, 4);
  EXPECT_EQ(outcome.duplicates, 1);
  const auto usage = store_->QueryAppUsage({.from = At("2026-11-01"), .to = At("2026-11-02")});
  ASSERT_EQ(usage.size(), 1U);
  EXPECT_EQ(usage[0].launches, 4);
}

// SQLite's own history: databases made by earlier versions, before PostgreSQL existed.
class SqliteHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<SqliteStore>(path_);
    window_ = store_->PlanWindow(ScanKind::kInitial, At("2026-11-01"), At("2026-11-02"),
                                 At("2026-11-03"));
  }

  testing::TempDatabase file_{"store-history-test"};
  const std::string& path_ = file_.Path();
  std::unique_ptr<Store> store_;
  SyncWindow window_;
};

// A database made by a version-1 auditsync, with two copies of a record that the old text key
// told apart by case.
TEST_F(SqliteHistoryTest, MigratesAVersionOneDatabaseAndMergesCaseCopies) {
  store_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  const std::string v1 = std::string(sqlite::kMigrations[0]) + R"sql(
INSERT INTO audit_records (record_id, created_at, operation, record_type, app_id, user_upn,
                           stored_at, raw)
VALUES ('6f1c2a3b-0000-4d5e-8f90-aabbccddeeff', 1761991200, 'LaunchPowerApp', 256, 'a', 'amy', 0, '{}'),
       ('6F1C2A3B-0000-4D5E-8F90-AABBCCDDEEFF', 1761991200, 'LaunchPowerApp', 256, 'a', 'amy', 0, '{}'),
       ('legacy-id', 1761991300, 'LaunchPowerApp', 256, 'a', 'bob', 0, '{}');
PRAGMA user_version = 1;
)sql";
  ASSERT_EQ(sqlite3_exec(db, v1.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  store_ = std::make_unique<SqliteStore>(path_);
  EXPECT_EQ(store_->CountRecords(), 2);
  // The migrated rows keep deduplicating new copies.
  window_ =
      store_->PlanWindow(ScanKind::kInitial, At("2026-11-01"), At("2026-11-02"), At("2026-11-03"));
  RecordPage page;
  page.records = {
      Launch("6f1c2a3b-0000-4d5e-8f90-aabbccddeeff", "2025-11-01T10:00:00Z", "a", "amy"),
      Launch("legacy-id", "2025-11-01T10:01:40Z", "a", "bob")};
  const auto outcome = store_->CommitPage(window_, page);
  EXPECT_EQ(outcome.inserted, 0);
  EXPECT_EQ(outcome.duplicates, 2);
}

// Windows of a version-2 database: Nov 1 complete, Nov 2 split in two complete halves, Nov 3
// pending. They keep their ids, the halves are linked to the split window, and the hours they
// completed are covered as of their end, so that every settle scan is still due.
TEST_F(SqliteHistoryTest, MigratesVersionTwoWindowsIntoCoverage) {
  store_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  std::string v2 = std::string(sqlite::kMigrations[0]);
  v2 += R"sql(
INSERT INTO sync_windows (window_id, start_at, end_at, state, updated_at) VALUES
  (1, 1793491200, 1793577600, 'complete', 0),
  (2, 1793577600, 1793664000, 'split', 0),
  (3, 1793577600, 1793620800, 'complete', 0),
  (4, 1793620800, 1793664000, 'complete', 0),
  (5, 1793664000, 1793750400, 'pending', 0);
)sql";
  ASSERT_EQ(sqlite3_exec(db, v2.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  // Migration 2 needs the store's SQL function, so it is applied by the store itself: stop at 1
  // and let the store migrate 1 -> 3.
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 1", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  store_ = std::make_unique<SqliteStore>(path_);
  const auto hours = store_->Coverage(At("2026-11-01"), At("2026-11-04"));
  ASSERT_EQ(hours.size(), 48u);
  EXPECT_EQ(hours.front().start, At("2026-11-01"));
  EXPECT_EQ(hours.front().scanned_at, At("2026-11-01T01:00:00Z"));
  EXPECT_EQ(hours.back().start, At("2026-11-02T23:00:00Z"));
  const auto unfinished = store_->UnfinishedWindows();
  ASSERT_EQ(unfinished.size(), 1u);
  EXPECT_EQ(unfinished[0].id, 5);
  EXPECT_EQ(unfinished[0].root_id, 5);
  EXPECT_EQ(unfinished[0].kind, ScanKind::kInitial);
  // A half is linked to the window it came from: planning the same range finds the planned one.
  EXPECT_EQ(
      store_->PlanWindow(ScanKind::kInitial, At("2026-11-02"), At("2026-11-03"), At("2026-11-05"))
          .id,
      2);
  EXPECT_EQ(store_->Frontier(), At("2026-11-04"));
}

TEST_P(StoreTest, AScanIsRestartedOnlyOnceEveryPartOfItIsOver) {
  auto scan =
      store_->PlanWindow(ScanKind::kSettle, At("2026-11-01"), At("2026-11-02"), At("2026-11-03"));
  auto halves = store_->SplitWindow(scan, {{At("2026-11-01"), At("2026-11-01T12:00:00Z")},
                                           {At("2026-11-01T12:00:00Z"), At("2026-11-02")}});
  halves[0].state = WindowState::kComplete;
  store_->CommitPage(halves[0], RecordPage{});
  // The second half is still pending: the scan under way goes on.
  EXPECT_FALSE(store_->RestartWindow(scan, At("2026-11-04")));
  EXPECT_EQ(UnfinishedSettleScans().size(), 1u);
  EXPECT_TRUE(store_->Coverage(At("2026-11-01"), At("2026-11-02")).empty());
  halves[1].state = WindowState::kComplete;
  store_->CommitPage(halves[1], RecordPage{});
  // Its last part done, the whole day is complete as of the scan's plan time.
  const auto hours = store_->Coverage(At("2026-11-01"), At("2026-11-02"));
  ASSERT_EQ(hours.size(), 24u);
  EXPECT_EQ(hours[0].scanned_at, At("2026-11-03"));
  EXPECT_TRUE(store_->RestartWindow(scan, At("2026-11-04")));
  const auto unfinished = UnfinishedSettleScans();
  ASSERT_EQ(unfinished.size(), 1u);  // the day again, its old halves gone
  EXPECT_EQ(unfinished[0].id, scan.id);
  EXPECT_EQ(unfinished[0].planned_at, At("2026-11-04"));
}

TEST_F(SqliteHistoryTest, RefusesADatabaseFromANewerVersion) {
  store_.reset();
  sqlite3* db = nullptr;
  sqlite3_open(path_.c_str(), &db);
  sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_THROW(SqliteStore{path_}, StorageError);
}

TEST_P(StoreTest, BlobsAreFinishedWithTheirRecordsAndTheCursorMovesOnlyWhenGiven) {
  RecordPage page;
  page.records = {Launch("r1", "2026-11-01T10:00:00Z", "app-a", "amy"),
                  Launch("r2", "2026-11-01T11:00:00Z", "app-a", "bob")};
  auto outcome =
      store_->CommitBlobs(page, {{"blob-1", At("2026-11-01T12:05:00Z"), 40, false}}, std::nullopt);
  EXPECT_EQ(outcome.inserted, 2);
  EXPECT_FALSE(store_->ContentCursor());
  EXPECT_EQ(store_->BlobsSince(At("2026-11-01")), (std::unordered_set<std::string>{"blob-1"}));
  // The same records again from another blob (the API duplicates them), with an expired blob.
  outcome = store_->CommitBlobs(page,
                                {{"blob-2", At("2026-11-01T12:15:00Z"), 40, false},
                                 {"blob-3", At("2026-11-01T12:25:00Z"), 0, true}},
                                At("2026-11-01T13:00:00Z"));
  EXPECT_EQ(outcome.inserted, 0);
  EXPECT_EQ(outcome.duplicates, 2);
  EXPECT_EQ(store_->ContentCursor(), At("2026-11-01T13:00:00Z"));
  const auto tally = store_->CountBlobs();
  EXPECT_EQ(tally.stored, 2);
  EXPECT_EQ(tally.expired, 1);
  EXPECT_EQ(tally.records_read, 80);
  EXPECT_EQ(tally.newest, At("2026-11-01T12:25:00Z"));
  // Records from blobs reach the apps table (the update step) and reports like Graph's.
  const auto apps = store_->QueryAppUsage(UsageFilter{});
  ASSERT_EQ(apps.size(), 1u);
  EXPECT_EQ(apps[0].launches, 2);
  EXPECT_EQ(apps[0].unique_users, 2);
  // Blobs older than the API can list are forgotten once the cursor is 8 days past them.
  store_->CommitBlobs({}, {}, At("2026-11-09T13:00:00Z"));
  EXPECT_TRUE(store_->BlobsSince(At("2026-10-01")).empty());
  store_->RecordContentGap({At("2026-10-01"), At("2026-10-05"), At("2026-10-12")});
  store_->RecordContentGap({At("2026-10-01"), At("2026-10-05"), At("2026-10-13")});  // known
  ASSERT_EQ(store_->ContentGaps().size(), 1u);
  EXPECT_EQ(store_->ContentGaps()[0].found_at, At("2026-10-12"));
  // The same start found later, reaching further: the one gap grows (never shrinks).
  store_->RecordContentGap({At("2026-10-01"), At("2026-10-06"), At("2026-10-13")});
  store_->RecordContentGap({At("2026-10-01"), At("2026-10-04"), At("2026-10-14")});
  ASSERT_EQ(store_->ContentGaps().size(), 1u);
  EXPECT_EQ(store_->ContentGaps()[0].end, At("2026-10-06"));
  EXPECT_EQ(store_->ContentGaps()[0].found_at, At("2026-10-12"));
}

}  // namespace
}  // namespace auditsync
