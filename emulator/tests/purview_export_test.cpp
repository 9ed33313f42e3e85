// The Purview export of the emulator: every Audit.General record of the window's hours once per
// row (counted against the content model, not by reading the CSV back with the client's code),
// the header versions, and broken rows that change no record.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "content.hpp"
#include "purview_export.hpp"
#include "tenant.hpp"
#include "tenant_support.hpp"
#include "truth.hpp"

namespace emulator {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): shared test helpers

TenantConfig SmallTenant() {
  TenantConfig config;
  config.launches_per_hour = 30;
  config.general_noise = 2;
  config.malformed_rate = 0.05;
  return config;
}

std::string Export(const Tenant& tenant, ExportFormat format, int broken,
                   PurviewExportStats& stats) {
  PurviewExportOptions options;
  options.from = kStart;
  options.to = kStart + 6 * 3600;
  options.now = kNow;
  options.format = format;
  options.broken_rows = broken;
  std::ostringstream out;
  stats = WritePurviewExport(tenant, options, out);
  return out.str();
}

TEST(PurviewExport, HoldsEveryRecordOfTheWindowsContentOncePerRow) {
  const Tenant tenant(SmallTenant());
  PurviewExportStats stats;
  const std::string text = Export(tenant, ExportFormat::kNew, 0, stats);
  const ContentSummary content = ComputeContentSummary(tenant, kStart, kStart + 6 * 3600);
  EXPECT_EQ(stats.rows, content.records);
  EXPECT_EQ(stats.power_apps_rows + stats.other_operations + stats.malformed_rows, stats.rows);
  const TruthSummary truth =
      ComputeSummary(tenant, kStart, kStart + 6 * 3600, Snapshot::Settled(kNow));
  EXPECT_EQ(stats.power_apps_rows - stats.second_copies,
            truth.launch_records + truth.delete_records);
  EXPECT_EQ(stats.second_copies, truth.duplicate_deliveries);
  EXPECT_EQ(stats.malformed_rows, truth.malformed_records);
  EXPECT_EQ(stats.bad_lines.size(), stats.malformed_rows);
  EXPECT_TRUE(text.starts_with("\xEF\xBB\xBF\"RecordId\",\"CreationDate\",\"RecordType\","
                               "\"Operation\",\"UserId\",\"AuditData\",\"AssociatedAdminUnits\","
                               "\"AssociatedAdminUnitsNames\"\r\n") ||
              text.starts_with("\xEF\xBB\xBF"
                               "RecordId,CreationDate,RecordType,Operation,UserId,AuditData,"
                               "AssociatedAdminUnits,AssociatedAdminUnitsNames\r\n"));
  // Every line ends with CRLF, but the line feeds inside a multi-line AuditData.
  const auto lines = static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
  EXPECT_GT(lines, stats.rows + 1);
}

TEST(PurviewExport, BrokenRowsAreExtraRowsAtTheLinesItNames) {
  const Tenant tenant(SmallTenant());
  PurviewExportStats clean;
  const std::string old_text = Export(tenant, ExportFormat::kOld, 0, clean);
  EXPECT_TRUE(old_text.starts_with("CreationDate,UserIds,Operations,AuditData\r\n"));
  PurviewExportStats broken;
  const std::string text = Export(tenant, ExportFormat::kOld, 5, broken);
  EXPECT_EQ(broken.rows, clean.rows + 5);
  EXPECT_EQ(broken.power_apps_rows, clean.power_apps_rows);
  EXPECT_EQ(broken.broken_lines.size(), 5u);
  EXPECT_EQ(broken.bad_lines.size(), clean.bad_lines.size() + 5);
  EXPECT_TRUE(std::is_sorted(broken.bad_lines.begin(), broken.bad_lines.end()));
  // The line a broken row starts on, counted from the text itself.
  std::vector<std::string> starts;
  for (const std::uint64_t line : broken.broken_lines) {
    std::size_t at = 0;
    for (std::uint64_t n = 1; n < line; ++n) at = text.find('\n', at) + 1;
    starts.push_back(text.substr(at, text.find('\n', at) - at));
  }
  // A field missing (no AuditData), AuditData cut short, not JSON, text after the quote.
  EXPECT_EQ(std::count(starts[0].begin(), starts[0].end(), ','), 2);
  EXPECT_FALSE(starts[1].ends_with("}\"\r"));
  EXPECT_TRUE(starts[2].ends_with(",Audit data not available\r"));
  EXPECT_TRUE(starts[3].ends_with(",\"{}\"x\r"));
}

}  // namespace
}  // namespace emulator
