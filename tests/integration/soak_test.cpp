// Crash safety under faults: a backfill killed with SIGKILL at 20 or more random points, and
// restarted each time, ends with every record stored exactly once.
#include <gtest/gtest.h>
#include <signal.h>

#include <random>
#include <thread>

#include "integration/harness.hpp"

namespace auditsync::testing {
namespace {

using namespace std::chrono_literals;

TEST(Soak, TwentyKillsDuringAFaultyBackfillLoseAndDuplicateNothing) {
  constexpr const char* kFrom = "2026-11-08T00:00:00Z";
  constexpr const char* kTo = "2026-11-10T06:00:00Z";  // two days and six hours
  constexpr int kKills = 20;
  Workspace workspace;
  Emulator emulator(workspace, {"--seed", "31", "--launches-per-hour", "500"},
                    {"--faults", "429=0.03,503=0.02,drop=0.02,truncate=0.02,token-expiry=0.01",
                     "--token-lifetime", "20", "--record-cap", "10000"});
  const auto database = workspace.Path("audit.db");
  auto environment = ClientEnvironment(emulator, database);
  Override(environment, "AUDITSYNC_PAGE_SIZE=10");

  const auto seed = std::random_device{}();
  SCOPED_TRACE("kill timing seed " + std::to_string(seed));
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> delay_ms(0, 200);
  int kills = 0;
  // Kills that came after the sync had stored records since the kill before: the kills must land
  // during the backfill's work, not only in its start-up.
  int kills_after_progress = 0;
  long long stored_before = 0;
  for (int attempt = 0; attempt < 3 * kKills && kills < kKills; ++attempt) {
    auto sync = StartAuditsync(workspace, {"sync", "--from", kFrom, "--to", kTo}, environment);
    // Three kills in four wait for the sync to store records first, so that they land in the
    // middle of paging however slow the machine is (sign-in and the first query take longer on a
    // loaded one); the fourth comes at a random moment, start-up included.
    if (attempt % 4 != 3) {
      const auto deadline = std::chrono::steady_clock::now() + 5s;
      while (QueryCount(database, "SELECT count(*) FROM audit_records") <= stored_before &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    sync->Signal(SIGKILL);
    const auto code = sync->Wait(10s);
    ASSERT_TRUE(code.has_value());
    if (*code == 0) break;  // it finished before the kill: nothing left to interrupt
    if (*code != 128 + SIGKILL) continue;
    ++kills;
    const long long stored = QueryCount(database, "SELECT count(*) FROM audit_records");
    if (stored > stored_before) ++kills_after_progress;
    stored_before = std::max(stored_before, stored);
  }
  EXPECT_GE(kills, kKills) << "the backfill finished too early to be killed often enough";
  RecordProperty("kills_after_progress", kills_after_progress);
  EXPECT_GE(kills_after_progress, kKills / 2) << "most kills came before any record was stored";
  const auto summary = emulator.Summary(kFrom, kTo);
  const long long total = StorableRecords(summary);
  EXPECT_LT(stored_before, total) << "the last kill came after the backfill was done";

  // Windows that failed on faults are retried by the next runs.
  const auto runs = SyncUntilComplete(workspace, environment, kFrom, kTo, 10);
  ASSERT_EQ(runs.back().exit_code, 0) << runs.back().err;
  EXPECT_EQ(ReportApps(workspace, environment, kFrom, kTo), emulator.Truth(kFrom, kTo));
  ExpectStoredCountsMatch(database, summary);
}

}  // namespace
}  // namespace auditsync::testing
