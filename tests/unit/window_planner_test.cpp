#include "sync/window_planner.hpp"

#include <gtest/gtest.h>

namespace auditsync {
namespace {

Instant At(const char* text) { return *ParseIso8601(text); }

TEST(WindowPlanner, AlignsWindowsToMultiplesOfTheirWidth) {
  const auto windows =
      PlanWindows(At("2026-11-01T05:30:00Z"), At("2026-11-03T02:00:00Z"), std::chrono::days(1));
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_EQ(windows[0], TimeRange(At("2026-11-01T05:30:00Z"), At("2026-11-02")));
  EXPECT_EQ(windows[1], TimeRange(At("2026-11-02"), At("2026-11-03")));
  EXPECT_EQ(windows[2], TimeRange(At("2026-11-03"), At("2026-11-03T02:00:00Z")));
}

TEST(WindowPlanner, CoversTheRangeWithoutGapsOrOverlap) {
  const auto from = At("2026-11-01T00:17:00Z");
  const auto to = At("2026-11-01T09:44:00Z");
  const auto windows = PlanWindows(from, to, std::chrono::hours(1));
  ASSERT_FALSE(windows.empty());
  EXPECT_EQ(windows.front().first, from);
  EXPECT_EQ(windows.back().second, to);
  for (size_t i = 1; i < windows.size(); ++i) EXPECT_EQ(windows[i - 1].second, windows[i].first);
  EXPECT_TRUE(PlanWindows(to, from, std::chrono::hours(1)).empty());
}

TEST(WindowPlanner, SplitsInHalvesUntilOneSecond) {
  const auto halves = SplitWindow(At("2026-11-01"), At("2026-11-02"));
  ASSERT_EQ(halves.size(), 2u);
  EXPECT_EQ(halves[0].second, At("2026-11-01T12:00:00Z"));
  EXPECT_EQ(halves[1].first, At("2026-11-01T12:00:00Z"));
  EXPECT_TRUE(SplitWindow(At("2026-11-01"), At("2026-11-01T00:00:01Z")).empty());
}

TEST(WindowPlanner, SplitsLongWindowsAtAWholeHour) {
  const auto halves = SplitWindow(At("2026-11-01T00:00:00Z"), At("2026-11-01T01:30:00Z"));
  ASSERT_EQ(halves.size(), 2u);
  EXPECT_EQ(halves[0].second, At("2026-11-01T01:00:00Z"));
  const auto unaligned = SplitWindow(At("2026-11-01T10:30:00Z"), At("2026-11-01T12:10:00Z"));
  EXPECT_EQ(unaligned[0].second, At("2026-11-01T11:00:00Z"));
  // An hour or less is halved exactly.
  EXPECT_EQ(SplitWindow(At("2026-11-01T10:00:00Z"), At("2026-11-01T11:00:00Z"))[0].second,
            At("2026-11-01T10:30:00Z"));
}

TEST(WindowPlanner, ABackfillQueriesWholeDaysAndTheEdgesByTheWindow) {
  const auto windows = PlanInitialWindows(At("2026-11-01T22:00:00Z"), At("2026-11-04T02:00:00Z"),
                                          std::chrono::hours(1));
  const std::vector<TimeRange> expected = {
      {At("2026-11-01T22:00:00Z"), At("2026-11-01T23:00:00Z")},
      {At("2026-11-01T23:00:00Z"), At("2026-11-02")},
      {At("2026-11-02"), At("2026-11-03")},
      {At("2026-11-03"), At("2026-11-04")},
      {At("2026-11-04"), At("2026-11-04T01:00:00Z")},
      {At("2026-11-04T01:00:00Z"), At("2026-11-04T02:00:00Z")},
  };
  EXPECT_EQ(windows, expected);
  // Within one day, hour by hour.
  EXPECT_EQ(PlanInitialWindows(At("2026-11-04T00:00:00Z"), At("2026-11-04T03:00:00Z"),
                               std::chrono::hours(1))
                .size(),
            3u);
}

std::vector<CoveredHour> Hours(const char* first, int count, Instant scanned_at) {
  std::vector<CoveredHour> hours;
  for (int i = 0; i < count; ++i) hours.push_back({At(first) + std::chrono::hours(i), scanned_at});
  return hours;
}

const std::vector<std::chrono::seconds> kSchedule = {std::chrono::days(1), std::chrono::days(2),
                                                     std::chrono::days(7)};

TEST(WindowPlanner, ADayIsSettledOnceEachOffsetHasPassedSinceItEnded) {
  // Nov 1 scanned hour by hour as each hour closed.
  std::vector<CoveredHour> hours;
  for (int i = 0; i < 24; ++i) {
    hours.push_back(
        {At("2026-11-01") + std::chrono::hours(i), At("2026-11-01") + std::chrono::hours(i + 1)});
  }
  EXPECT_TRUE(PlanSettleScans(hours, kSchedule, At("2026-11-02T23:59:59Z")).empty());
  const std::vector<TimeRange> whole_day = {{At("2026-11-01"), At("2026-11-02")}};
  EXPECT_EQ(PlanSettleScans(hours, kSchedule, At("2026-11-03")), whole_day);
  // Scanned again at Nov 3 00:00: due again two days after the day, then seven.
  const auto rescanned = Hours("2026-11-01", 24, At("2026-11-03"));
  EXPECT_TRUE(PlanSettleScans(rescanned, kSchedule, At("2026-11-03T23:00:00Z")).empty());
  EXPECT_EQ(PlanSettleScans(rescanned, kSchedule, At("2026-11-04")), whole_day);
  const auto twice = Hours("2026-11-01", 24, At("2026-11-04"));
  EXPECT_TRUE(PlanSettleScans(twice, kSchedule, At("2026-11-08T23:00:00Z")).empty());
  EXPECT_EQ(PlanSettleScans(twice, kSchedule, At("2026-11-09")), whole_day);
  // A backfill that scanned the day eight days late already settled it.
  EXPECT_TRUE(
      PlanSettleScans(Hours("2026-11-01", 24, At("2026-11-10")), kSchedule, At("2026-11-20"))
          .empty());
}

TEST(WindowPlanner, SettleScansSpanOnlyTheHoursThatNeedThemOneQueryPerDay) {
  auto hours = Hours("2026-11-01T20:00:00Z", 8, At("2026-11-02T04:00:00Z"));
  hours[0].scanned_at = At("2026-11-05");  // Nov 1 20:00 was scanned again later
  const std::vector<TimeRange> expected = {
      {At("2026-11-01T21:00:00Z"), At("2026-11-02")},
      {At("2026-11-02"), At("2026-11-02T04:00:00Z")},
  };
  EXPECT_EQ(PlanSettleScans(hours, kSchedule, At("2026-11-05")), expected);
  EXPECT_TRUE(PlanSettleScans(hours, {}, At("2026-11-30")).empty());
}

TEST(WindowPlanner, OffsetsShorterThanADayAreDueHourByHour) {
  // Hours scanned as they closed; a 2-hour offset re-scans each two hours after it closed.
  std::vector<CoveredHour> hours;
  for (int i = 0; i < 10; ++i) {
    hours.push_back(
        {At("2026-11-01") + std::chrono::hours(i), At("2026-11-01") + std::chrono::hours(i + 1)});
  }
  const std::vector<std::chrono::seconds> schedule = {std::chrono::hours(2), std::chrono::days(1)};
  const std::vector<TimeRange> first_eight = {{At("2026-11-01"), At("2026-11-01T08:00:00Z")}};
  EXPECT_EQ(PlanSettleScans(hours, schedule, At("2026-11-01T10:00:00Z")), first_eight);
  for (int i = 0; i < 8; ++i) hours[i].scanned_at = At("2026-11-01T10:00:00Z");
  const std::vector<TimeRange> ninth = {{At("2026-11-01T08:00:00Z"), At("2026-11-01T09:00:00Z")}};
  EXPECT_EQ(PlanSettleScans(hours, schedule, At("2026-11-01T11:00:00Z")), ninth);
}

}  // namespace
}  // namespace auditsync
