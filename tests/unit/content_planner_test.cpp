#include "sync/content_planner.hpp"

#include <gtest/gtest.h>

namespace auditsync {
namespace {

using namespace std::chrono_literals;

const Instant kNow = *ParseIso8601("2026-11-20T10:30:00Z");

std::string Describe(const std::vector<TimeRange>& listings) {
  std::string text;
  for (const auto& [start, end] : listings) {
    text += FormatIso8601(start) + ".." + FormatIso8601(end) + " ";
  }
  return text;
}

TEST(ContentPlanner, TheFirstSyncListsTheLastSevenDaysInDaysWithoutAGap) {
  const auto plan = PlanContent({kNow, std::nullopt, std::nullopt, std::nullopt, 168h});
  EXPECT_EQ(plan.readable_from, kNow - 168h + 1min);
  EXPECT_FALSE(plan.gap);
  ASSERT_EQ(plan.listings.size(), 7u) << Describe(plan.listings);
  EXPECT_EQ(plan.listings.front().first, plan.readable_from);
  EXPECT_EQ(plan.listings.back().second, kNow);
  for (size_t i = 0; i < plan.listings.size(); ++i) {
    EXPECT_LE(plan.listings[i].second - plan.listings[i].first, 24h);
    EXPECT_GE(plan.listings[i].first, kNow - 168h);  // never more than 7 days back
    if (i > 0) {
      EXPECT_EQ(plan.listings[i].first, plan.listings[i - 1].second);
    }
  }
  EXPECT_EQ(plan.frontier, plan.readable_from);
}

TEST(ContentPlanner, ALaterSyncListsFromAnHourBeforeItsCursor) {
  const Instant cursor = kNow - 3h;
  const auto plan = PlanContent({kNow, cursor, std::nullopt, std::nullopt, 168h});
  EXPECT_FALSE(plan.gap);
  ASSERT_EQ(plan.listings.size(), 1u);
  EXPECT_EQ(plan.listings[0], TimeRange(cursor - 1h, kNow));
  EXPECT_EQ(plan.frontier, cursor);
}

TEST(ContentPlanner, ACursorOlderThanSevenDaysIsAGapThatIsSkipped) {
  const Instant cursor = kNow - 240h;
  const auto plan = PlanContent({kNow, cursor, std::nullopt, std::nullopt, 168h});
  ASSERT_TRUE(plan.gap);
  EXPECT_EQ(plan.gap->start, cursor);
  EXPECT_EQ(plan.gap->end, plan.readable_from);
  EXPECT_EQ(plan.gap->found_at, kNow);
  EXPECT_EQ(plan.listings.front().first, plan.readable_from);
  EXPECT_EQ(plan.frontier, plan.readable_from);  // the cursor may move on past the gap
  // The gap is in publication time; the records it lost were created up to a day earlier, and
  // backfills select by creation time: they start a day before the gap.
  const auto backfill = FormatIso8601(cursor - 24h) + ".." + FormatIso8601(plan.readable_from);
  const auto text = DescribeContentGap(*plan.gap, /*graph_audit_queries=*/true);
  EXPECT_NE(text.find("published from " + FormatIso8601(cursor)), std::string::npos) << text;
  EXPECT_NE(text.find("export the audit log for " + backfill +
                      " from Microsoft Purview and load it with `auditsync import purview "
                      "FILE.csv`"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("or run `auditsync sync --from " + FormatIso8601(cursor - 24h) + " --to " +
                      FormatIso8601(plan.readable_from) + "` with use_graph_api = yes"),
            std::string::npos)
      << text;
  // GCC High and DoD have no Graph audit log query API: Purview only.
  const auto sovereign = DescribeContentGap(*plan.gap, /*graph_audit_queries=*/false);
  EXPECT_NE(sovereign.find("export the audit log for " + backfill), std::string::npos);
  EXPECT_EQ(sovereign.find("use_graph_api"), std::string::npos) << sovereign;
  EXPECT_EQ(sovereign.find("auditsync sync"), std::string::npos) << sovereign;
}

TEST(ContentPlanner, FromAndToSelectContentAndAnEarlierFromIsAGapToo) {
  auto plan = PlanContent({kNow, kNow - 2h, kNow - 50h, kNow - 20h, 168h});
  EXPECT_FALSE(plan.gap);
  EXPECT_EQ(Describe(plan.listings),
            "2026-11-18T08:30:00Z..2026-11-19T08:30:00Z "
            "2026-11-19T08:30:00Z..2026-11-19T14:30:00Z ");
  EXPECT_EQ(plan.frontier, kNow - 2h);  // these listings end before the cursor: it stays
  plan = PlanContent({kNow, std::nullopt, kNow - 400h, std::nullopt, 168h});
  ASSERT_TRUE(plan.gap);
  EXPECT_EQ(plan.gap->start, kNow - 400h);
  // A lookback beyond what the API keeps is a gap as well; the default one is not.
  plan = PlanContent({kNow, std::nullopt, std::nullopt, std::nullopt, 240h});
  ASSERT_TRUE(plan.gap);
  EXPECT_EQ(plan.gap->start, kNow - 240h);
  // Nothing to list when --to is before what can be read.
  plan = PlanContent({kNow, std::nullopt, kNow - 300h, kNow - 200h, 168h});
  EXPECT_TRUE(plan.listings.empty());
}

}  // namespace
}  // namespace auditsync
