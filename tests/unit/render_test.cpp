#include "report/render.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "unit/golden.hpp"

namespace auditsync {
namespace {

std::vector<AppUsage> Rows() {
  AppUsage first;
  first.app_id = "6c39e97c-6ddd-4a37-afd4-494a605925cf";
  first.app_name = "<script>alert(\"x\")</script> Café ✓";
  first.environment_id = "env-1";
  first.environment_name = "=cmd|' /C calc'!A0";
  first.launches = 12;
  first.unique_users = 3;
  first.last_launched_on = *ParseIso8601("2026-11-01T05:00:00Z");
  first.last_launched_by = "amy@contoso.com";
  AppUsage second;
  second.app_id = "app-2";
  second.launches = 1;
  second.unique_users = 1;
  second.last_launched_on = *ParseIso8601("2026-11-02T00:00:00Z");
  second.last_launched_by = "bob@contoso.com";
  return {first, second};
}

TEST(Render, JsonIsExactlyTheContract) {
  std::ostringstream out;
  RenderAppsReport(Rows(), ReportFormat::kJson, out);
  const auto json = nlohmann::json::parse(out.str());
  ASSERT_TRUE(json.is_array());
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0].size(), 8u);
  EXPECT_EQ(json[0]["app_name"], "<script>alert(\"x\")</script> Café ✓");
  EXPECT_EQ(json[0]["launches"], 12);
  EXPECT_EQ(json[0]["last_launched_on"], "2026-11-01T05:00:00Z");
  EXPECT_TRUE(json[1]["app_name"].is_null());
  EXPECT_TRUE(json[1]["environment_name"].is_null());
}

TEST(Render, CsvQuotesAndNeutralisesFormulas) {
  EXPECT_EQ(CsvCell("plain"), "plain");
  EXPECT_EQ(CsvCell("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvCell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvCell("=1+1"), "'=1+1");
  EXPECT_EQ(CsvCell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvCell("-2"), "'-2");
  EXPECT_EQ(CsvCell("\t=1"), "'\t=1");
  EXPECT_EQ(CsvCell("+x,y"), "\"'+x,y\"");
  std::ostringstream out;
  RenderAppsReport(Rows(), ReportFormat::kCsv, out);
  EXPECT_EQ(out.str().substr(0, out.str().find("\r\n")),
            "app_id,app_name,environment_id,environment_name,launches,unique_users,"
            "last_launched_on,last_launched_by");
  EXPECT_NE(out.str().find("'=cmd|' /C calc'!A0"), std::string::npos);
}

TEST(Render, TableAlignsColumns) {
  std::ostringstream out;
  RenderAppsReport(Rows(), ReportFormat::kTable, out);
  std::istringstream lines(out.str());
  std::string header, rule;
  std::getline(lines, header);
  std::getline(lines, rule);
  EXPECT_EQ(header.find("app_name"), rule.find(" -") + 1);
}

}  // namespace
}  // namespace auditsync

namespace auditsync {
namespace {
TEST(Render, TableColumnsStayAlignedWithWideCharacters) {
  auto rows = Rows();
  rows[1].app_name = "日本語 受付アプリ 🚀";  // wide characters take two terminal columns
  rows[1].environment_id = "env-2";
  std::ostringstream out;
  RenderAppsReport(rows, ReportFormat::kTable, out);
  std::istringstream lines(out.str());
  std::string header, rule, first, second;
  std::getline(lines, header);
  std::getline(lines, rule);
  std::getline(lines, first);
  std::getline(lines, second);
  // Terminal column at which `needle` starts (CJK ideographs, kana and emoji are two wide).
  const auto column_of = [](const std::string& line, const std::string& needle) {
    const auto prefix = line.substr(0, line.find(needle));
    size_t columns = 0;
    for (const char c : prefix) {
      const auto byte = static_cast<unsigned char>(c);
      if ((byte & 0xC0) == 0x80) continue;
      columns += (byte >= 0xE3 && byte <= 0xE9) || byte == 0xF0 ? 2 : 1;
    }
    return columns;
  };
  const auto expected = column_of(header, "environment_id");
  EXPECT_EQ(column_of(first, "env-1"), expected);
  EXPECT_EQ(column_of(second, "env-2"), expected);
}
}  // namespace
}  // namespace auditsync

namespace auditsync {
namespace {

void ExpectGolden(ReportFormat format, const std::string& name) {
  std::ostringstream out;
  RenderAppsReport(Rows(), format, out);
  testing::ExpectMatchesGolden(out.str(), name);
}

TEST(Render, TableMatchesItsGoldenFile) { ExpectGolden(ReportFormat::kTable, "apps.table"); }
TEST(Render, CsvMatchesItsGoldenFile) { ExpectGolden(ReportFormat::kCsv, "apps.csv"); }
TEST(Render, JsonMatchesItsGoldenFile) { ExpectGolden(ReportFormat::kJson, "apps.json"); }

}  // namespace
}  // namespace auditsync
