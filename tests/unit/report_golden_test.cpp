// Every report in every format on the fixture dataset (tests/fixture), byte for byte against
// tests/golden/reports/. After an intended change: AUDITSYNC_UPDATE_GOLDEN=1 ctest -R
// ReportGolden, then review the diff (open the .html files in a browser).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "fixture/report_fixture.hpp"
#include "report/render.hpp"
#include "report/usage_reports.hpp"
#include "unit/golden.hpp"
#include "unit/store_backends.hpp"

namespace auditsync {
namespace {

using testing::At;

// Every backend renders the same bytes: the golden files are the conformance test of its reports.
class ReportGolden : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (!IsSkipped()) testing::WriteReportFixture(*store_);
  }

  // The request of `report NAME --from kFixtureFrom --to kFixtureTo` at the fixture's now.
  static ReportRequest Request(ReportName name) {
    return {.name = name,
            .filter = {.from = At(testing::kFixtureFrom), .to = At(testing::kFixtureTo)},
            .now = At(testing::kFixtureNow)};
  }

  // Renders `request` in each format and compares with reports/NAME.{table,csv,json,html}.
  void ExpectGolden(ReportRequest request, const std::string& name,
                    std::vector<ReportFormat> formats = {ReportFormat::kTable, ReportFormat::kCsv,
                                                         ReportFormat::kJson,
                                                         ReportFormat::kHtml}) {
    for (const auto format : formats) {
      request.charts = format == ReportFormat::kHtml;
      std::ostringstream out;
      RenderReport(BuildReport(*store_, request), format, out);
      const char* extension = format == ReportFormat::kTable  ? ".table"
                              : format == ReportFormat::kCsv  ? ".csv"
                              : format == ReportFormat::kJson ? ".json"
                                                              : ".html";
      testing::ExpectMatchesGolden(out.str(), "reports/" + name + extension);
    }
  }
};

AUDITSYNC_ON_EVERY_BACKEND(ReportGolden);

TEST_P(ReportGolden, Apps) { ExpectGolden(Request(ReportName::kApps), "apps"); }

TEST_P(ReportGolden, UsageByDay) {
  auto request = Request(ReportName::kUsage);
  request.period = UsagePeriod::kDay;
  ExpectGolden(request, "usage-day");
}

TEST_P(ReportGolden, UsageByWeekAndMonth) {
  auto request = Request(ReportName::kUsage);
  request.period = UsagePeriod::kWeek;
  ExpectGolden(request, "usage-week", {ReportFormat::kTable, ReportFormat::kJson});
  request.period = UsagePeriod::kMonth;
  ExpectGolden(request, "usage-month", {ReportFormat::kTable, ReportFormat::kJson});
}

TEST_P(ReportGolden, Users) { ExpectGolden(Request(ReportName::kUsers), "users"); }

TEST_P(ReportGolden, Summary) { ExpectGolden(Request(ReportName::kSummary), "summary"); }

TEST_P(ReportGolden, Production) { ExpectGolden(Request(ReportName::kProduction), "production"); }

// The CoE judges a month's launches: a window that starts on October's last day still judges
// all of October (55 launches by 6 users), not the 2 launches of its last day.
TEST_P(ReportGolden, ProductionJudgesTheWholeMonthsTheWindowOverlaps) {
  for (const auto name : {ReportName::kProduction, ReportName::kSummary}) {
    auto request = Request(name);
    request.filter.from = At("2026-10-31T00:00:00Z");
    const auto document = BuildReport(*store_, request);
    const auto& production = document.tables.back();
    ASSERT_EQ(production.Key(), "production_apps");
    ASSERT_FALSE(production.Rows().empty());
    EXPECT_EQ(std::get<Instant>(production.Rows()[0][0]), At("2026-10-01T00:00:00Z"));
    EXPECT_EQ(std::get<int64_t>(production.Rows()[0][3]), 55);
  }
}

TEST_P(ReportGolden, SummaryOfAWindowWithoutLaunches) {
  auto request = Request(ReportName::kSummary);
  request.filter = {.from = At("2026-09-01"), .to = At("2026-09-08")};
  ExpectGolden(request, "summary-empty", {ReportFormat::kTable, ReportFormat::kJson});
}

TEST_P(ReportGolden, Unused) {
  auto request = Request(ReportName::kUnused);
  request.filter = {};
  request.unused_for = std::chrono::days(30);
  ExpectGolden(request, "unused");
}

}  // namespace
}  // namespace auditsync
