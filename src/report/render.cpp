#include "report/render.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "report/html_page.hpp"
#include "report/utf8.hpp"

namespace auditsync {
namespace {

using Json = nlohmann::ordered_json;

// Control characters would break the table's lines, or drive the terminal; show them as spaces.
std::string Printable(std::string_view text) {
  std::string printable;
  printable.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto decoded = DecodeCodePoint(text, i);
    AppendUtf8(printable, IsControl(decoded.value) ? U' ' : decoded.value);
    i += decoded.length;
  }
  return printable;
}

// Spaces that fill `text` to `width` columns. (Parentheses, not braces: braces would make a
// string of the two characters.)
std::string Padding(size_t width, std::string_view text) {
  return std::string(width - std::min(width, DisplayWidth(text)), ' ');
}

// Without the padding that empty trailing cells leave.
void PrintLine(std::string_view line, std::ostream& out) {
  const auto end = line.find_last_not_of(' ');
  out << line.substr(0, end == std::string_view::npos ? 0 : end + 1) << '\n';
}

void RenderTextTable(const Table& table, std::ostream& out) {
  const auto& columns = table.Columns();
  std::vector<std::string> header;
  std::vector<size_t> widths;
  for (const auto& column : columns) {
    header.push_back(column.name);
    widths.push_back(DisplayWidth(column.name));
  }
  std::vector<std::vector<std::string>> lines;
  for (const auto& row : table.Rows()) {
    auto& line = lines.emplace_back();
    for (size_t i = 0; i < row.size(); ++i) {
      line.push_back(Printable(CellText(row[i])));
      widths[i] = std::max(widths[i], DisplayWidth(line.back()));
    }
  }
  auto print = [&](const std::vector<std::string>& values) {
    std::string line;
    for (size_t i = 0; i < values.size(); ++i) {
      // Numbers align on their last digit; text starts at the column's left edge.
      if (columns[i].type == ColumnType::kInteger) {
        line += Padding(widths[i], values[i]) + values[i];
      } else {
        line += values[i] + Padding(widths[i], values[i]);
      }
      line += "  ";
    }
    PrintLine(line, out);
  };
  print(header);
  std::vector<std::string> rule;
  rule.reserve(widths.size());
  for (const auto width : widths) rule.emplace_back(width, '-');
  print(rule);
  for (const auto& line : lines) print(line);
}

// A one-row table of totals, one "name  value" line per column.
void RenderTextTotals(const Table& table, std::ostream& out) {
  size_t width = 0;
  for (const auto& column : table.Columns()) width = std::max(width, column.name.size());
  for (size_t i = 0; i < table.Columns().size(); ++i) {
    const auto& name = table.Columns()[i].name;
    PrintLine(name + Padding(width + 2, name) + Printable(CellText(table.Rows().at(0)[i])), out);
  }
}

void RenderText(const ReportDocument& document, std::ostream& out) {
  for (size_t i = 0; i < document.tables.size(); ++i) {
    const auto& table = document.tables[i];
    if (i == 0 && document.json_shape == JsonShape::kObject) {
      RenderTextTotals(table, out);
      continue;
    }
    if (i > 0) out << '\n' << table.Title() << '\n';
    RenderTextTable(table, out);
  }
}

void RenderCsv(const ReportDocument& document, std::ostream& out) {
  auto line = [&](const std::vector<std::string>& values) {
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out << ',';
      out << values[i];
    }
    out << "\r\n";
  };
  // RFC 4180 has one header and one width per file: CSV holds the document's first table alone
  // (the summary's totals; its production apps are `report production`).
  const auto& table = document.tables.at(0);
  std::vector<std::string> values;
  for (const auto& column : table.Columns()) values.push_back(CsvCell(column.name));
  line(values);
  for (const auto& row : table.Rows()) {
    values.clear();
    // Only text can hold a formula or a separator; numbers and times stay as they are, so that
    // a spreadsheet reads them as numbers and dates.
    for (const auto& cell : row) {
      values.push_back(std::holds_alternative<std::string>(cell) ? CsvCell(CellText(cell))
                                                                 : CellText(cell));
    }
    line(values);
  }
}

Json CellJson(const Cell& cell) {
  if (const auto* text = std::get_if<std::string>(&cell)) return *text;
  if (const auto* number = std::get_if<int64_t>(&cell)) return *number;
  if (const auto* time = std::get_if<Instant>(&cell)) return FormatIso8601(*time);
  return nullptr;
}

Json RowJson(const Table& table, const std::vector<Cell>& row) {
  Json object = Json::object();
  for (size_t i = 0; i < row.size(); ++i) object[table.Columns()[i].name] = CellJson(row[i]);
  return object;
}

Json TableJson(const Table& table) {
  Json array = Json::array();
  for (const auto& row : table.Rows()) array.push_back(RowJson(table, row));
  return array;
}

void RenderJson(const ReportDocument& document, std::ostream& out) {
  Json json;
  if (document.json_shape == JsonShape::kArray) {
    json = TableJson(document.tables.at(0));
  } else {
    const auto& totals = document.tables.at(0);
    json = RowJson(totals, totals.Rows().at(0));
    for (size_t i = 1; i < document.tables.size(); ++i) {
      json[document.tables[i].Key()] = TableJson(document.tables[i]);
    }
  }
  // Text is valid UTF-8 already (Table::AddRow); replacing is the belt to those braces.
  out << json.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace

std::optional<ReportFormat> ParseReportFormat(std::string_view name) {
  if (name == "table") return ReportFormat::kTable;
  if (name == "csv") return ReportFormat::kCsv;
  if (name == "json") return ReportFormat::kJson;
  if (name == "html") return ReportFormat::kHtml;
  return std::nullopt;
}

std::string CsvCell(std::string_view value) {
  // A NUL byte ends the text early for many readers (C strings), so it is dropped.
  std::string cell;
  cell.reserve(value.size());
  for (const char c : value) {
    if (c != '\0') cell += c;
  }
  // Spreadsheets skip leading whitespace before a formula: " =1+1" runs as well as "=1+1". A
  // leading tab or CR is neutralised whatever follows (some readers drop it).
  const auto first = cell.find_first_not_of(" \t\r\n\v\f");
  if (!cell.empty() && (cell[0] == '\t' || cell[0] == '\r' ||
                        (first != std::string::npos &&
                         std::string_view("=+-@").find(cell[first]) != std::string_view::npos))) {
    cell.insert(cell.begin(), '\'');
  }
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (const char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

void RenderReport(const ReportDocument& document, ReportFormat format, std::ostream& out) {
  switch (format) {
    case ReportFormat::kTable:
      RenderText(document, out);
      return;
    case ReportFormat::kCsv:
      RenderCsv(document, out);
      return;
    case ReportFormat::kJson:
      RenderJson(document, out);
      return;
    case ReportFormat::kHtml:
      RenderHtmlPage(document, out);
      return;
  }
}

}  // namespace auditsync
