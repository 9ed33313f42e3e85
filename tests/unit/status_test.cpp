// `auditsync status` from a store in a known state: the figures (ReadSyncStatus) and their exact
// rendering (golden files tests/golden/status.{table,json}).
#include "sync/status.hpp"

#include "unit/store_backends.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "report/status_render.hpp"
#include "unit/golden.hpp"

namespace auditsync {
namespace {

using namespace std::chrono_literals;

Instant At(const char* text) { return *ParseIso8601(text); }

// Submissions recorded whatever the tenant's limits.
constexpr SubmissionLimits kNoLimits{1000, 1000};

AuditRecord Launch(std::string id, const char* time) {
  AuditRecord record;
  record.id = std::move(id);
  record.created = At(time);
  record.operation = "LaunchPowerApp";
  record.record_type = 256;
  record.app_id = "app-a";
  record.user_upn = "amy@contoso.com";
  record.raw = "{}";
  return record;
}

// Status from a store of each backend: the same figures and the same golden rendering.
class StatusTest : public testing::BackendTest {
 protected:
  // A window scanned completely, planned when it closed.
  void Complete(Instant start, Instant end, const RecordPage& page = {}) {
    auto window = store_->PlanWindow(ScanKind::kInitial, start, end, end);
    window.state = WindowState::kComplete;
    store_->CommitPage(window, page);
  }

  // Nov 18 collected as one day, Nov 19 hour by hour until 10:00 with 06:00 failing and 07:00
  // not yet queried; four queries submitted, three of them in the last 24 hours.
  SyncStatus Scenario() {
    RecordPage page;
    page.records = {Launch("r1", "2026-11-18T09:00:00Z"), Launch("r2", "2026-11-18T09:30:00Z")};
    page.quarantined = {{"r3", "no app id", "{\"Id\":\"r3\"}"}};
    Complete(At("2026-11-18"), At("2026-11-19"), page);
    for (int hour : {0, 1, 2, 3, 4, 5, 8, 9}) {
      const Instant start = At("2026-11-19") + std::chrono::hours(hour);
      Complete(start, start + 1h);
    }
    auto failing = store_->PlanWindow(ScanKind::kInitial, At("2026-11-19T06:00:00Z"),
                                      At("2026-11-19T07:00:00Z"), At("2026-11-19T07:00:00Z"));
    failing.state = WindowState::kFailed;
    failing.attempts = 6;
    failing.failures = 3;  // backing off: its next query waits an hour after the last failure
    failing.retry_at = kNow + 30min;
    failing.last_error = "Graph answered HTTP 503 (serviceNotAvailable) to creating a query";
    failing.last_request_id = "req-1";
    store_->SaveWindow(failing);
    store_->PlanWindow(ScanKind::kInitial, At("2026-11-19T07:00:00Z"), At("2026-11-19T08:00:00Z"),
                       At("2026-11-19T08:00:00Z"));
    store_->ReserveSubmission(failing, kNow - 30h, kNoLimits);
    for (int i = 0; i < 3; ++i) store_->ReserveSubmission(failing, kNow - 1h, kNoLimits);
    // Two collecting processes hold windows: one alive (07:00), one that stopped (06:00).
    store_->LeaseWindows({"collector-b/815/cd34", 2, true, true, kNow + 1h, kNow - 2min});
    store_->LeaseWindows({"collector-a/4711/ab12", 1, true, true, kNow, kNow + 3min});
    SyncOptions options;
    options.query_budget = 2;
    return ReadSyncStatus(*store_, options, kNow);
  }

  static constexpr const char* kNowText = "2026-11-20T10:30:00Z";
  const Instant kNow = At(kNowText);
};

AUDITSYNC_ON_EVERY_BACKEND(StatusTest);

TEST_P(StatusTest, SaysWhatIsCoveredWhatWaitsAndWhenTheBacklogIsDone) {
  const auto status = Scenario();
  EXPECT_EQ(status.covered_from, At("2026-11-18"));
  EXPECT_EQ(status.covered_until, At("2026-11-19T10:00:00Z"));
  EXPECT_EQ(status.covered_hours, 32);
  EXPECT_EQ(status.missing_hours, 2);
  EXPECT_EQ(status.hours_awaiting_rescan, 32);
  EXPECT_EQ(status.settle_scans_due, 1);  // Nov 18, a day after it ended
  EXPECT_EQ(status.windows_complete, 9);
  EXPECT_EQ(status.windows_pending, 1);
  EXPECT_EQ(status.windows_failing, 1);
  EXPECT_EQ(status.queries_last_24h, 3);
  // Three queries to submit and none left in the allocation of two now: the three submissions of
  // an hour ago age out in 23 hours, making room for two; the third goes out 24 hours later.
  EXPECT_EQ(status.backlog_queries, 3);
  EXPECT_EQ(status.backlog_done_by, kNow + 47h);
  EXPECT_EQ(status.records, 2);
  EXPECT_EQ(status.quarantined, 1);
  ASSERT_EQ(status.failing.size(), 1u);
  EXPECT_EQ(status.failing[0].last_request_id, "req-1");
  EXPECT_EQ(status.failing[0].failures, 3);
  EXPECT_EQ(status.failing[0].retry_at, kNow + 30min);
}

TEST_P(StatusTest, TheBacklogIsDoneWhenEnoughSubmissionsAgeOutOfTheRollingDay) {
  // 199 pending windows, and three submissions made 23, 10 and 1 hour ago against 200 a day:
  // 197 go out now, the 198th when the oldest submission ages out, in an hour, the 199th when
  // the next does, in 14 hours. A whole day per allocation would say 24 hours.
  for (int hour = 0; hour < 199; ++hour) {
    const Instant start = At("2026-11-01") + std::chrono::hours(hour);
    store_->PlanWindow(ScanKind::kInitial, start, start + 1h, start + 1h);
  }
  const auto any = store_->UnfinishedWindows().front();
  for (const auto ago : {23h, 10h, 1h}) store_->ReserveSubmission(any, kNow - ago, kNoLimits);
  SyncOptions options;
  options.query_budget = 200;
  auto status = ReadSyncStatus(*store_, options, kNow);
  EXPECT_EQ(status.backlog_queries, 199);
  EXPECT_EQ(status.queries_last_24h, 3);
  EXPECT_EQ(status.backlog_done_by, kNow + 14h);
  // What fits in the allocation now has no time to wait for.
  options.query_budget = 202;
  EXPECT_EQ(ReadSyncStatus(*store_, options, kNow).backlog_done_by, std::nullopt);
}

TEST_P(StatusTest, TableMatchesItsGoldenFile) {
  std::ostringstream out;
  RenderStatus(Scenario(), ReportFormat::kTable, out);
  testing::ExpectMatchesGolden(out.str(), "status.table");
}

TEST_P(StatusTest, JsonMatchesItsGoldenFile) {
  std::ostringstream out;
  RenderStatus(Scenario(), ReportFormat::kJson, out);
  testing::ExpectMatchesGolden(out.str(), "status.json");
}

// The Management Activity API path: a cursor 8 days old (its content since then can no longer be
// read), 3 blobs stored and one expired, and a gap a sync found earlier.
SyncStatus ContentScenario(Store& store, Instant now) {
  RecordPage page;
  page.records = {Launch("r1", "2026-11-12T01:00:00Z"), Launch("r2", "2026-11-12T01:30:00Z")};
  page.quarantined = {{"r3", "no app id", "{\"Id\":\"r3\"}"}};
  store.CommitBlobs(page,
                    {{"blob-1", At("2026-11-12T02:05:00Z"), 1000, false},
                     {"blob-2", At("2026-11-12T02:15:00Z"), 1000, false},
                     {"blob-3", At("2026-11-12T02:25:00Z"), 400, false},
                     {"blob-4", At("2026-11-12T02:35:00Z"), 0, true}},
                    At("2026-11-12T03:00:00Z"));
  store.RecordContentGap(
      {At("2026-11-01T00:00:00Z"), At("2026-11-03T06:00:00Z"), At("2026-11-10T06:00:00Z")});
  SyncOptions options;
  auto status = ReadSyncStatus(store, options, now);
  status.content = ReadContentStatus(store, now, /*graph_audit_queries=*/true);
  return status;
}

TEST_P(StatusTest, TheManagementPathShowsItsCheckpointBlobsAndGapsLoudly) {
  const auto status = ContentScenario(*store_, kNow);
  ASSERT_TRUE(status.content);
  EXPECT_EQ(status.content->cursor, At("2026-11-12T03:00:00Z"));
  EXPECT_EQ(status.content->blobs.stored, 3);
  EXPECT_EQ(status.content->blobs.expired, 1);
  EXPECT_EQ(status.content->blobs.records_read, 2400);
  ASSERT_EQ(status.content->gaps.size(), 1u);
  ASSERT_TRUE(status.content->unreadable);  // the cursor is 8 days old
  EXPECT_EQ(status.content->unreadable->start, At("2026-11-12T03:00:00Z"));
  EXPECT_EQ(status.content->unreadable->end, At("2026-11-13T10:31:00Z"));
  EXPECT_EQ(status.records, 2);
  std::ostringstream table;
  RenderStatus(status, ReportFormat::kTable, table);
  testing::ExpectMatchesGolden(table.str(), "status-management.table");
  std::ostringstream json;
  RenderStatus(status, ReportFormat::kJson, json);
  testing::ExpectMatchesGolden(json.str(), "status-management.json");
}

TEST_P(StatusTest, InGccHighAndDodTheGapAdviceNamesOnlyPurview) {
  auto status = ContentScenario(*store_, kNow);
  status.content->graph_audit_queries = false;
  std::ostringstream table;
  RenderStatus(status, ReportFormat::kTable, table);
  EXPECT_NE(table.str().find("auditsync import purview FILE.csv"), std::string::npos);
  EXPECT_EQ(table.str().find("use_graph_api = yes"), std::string::npos) << table.str();
}

TEST_P(StatusTest, AnEmptyDatabaseSaysToSync) {
  std::ostringstream out;
  RenderStatus(ReadSyncStatus(*store_, SyncOptions{}, kNow), ReportFormat::kTable, out);
  EXPECT_NE(out.str().find("nothing collected yet"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace auditsync

#include "report/progress_display.hpp"

namespace auditsync {
namespace {

TEST(Progress, SaysWindowsRecordsRateAndTimeLeft) {
  EXPECT_EQ(DescribeProgress({3, 12, 45000, std::chrono::seconds(30)}),
            "3/12 windows, 45000 records, 1500 records/s, about 1m30s left");
  // No estimate before the first window is done, nor once all are.
  EXPECT_EQ(DescribeProgress({0, 12, 0, std::chrono::milliseconds(200)}),
            "0/12 windows, 0 records");
  EXPECT_EQ(DescribeProgress({12, 12, 9000, std::chrono::seconds(9)}),
            "12/12 windows, 9000 records, 1000 records/s");
}

// Updates at these elapsed times (ms) of a sync of `total` windows, the last one finishing it.
std::vector<SyncProgress> Updates(const std::vector<int>& elapsed_ms, int total) {
  std::vector<SyncProgress> updates;
  for (size_t i = 0; i < elapsed_ms.size(); ++i) {
    const int done = i + 1 == elapsed_ms.size() ? total : static_cast<int>(i) / 2;
    updates.push_back(
        {done, total, static_cast<int64_t>(i) * 100, std::chrono::milliseconds(elapsed_ms[i])});
  }
  return updates;
}

TEST(Progress, OnATerminalTheLineIsRedrawnInPlaceAtMostFourTimesASecond) {
  std::string drawn;
  std::vector<std::string> logged;
  {
    ProgressDisplay display(true, {[&](std::string_view text) { drawn += text; },
                                   [&](const std::string& line) { logged.push_back(line); }});
    for (const auto& update : Updates({0, 100, 249, 250, 400, 600, 650}, 4)) display.Update(update);
  }
  // Shown at 0 ms, 250 ms (a quarter second later) and 600 ms, and the last update always; the
  // line ends when the display goes.
  EXPECT_EQ(drawn,
            "\r\033[K0/4 windows, 0 records"
            "\r\033[K1/4 windows, 300 records, about 1s left"
            "\r\033[K2/4 windows, 500 records, about 1s left"
            "\r\033[K4/4 windows, 600 records\n");
  EXPECT_TRUE(logged.empty());
}

TEST(Progress, ElsewhereALogLineEveryThirtySeconds) {
  std::string drawn;
  std::vector<std::string> logged;
  {
    ProgressDisplay display(false, {[&](std::string_view text) { drawn += text; },
                                    [&](const std::string& line) { logged.push_back(line); }});
    for (const auto& update : Updates({0, 10000, 29999, 30000, 45000, 61000, 62000}, 4)) {
      display.Update(update);
    }
  }
  // At 0 s, 30 s and 61 s; the last update is left to the sync's own summary line.
  EXPECT_EQ(logged, (std::vector<std::string>{
                        "progress: 0/4 windows, 0 records",
                        "progress: 1/4 windows, 300 records, 10 records/s, about 1m30s left",
                        "progress: 2/4 windows, 500 records, 8 records/s, about 1m1s left"}));
  EXPECT_EQ(drawn, "");
}

}  // namespace
}  // namespace auditsync
