// The simulated clock and the tenant's query limits on their own.
#include <gtest/gtest.h>

#include "clock.hpp"
#include "core/time.hpp"
#include "limits.hpp"

namespace emulator {
namespace {

constexpr std::int64_t kT = 1793491200;  // 2026-11-01T00:00:00Z
constexpr std::int64_t kDay = QueryLimits::kWindowSeconds;

// The limit that refuses a submission at `now`; empty when it is admitted.
std::string Refuser(QueryLimits& limits, std::int64_t now) {
  const auto refusal = limits.Admit(now);
  return refusal ? refusal->limit : "";
}

TEST(Clock, RealUntilSetThenFrozen) {
  Clock clock;
  const Clock::Reading real = clock.Read();
  EXPECT_FALSE(real.simulated);
  EXPECT_NEAR(static_cast<double>(real.now),
              static_cast<double>(auditsync::NowUtc().time_since_epoch().count()), 2.0);
  clock.Set(kT);
  EXPECT_EQ(clock.Now(), kT);
  EXPECT_TRUE(clock.Read().simulated);
  clock.Set(kT - 3600);  // it may go back too
  EXPECT_EQ(clock.Now(), kT - 3600);

  const Clock started(kT);
  EXPECT_TRUE(started.Read().simulated);
  EXPECT_EQ(started.Now(), kT);
}

TEST(QueryLimits, BudgetIsARollingDay) {
  QueryLimits limits(3, 100);
  EXPECT_FALSE(limits.Admit(kT));
  EXPECT_FALSE(limits.Admit(kT + 100));
  EXPECT_FALSE(limits.Admit(kT + 200));
  auto refusal = limits.Admit(kT + 300);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->limit, "budget");
  EXPECT_EQ(refusal->retry_after_seconds, kDay - 300) << "until the first submission leaves";
  EXPECT_NE(refusal->message.find("3 submissions per rolling 24 hours"), std::string::npos);
  // A refusal takes nothing: one second before the first leaves, still full.
  refusal = limits.Admit(kT + kDay - 1);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->retry_after_seconds, 1);
  EXPECT_FALSE(limits.Admit(kT + kDay));
  refusal = limits.Admit(kT + kDay);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->retry_after_seconds, 100);
  EXPECT_EQ(limits.unfinished(), 4);
}

TEST(QueryLimits, UnfinishedQueriesUntilTheyFinish) {
  QueryLimits limits(100, 2);
  EXPECT_FALSE(limits.Admit(kT));
  EXPECT_FALSE(limits.Admit(kT));
  auto refusal = limits.Admit(kT);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->limit, "unfinished");
  EXPECT_EQ(refusal->retry_after_seconds, QueryLimits::kUnfinishedRetryAfter);
  EXPECT_EQ(limits.unfinished(), 2);
  limits.Finished();
  EXPECT_EQ(limits.unfinished(), 1);
  EXPECT_FALSE(limits.Admit(kT));
  EXPECT_TRUE(limits.Admit(kT));
}

TEST(QueryLimits, RefusedSubmissionsDoNotCountAgainstTheBudget) {
  QueryLimits limits(2, 1);
  EXPECT_FALSE(limits.Admit(kT));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Refuser(limits, kT), "unfinished");
  limits.Finished();
  EXPECT_FALSE(limits.Admit(kT));
  limits.Finished();
  // Two admitted: now the budget is what refuses, and it is checked first.
  EXPECT_EQ(Refuser(limits, kT), "budget");
}

TEST(QueryLimits, SettingTheClockBackDoesNotReturnBudget) {
  QueryLimits limits(1, 10);
  EXPECT_FALSE(limits.Admit(kT));
  EXPECT_FALSE(limits.Admit(kT + kDay));  // the first left the window for good
  const auto refusal = limits.Admit(kT);  // the clock went back a day
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->retry_after_seconds, 2 * kDay);
}

}  // namespace
}  // namespace emulator
