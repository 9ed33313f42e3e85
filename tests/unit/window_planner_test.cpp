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

}  // namespace
}  // namespace auditsync
