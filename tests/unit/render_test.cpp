// The renderers on hand-made documents: contracts and edge cases. Whole reports on the fixture
// dataset are checked by report_golden_test.cpp.
#include "report/render.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "report/html_escape.hpp"
#include "report/usage_reports.hpp"
#include "report/utf8.hpp"

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

std::string Render(const ReportDocument& document, ReportFormat format) {
  std::ostringstream out;
  RenderReport(document, format, out);
  return out.str();
}

TEST(Render, AppsJsonIsExactlyTheContract) {
  auto rows = Rows();
  AppUsage never_launched;  // an inventory app without launches
  never_launched.app_id = "never-launched";
  rows.push_back(never_launched);
  const auto json = nlohmann::json::parse(Render(AppsReport(rows), ReportFormat::kJson));
  ASSERT_TRUE(json.is_array());
  ASSERT_EQ(json.size(), 3u);
  const std::vector<std::string> keys = {"app_id",           "app_name",        "environment_id",
                                         "environment_name", "launches",        "unique_users",
                                         "last_launched_on", "last_launched_by"};
  const auto ordered = nlohmann::ordered_json::parse(Render(AppsReport(rows), ReportFormat::kJson));
  std::vector<std::string> actual;
  for (const auto& [key, value] : ordered[0].items()) actual.push_back(key);
  EXPECT_EQ(actual, keys);
  EXPECT_EQ(json[0]["app_name"], "<script>alert(\"x\")</script> Café ✓");
  EXPECT_EQ(json[0]["launches"], 12);
  EXPECT_EQ(json[0]["last_launched_on"], "2026-11-01T05:00:00Z");
  EXPECT_TRUE(json[1]["app_name"].is_null());
  EXPECT_TRUE(json[1]["environment_name"].is_null());
  EXPECT_EQ(json[2]["launches"], 0);
  EXPECT_EQ(json[2]["unique_users"], 0);
  EXPECT_TRUE(json[2]["last_launched_on"].is_null());
  EXPECT_TRUE(json[2]["last_launched_by"].is_null());
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
  EXPECT_EQ(CsvCell("two\nlines"), "\"two\nlines\"");
  // Whitespace before a formula does not stop a spreadsheet from running it.
  EXPECT_EQ(CsvCell(" =1+1"), "' =1+1");
  EXPECT_EQ(CsvCell("  \n@SUM(A1)"), "\"'  \n@SUM(A1)\"");
  EXPECT_EQ(CsvCell(" plain"), " plain");
  // A NUL byte is never written.
  EXPECT_EQ(CsvCell(std::string("a\0b", 3)), "ab");
  EXPECT_EQ(CsvCell(std::string("\0=1", 3)), "'=1");
  const auto csv = Render(AppsReport(Rows()), ReportFormat::kCsv);
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")),
            "app_id,app_name,environment_id,environment_name,launches,unique_users,"
            "last_launched_on,last_launched_by");
  EXPECT_NE(csv.find(",'=cmd|' /C calc'!A0,12,3,2026-11-01T05:00:00Z,"), std::string::npos);
}

TEST(Render, CsvLeavesNumbersAsNumbers) {
  Table table("t", "T", {{.name = "delta", .type = ColumnType::kInteger}, {.name = "note"}});
  table.AddRow({int64_t{-3}, std::string("-3")});
  ReportDocument document{.title = "T", .description = "", .tables = {std::move(table)}};
  EXPECT_EQ(Render(document, ReportFormat::kCsv), "delta,note\r\n-3,'-3\r\n");
}

TEST(Render, TableAlignsColumnsAndRightAlignsNumbers) {
  const auto text = Render(AppsReport(Rows()), ReportFormat::kTable);
  std::istringstream lines(text);
  std::string header, rule, first, second;
  std::getline(lines, header);
  std::getline(lines, rule);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(header.find("app_name"), rule.find(" -") + 1);
  // "launches" is 8 wide: 12 and 1 end where it ends.
  const auto launches_end = header.find("launches") + 8;
  EXPECT_EQ(second.find(" 1 ") + 2, launches_end) << second;
}

TEST(Render, TableColumnsStayAlignedWithWideCharacters) {
  auto rows = Rows();
  rows[1].app_name = "日本語 受付アプリ 🚀";  // wide characters take two terminal columns
  rows[1].environment_id = "env-2";
  std::istringstream lines(Render(AppsReport(rows), ReportFormat::kTable));
  std::string header, rule, first, second;
  std::getline(lines, header);
  std::getline(lines, rule);
  std::getline(lines, first);
  std::getline(lines, second);
  const auto column_of = [](const std::string& line, const std::string& needle) {
    return DisplayWidth(line.substr(0, line.find(needle)));
  };
  const auto expected = column_of(header, "environment_id");
  EXPECT_EQ(column_of(first, "env-1"), expected);
  EXPECT_EQ(column_of(second, "env-2"), expected);
}

TEST(Render, TableShowsControlCharactersAsSpaces) {
  auto rows = Rows();
  rows[0].app_name = "a\nb\x1b[31mred\xc2\x9b";  // a line break, ESC and CSI (U+009B)
  const auto text = Render(AppsReport(rows), ReportFormat::kTable);
  EXPECT_NE(text.find("a b [31mred "), std::string::npos) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
}

TEST(Render, JsonIsValidForInvalidUtf8) {
  auto rows = Rows();
  rows[0].app_name = "Caf\xC3 \xFF\xE2\x82";
  const auto json = nlohmann::json::parse(Render(AppsReport(rows), ReportFormat::kJson));
  EXPECT_EQ(json[0]["app_name"], "Caf\uFFFD \uFFFD\uFFFD");
}

TEST(Render, ACellOfTheWrongTypeIsABug) {
  Table table("t", "T", {{.name = "count", .type = ColumnType::kInteger}});
  EXPECT_THROW(table.AddRow({std::string("3")}), std::logic_error);
  EXPECT_THROW(table.AddRow({std::monostate{}}), std::logic_error);  // not optional
  EXPECT_THROW(table.AddRow({}), std::logic_error);
  table.AddRow({int64_t{3}});
  EXPECT_EQ(table.Rows().size(), 1u);
}

TEST(Utf8, InvalidSequencesReadAsReplacementCharacters) {
  EXPECT_EQ(ValidUtf8("ok é 日 🚀"), "ok é 日 🚀");
  EXPECT_EQ(ValidUtf8("\xFF"), "\uFFFD");
  EXPECT_EQ(ValidUtf8("\xC3("), "\uFFFD(");          // a lead byte without its continuation
  EXPECT_EQ(ValidUtf8("\xE2\x82"), "\uFFFD");        // truncated: one maximal subpart
  EXPECT_EQ(ValidUtf8("\xC0\xAF"), "\uFFFD\uFFFD");  // overlong
  EXPECT_EQ(ValidUtf8("\xED\xA0\x80"), "\uFFFD\uFFFD\uFFFD");            // a surrogate
  EXPECT_EQ(ValidUtf8("\xF4\x90\x80\x80"), "\uFFFD\uFFFD\uFFFD\uFFFD");  // past U+10FFFF
  EXPECT_EQ(ValidUtf8("\xF0\x9F\x9A"), "\uFFFD");  // a 4-byte sequence cut after 3
}

TEST(Utf8, WidthAndTruncation) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("日本"), 4u);
  EXPECT_EQ(DisplayWidth("🚀"), 2u);
  EXPECT_EQ(TruncateToWidth("short", 10), "short");
  EXPECT_EQ(TruncateToWidth("abcdefghij", 5), "abcd…");
  EXPECT_EQ(TruncateToWidth("日本語日本語", 6), "日本…");  // never half a wide character
}

TEST(Html, EscapesMarkupQuotesAndControls) {
  EXPECT_EQ(HtmlEscape("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  EXPECT_EQ(HtmlEscape("a & \"b\""), "a &amp; &quot;b&quot;");
  EXPECT_EQ(HtmlEscape("line\nbreak\x01"), "line break ");
  EXPECT_EQ(HtmlEscape("bad \xFF 日本 🚀"), "bad \uFFFD 日本 🚀");
}

TEST(Html, PageHasNoScriptAndEscapesEveryValue) {
  auto rows = Rows();
  rows[1].app_name = "\"><script>alert(2)</script><svg onload=x>";
  auto document = AppsReport(rows);
  document.facts = {{"App", "<b>x</b>"}};
  document.charts = {{.kind = ChartKind::kRanking,
                      .title = "Top <apps>",
                      .bars = {{.label = "<script>", .value = 3, .detail = "\"<i>\""}}}};
  const auto html = Render(document, ReportFormat::kHtml);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_EQ(html.find("<i>"), std::string::npos);
  EXPECT_EQ(html.find("<svg onload"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(2)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("<title>Apps · auditsync report</title>"), std::string::npos);
  EXPECT_NE(html.find("<html lang=\"en\">"), std::string::npos);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
}

}  // namespace
}  // namespace auditsync
