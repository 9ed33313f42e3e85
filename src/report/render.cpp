#include "report/render.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace auditsync {
namespace {

const std::vector<std::string> kAppColumns = {
    "app_id",   "app_name",     "environment_id",   "environment_name",
    "launches", "unique_users", "last_launched_on", "last_launched_by"};

std::vector<std::string> AppCells(const AppUsage& row) {
  return {row.app_id,
          row.app_name.value_or(""),
          row.environment_id.value_or(""),
          row.environment_name.value_or(""),
          std::to_string(row.launches),
          std::to_string(row.unique_users),
          FormatIso8601(row.last_launched_on),
          row.last_launched_by};
}

// Display width of UTF-8 text, counting code points (continuation bytes take no column).
size_t DisplayWidth(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// Control characters would break the table's lines; show them as spaces.
std::string Printable(std::string_view text) {
  std::string printable(text);
  for (auto& c : printable) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return printable;
}

void RenderTable(const std::vector<std::string>& columns,
                 const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<size_t> widths;
  for (const auto& column : columns) widths.push_back(DisplayWidth(column));
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    auto& printable = cells.emplace_back();
    for (size_t i = 0; i < row.size(); ++i) {
      printable.push_back(Printable(row[i]));
      widths[i] = std::max(widths[i], DisplayWidth(printable.back()));
    }
  }
  auto line = [&](const std::vector<std::string>& values) {
    for (size_t i = 0; i < values.size(); ++i) {
      out << values[i];
      if (i + 1 < values.size()) out << std::string(widths[i] - DisplayWidth(values[i]) + 2, ' ');
    }
    out << '\n';
  };
  line(columns);
  std::vector<std::string> rule;
  for (const auto width : widths) rule.emplace_back(width, '-');
  line(rule);
  for (const auto& row : cells) line(row);
}

void RenderCsv(const std::vector<std::string>& columns,
               const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  auto line = [&](const std::vector<std::string>& values) {
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out << ',';
      out << CsvCell(values[i]);
    }
    out << "\r\n";
  };
  line(columns);
  for (const auto& row : rows) line(row);
}

nlohmann::ordered_json OptionalJson(const std::optional<std::string>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

}  // namespace

std::optional<ReportFormat> ParseReportFormat(std::string_view name) {
  if (name == "table") return ReportFormat::kTable;
  if (name == "csv") return ReportFormat::kCsv;
  if (name == "json") return ReportFormat::kJson;
  return std::nullopt;
}

std::string CsvCell(std::string_view value) {
  std::string cell(value);
  if (!cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@')) {
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

void RenderAppsReport(const std::vector<AppUsage>& rows, ReportFormat format, std::ostream& out) {
  if (format == ReportFormat::kJson) {
    auto array = nlohmann::ordered_json::array();
    for (const auto& row : rows) {
      array.push_back({{"app_id", row.app_id},
                       {"app_name", OptionalJson(row.app_name)},
                       {"environment_id", OptionalJson(row.environment_id)},
                       {"environment_name", OptionalJson(row.environment_name)},
                       {"launches", row.launches},
                       {"unique_users", row.unique_users},
                       {"last_launched_on", FormatIso8601(row.last_launched_on)},
                       {"last_launched_by", row.last_launched_by}});
    }
    // Invalid UTF-8 from the service is replaced rather than allowed to break the document.
    out << array.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
    return;
  }
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.size());
  for (const auto& row : rows) cells.push_back(AppCells(row));
  if (format == ReportFormat::kCsv) {
    RenderCsv(kAppColumns, cells, out);
  } else {
    RenderTable(kAppColumns, cells, out);
  }
}

}  // namespace auditsync
