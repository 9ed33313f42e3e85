// The faults of a real tenant that take more than one request to see: a spent query allocation,
// queries that never finish, 429 storms, and records that two windows both return. Each test
// ends with the stored launches equal to the ground truth.
#include <gtest/gtest.h>

#include "core/time.hpp"
#include "integration/harness.hpp"

namespace auditsync::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kFrom = "2026-11-10T00:00:00Z";
constexpr const char* kTo = "2026-11-12T00:00:00Z";

std::vector<std::string> Tenant(std::vector<std::string> extra = {}) {
  std::vector<std::string> tenant = {"--seed", "21", "--launches-per-hour", "40"};
  tenant.insert(tenant.end(), extra.begin(), extra.end());
  return tenant;
}

TEST(Faults, ASpentQueryAllocationDefersWindowsToLaterSyncs) {
  Workspace workspace;
  const Instant start = *ParseIso8601("2026-11-13T00:30:00Z");
  Emulator emulator(workspace, Tenant(), {"--now", FormatIso8601(start), "--query-budget", "2"});
  const auto database = workspace.Path("audit.db");
  auto environment = ClientEnvironment(emulator, database);
  const std::string from = "2026-11-11T20:00:00Z";
  const std::string to = "2026-11-12T02:00:00Z";  // six hourly windows
  for (int day = 0; day < 3; ++day) {
    const Instant now = start + std::chrono::days(day) + std::chrono::hours(day);
    emulator.SetClock(now);
    Override(environment, "AUDITSYNC_TEST_NOW=" + FormatIso8601(now));
    const auto result = RunAuditsync(workspace, {"sync", "--from", from, "--to", to}, environment);
    // Waiting for the allocation is the plan working, not a failure.
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.err.find("query allocation"), std::string::npos) << result.err;
    EXPECT_EQ(QueryCount(database,
                         "SELECT count(*) FROM sync_windows WHERE kind = 'initial' AND "
                         "state = 'complete'"),
              2 * (day + 1));
  }
  EXPECT_EQ(ReportApps(workspace, environment, from, to), emulator.Truth(from, to));
  EXPECT_GE(emulator.Stats()["queries_rejected"]["budget"], 3);
}

TEST(Faults, QueriesThatNeverFinishAreReplaced) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant(), {"--stuck-queries", "0.3"});
  auto environment = ClientEnvironment(emulator, workspace.Path("audit.db"));
  Override(environment, "AUDITSYNC_QUERY_TIMEOUT=1s");
  Override(environment, "AUDITSYNC_WINDOW=3h");  // many windows, so that some get stuck
  // Not whole days, which a backfill would query as one window each.
  const std::string from = "2026-11-10T03:00:00Z";
  const std::string to = "2026-11-11T21:00:00Z";  // 14 windows
  const auto runs = SyncUntilComplete(workspace, environment, from, to);
  ASSERT_EQ(runs.back().exit_code, 0) << runs.back().err;
  // A stuck query is waited for in two runs (query_timeout each), then replaced in the third.
  EXPECT_GE(runs.size(), 3u);
  EXPECT_EQ(ReportApps(workspace, environment, from, to), emulator.Truth(from, to));
}

TEST(Faults, StormsOf429AndRecordsThatTwoWindowsReturnAreEachCountedOnce) {
  Workspace workspace;
  Emulator emulator(workspace, Tenant({"--boundary-rate", "0.05"}),
                    {"--faults", "storm=0.01,503=0.02,drop=0.02", "--inclusive-end"});
  const auto database = workspace.Path("audit.db");
  auto environment = ClientEnvironment(emulator, database);
  Override(environment, "AUDITSYNC_WINDOW=6h");
  Override(environment, "AUDITSYNC_PAGE_SIZE=50");
  // Not whole days (a backfill queries those as one window): six windows of six hours.
  const Instant from = *ParseIso8601("2026-11-10T06:00:00Z");
  const Instant to = from + 36h;
  const auto runs =
      SyncUntilComplete(workspace, environment, FormatIso8601(from), FormatIso8601(to));
  ASSERT_EQ(runs.back().exit_code, 0) << runs.back().err;
  EXPECT_EQ(ReportApps(workspace, environment, FormatIso8601(from), FormatIso8601(to)),
            emulator.Truth(FormatIso8601(from), FormatIso8601(to)));
  const auto stats = emulator.Stats();
  EXPECT_GT(stats["faults"].value("storm", 0), 0) << stats.dump();

  // The records a query returns: those of [start, end), with their duplicate copies.
  const auto summary = [&](Instant start, Instant end) {
    return emulator.Summary(FormatIso8601(start), FormatIso8601(end));
  };
  const auto deliveries = [&](Instant start, Instant end) {
    const auto counts = summary(start, end);
    return StorableRecords(counts) + counts["duplicate_deliveries"].get<long long>();
  };
  // Each window's end is inclusive: the records of the second where two windows meet came in
  // both, and those of the range's last second in the last window.
  long long boundary = 0;
  for (Instant meet = from + 6h; meet < to; meet += 6h) boundary += deliveries(meet, meet + 1s);
  RecordProperty("boundary_deliveries", static_cast<int>(boundary));
  ASSERT_GE(boundary, 5) << "too few records on window boundaries for the test to mean much";
  long long already_stored = 0;
  for (const auto& run : runs) already_stored += SummaryFigure(run.err, "already stored");
  EXPECT_EQ(already_stored, summary(from, to)["duplicate_deliveries"].get<long long>() +
                                summary(to, to + 1s)["duplicate_deliveries"].get<long long>() +
                                boundary);
  // ... and each was stored once.
  ExpectStoredCountsMatch(database, summary(from, to + 1s));
}

}  // namespace
}  // namespace auditsync::testing
