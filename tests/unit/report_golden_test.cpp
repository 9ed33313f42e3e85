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
#include "store/sqlite/sqlite_store.hpp"
#include "unit/golden.hpp"

namespace auditsync {
namespace {

Instant At(const char* text) { return *ParseIso8601(text); }

class ReportGolden : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    path_ = (std::filesystem::temp_directory_path() /
             ("auditsync-report-golden-" + std::to_string(::getpid()) + ".db"))
                .string();
    testing::WriteReportFixture(path_);
    store_ = std::make_unique<SqliteStore>(path_);
  }
  static void TearDownTestSuite() {
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  // The request of `report NAME --from kFixtureFrom --to kFixtureTo` at the fixture's now.
  static ReportRequest Request(ReportName name) {
    return {.name = name,
            .filter = {.from = At(testing::kFixtureFrom), .to = At(testing::kFixtureTo)},
            .now = At(testing::kFixtureNow)};
  }

  // Renders `request` in each format and compares with reports/NAME.{table,csv,json,html}.
  static void ExpectGolden(ReportRequest request, const std::string& name,
                           std::vector<ReportFormat> formats = {
                               ReportFormat::kTable, ReportFormat::kCsv, ReportFormat::kJson,
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

  static inline std::string path_;
  static inline std::unique_ptr<SqliteStore> store_;
};

TEST_F(ReportGolden, Apps) { ExpectGolden(Request(ReportName::kApps), "apps"); }

TEST_F(ReportGolden, UsageByDay) {
  auto request = Request(ReportName::kUsage);
  request.period = UsagePeriod::kDay;
  ExpectGolden(request, "usage-day");
}

TEST_F(ReportGolden, UsageByWeekAndMonth) {
  auto request = Request(ReportName::kUsage);
  request.period = UsagePeriod::kWeek;
  ExpectGolden(request, "usage-week", {ReportFormat::kTable, ReportFormat::kJson});
  request.period = UsagePeriod::kMonth;
  ExpectGolden(request, "usage-month", {ReportFormat::kTable, ReportFormat::kJson});
}

TEST_F(ReportGolden, Users) { ExpectGolden(Request(ReportName::kUsers), "users"); }

TEST_F(ReportGolden, Summary) { ExpectGolden(Request(ReportName::kSummary), "summary"); }

TEST_F(ReportGolden, SummaryOfAWindowWithoutLaunches) {
  auto request = Request(ReportName::kSummary);
  request.filter = {.from = At("2026-09-01"), .to = At("2026-09-08")};
  ExpectGolden(request, "summary-empty", {ReportFormat::kTable, ReportFormat::kJson});
}

TEST_F(ReportGolden, Unused) {
  auto request = Request(ReportName::kUnused);
  request.filter = {};
  request.unused_for = std::chrono::days(30);
  ExpectGolden(request, "unused");
}

}  // namespace
}  // namespace auditsync
