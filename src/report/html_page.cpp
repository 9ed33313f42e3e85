#include "report/html_page.hpp"

#include <string>

#include "report/html_escape.hpp"
#include "report/svg_chart.hpp"

namespace auditsync {
namespace {

// System fonts only (no web font to fetch); tabular figures so that numbers align in columns.
constexpr std::string_view kStyle = R"css(
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f1f5f9; color: #1e293b;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans",
    Arial, sans-serif; }
/* The header's text lines up with main's column, whose width is 1280px at most. */
header { background: #1e3a8a; color: #fff;
  padding: 28px max(24px, calc((100% - 1232px) / 2)) 24px; }
header .brand { margin: 0; font-size: 13px; letter-spacing: .06em; text-transform: uppercase;
  color: #bfdbfe; }
header h1 { margin: 4px 0 4px; font-size: 28px; font-weight: 600; }
header .description { margin: 0 0 16px; color: #dbeafe; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 32px; margin: 0; }
.facts dt { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: #bfdbfe; }
.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 24px 16px; }
section { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px;
  padding: 20px 24px; margin: 0 0 24px; }
h2 { margin: 0 0 12px; font-size: 18px; font-weight: 600; }
svg { display: block; width: 100%; height: auto; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th { text-align: left; vertical-align: bottom; font-weight: 600; color: #334155;
  border-bottom: 2px solid #cbd5e1; padding: 6px 8px; }
td { border-bottom: 1px solid #e2e8f0; padding: 6px 8px; vertical-align: top;
  overflow-wrap: break-word; }
tbody tr:nth-child(even) { background: #f8fafc; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.time { font-variant-numeric: tabular-nums; white-space: nowrap; }
.id { font: 11.5px/1.7 ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono",
  monospace; white-space: nowrap; }
.none, .empty { color: #64748b; }
.totals { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr));
  gap: 16px; margin: 0; }
.totals div { border-left: 4px solid #2563eb; padding: 4px 12px; }
.totals dt { font-size: 13px; color: #475569; }
.totals dd { margin: 0; font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.totals dd time { font-size: 16px; }
footer { max-width: 1280px; margin: 0 auto; padding: 0 24px 32px; font-size: 13px;
  color: #64748b; }
)css";

// "unique_users" -> "Unique users", "app_id" -> "App ID".
std::string Label(std::string_view name) {
  std::string label;
  size_t start = 0;
  while (start <= name.size()) {
    const size_t end = std::min(name.find('_', start), name.size());
    std::string word(name.substr(start, end - start));
    if (word == "id" || word == "upn") {
      for (auto& c : word) c = static_cast<char>(c - 'a' + 'A');
    }
    if (!label.empty()) label += ' ';
    label += word;
    start = end + 1;
  }
  if (!label.empty() && label[0] >= 'a' && label[0] <= 'z')
    label[0] = static_cast<char>(label[0] - 32);
  return label;
}

// 1234567 -> "1,234,567": counts are read by people here.
std::string GroupDigits(int64_t value) {
  const std::string digits = std::to_string(value);
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    const size_t left = digits.size() - i;  // digits from here to the end
    if (i > 0 && digits[i - 1] != '-' && left % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return grouped;
}

std::string CellHtml(const Cell& cell) {
  if (const auto* number = std::get_if<int64_t>(&cell)) return GroupDigits(*number);
  if (const auto* time = std::get_if<Instant>(&cell)) {
    const auto text = FormatIso8601(*time);
    return "<time datetime=\"" + text + "\">" + text + "</time>";
  }
  if (std::holds_alternative<std::monostate>(cell)) return "—";
  return HtmlEscape(std::get<std::string>(cell));
}

std::string_view CellClass(const Column& column, const Cell& cell) {
  if (std::holds_alternative<std::monostate>(cell)) return " class=\"none\"";
  if (column.type == ColumnType::kInteger) return " class=\"num\"";
  if (column.type == ColumnType::kTime) return " class=\"time\"";
  // Ids (GUIDs mostly) are read and copied whole: one line, in a fixed-width font.
  if (column.name.ends_with("_id")) return " class=\"id\"";
  return "";
}

void RenderTotals(const Table& table, std::ostream& out) {
  out << "<section>\n<h2>" << HtmlEscape(table.Title()) << "</h2>\n<dl class=\"totals\">\n";
  for (size_t i = 0; i < table.Columns().size(); ++i) {
    out << "<div><dt>" << HtmlEscape(Label(table.Columns()[i].name)) << "</dt><dd>"
        << CellHtml(table.Rows().at(0)[i]) << "</dd></div>\n";
  }
  out << "</dl>\n</section>\n";
}

void RenderTable(const Table& table, std::ostream& out) {
  const auto& columns = table.Columns();
  out << "<section>\n<h2>" << HtmlEscape(table.Title()) << "</h2>\n<div class=\"scroll\">\n"
      << "<table>\n<thead><tr>";
  for (const auto& column : columns) {
    out << "<th scope=\"col\"" << (column.type == ColumnType::kInteger ? " class=\"num\"" : "")
        << ">" << HtmlEscape(Label(column.name)) << "</th>";
  }
  out << "</tr></thead>\n<tbody>\n";
  for (const auto& row : table.Rows()) {
    out << "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      out << "<td" << CellClass(columns[i], row[i]) << ">" << CellHtml(row[i]) << "</td>";
    }
    out << "</tr>\n";
  }
  if (table.Rows().empty()) {
    out << R"(<tr><td class="empty" colspan=")" << columns.size()
        << R"(">Nothing to report for this window.</td></tr>)" << '\n';
  }
  out << "</tbody>\n</table>\n</div>\n</section>\n";
}

}  // namespace

void RenderHtmlPage(const ReportDocument& document, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<meta name=\"generator\" content=\"auditsync\">\n"
      << "<title>" << HtmlEscape(document.title) << " · auditsync report</title>\n"
      << "<style>" << kStyle << "</style>\n</head>\n<body>\n<header>\n"
      << "<p class=\"brand\">auditsync · Power Apps usage</p>\n"
      << "<h1>" << HtmlEscape(document.title) << "</h1>\n"
      << "<p class=\"description\">" << HtmlEscape(document.description) << "</p>\n"
      << "<dl class=\"facts\">\n";
  for (const auto& [name, value] : document.facts) {
    out << "<div><dt>" << HtmlEscape(name) << "</dt><dd>" << HtmlEscape(value) << "</dd></div>\n";
  }
  out << "</dl>\n</header>\n<main>\n";
  for (size_t i = 0; i < document.charts.size(); ++i) {
    const std::string id = "chart-" + std::to_string(i + 1);
    out << "<section>\n<h2 aria-hidden=\"true\">" << HtmlEscape(document.charts[i].title)
        << "</h2>\n"
        << ChartSvg(document.charts[i], id) << "\n</section>\n";
  }
  for (size_t i = 0; i < document.tables.size(); ++i) {
    if (i == 0 && document.json_shape == JsonShape::kObject) {
      RenderTotals(document.tables[i], out);
    } else {
      RenderTable(document.tables[i], out);
    }
  }
  out << "</main>\n<footer>Times are UTC (ISO 8601). Launches are distinct LaunchPowerApp audit "
         "records; unique users are distinct user principal names.</footer>\n</body>\n</html>\n";
}

}  // namespace auditsync
