// Late records: with the emulator publishing records late on the measured curve (80% within an
// hour, 100% within 7 days), hourly syncs plus settle re-scans store every launch exactly once,
// while the CoE's strategy (each hour, the hour that just closed, never again: auditsync with
// settle_after = none and --from now-65m) loses the late ones.
// Simulated time: the test sets the emulator's clock and AUDITSYNC_TEST_NOW together.
#include <gtest/gtest.h>

#include "core/time.hpp"
#include "integration/harness.hpp"

namespace auditsync::testing {
namespace {

using namespace std::chrono_literals;

int64_t TotalLaunches(const nlohmann::json& report) {
  int64_t total = 0;
  for (const auto& app : report) total += app["launches"].get<int64_t>();
  return total;
}

TEST(Completeness, SettleScansCatchEveryLateRecordThatTheCoeStrategyMisses) {
  Workspace workspace;
  const Instant day = *ParseIso8601("2026-11-10T00:00:00Z");
  const std::vector<std::string> tenant = {"--seed", "11", "--launches-per-hour", "30",
                                           "--late-publication"};
  Emulator emulator(workspace, tenant, {"--now", FormatIso8601(day)});
  const auto ours_db = workspace.Path("auditsync.db");
  const auto coe_db = workspace.Path("coe.db");
  auto ours = ClientEnvironment(emulator, ours_db);
  Override(ours, "AUDITSYNC_INITIAL_LOOKBACK=1h");
  auto coe = ClientEnvironment(emulator, coe_db);
  Override(coe, "AUDITSYNC_SETTLE_AFTER=none");

  const auto sync_at = [&](Instant now, std::vector<std::string>& environment,
                           std::vector<std::string> args) {
    emulator.SetClock(now);
    Override(environment, "AUDITSYNC_TEST_NOW=" + FormatIso8601(now));
    args.insert(args.begin(), "sync");
    const auto result = RunAuditsync(workspace, args, environment);
    ASSERT_EQ(result.exit_code, 0) << FormatIso8601(now) << ": " << result.err;
  };
  // The day, hour by hour, a few minutes after each hour closes.
  for (int hour = 1; hour <= 24; ++hour) {
    const Instant now = day + std::chrono::hours(hour) + 5min;
    sync_at(now, ours, {});
    ASSERT_NO_FATAL_FAILURE(
        sync_at(now, coe, {"--from", FormatIso8601(now - 65min), "--to", FormatIso8601(now)}));
  }
  // Then every six hours for eight days: the settle scans after 1, 2 and 7 days.
  for (auto now = day + 30h + 5min; now <= day + std::chrono::days(9); now += 6h) {
    ASSERT_NO_FATAL_FAILURE(sync_at(now, ours, {}));
  }

  const auto from = FormatIso8601(day);
  const auto to = FormatIso8601(day + std::chrono::days(1));
  const auto truth = emulator.Truth(from, to);
  EXPECT_EQ(ReportApps(workspace, ours, from, to), truth);
  const auto coe_launches = TotalLaunches(ReportApps(workspace, coe, from, to));
  const auto truth_launches = TotalLaunches(truth);
  EXPECT_LT(coe_launches, truth_launches);
  // About a fifth of the records come later than an hour.
  EXPECT_GT(coe_launches, truth_launches / 2);
  RecordProperty("coe_completeness_percent",
                 std::to_string(100.0 * static_cast<double>(coe_launches) /
                                static_cast<double>(truth_launches)));
  // Status agrees: nothing is due, nothing failed.
  const auto status = RunAuditsync(workspace, {"status", "--format", "json"}, ours);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const auto json = nlohmann::json::parse(status.out);
  EXPECT_EQ(json["rescans"]["scans_due"], 0);
  EXPECT_EQ(json["windows"]["failing"], 0);
  EXPECT_EQ(json["coverage"]["missing_hours"], 0);
}

}  // namespace
}  // namespace auditsync::testing
