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
          row.last_launched_on ? FormatIso8601(*row.last_launched_on) : "",
          row.last_launched_by.value_or("")};
}

// Terminal columns taken by one code point: 0 for combining marks, 2 for East Asian wide and
// emoji ranges, 1 otherwise (the ranges of Unicode's EastAsianWidth W/F that occur in names).
int CodePointWidth(char32_t c) {
  if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) || c == 0xFE0F) return 0;
  const bool wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
                    (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
                    (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
                    (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
                    (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
                    (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1FAFF) ||
                    (c >= 0x20000 && c <= 0x3FFFD);
  return wide ? 2 : 1;
}

// Display width of UTF-8 text in terminal columns. Invalid bytes count one column each.
size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80           ? 1
                          : (lead >> 5) == 0x6  ? 2
                          : (lead >> 4) == 0xE  ? 3
                          : (lead >> 3) == 0x1E ? 4
                                                : 1;
    if (length == 1 || i + length > text.size()) {
      ++width;
      ++i;
      continue;
    }
    char32_t code_point = lead & (0x7F >> length);
    for (size_t k = 1; k < length; ++k) {
      code_point = (code_point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    width += static_cast<size_t>(CodePointWidth(code_point));
    i += length;
  }
  return width;
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
  if (!cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
                        cell[0] == '\t' || cell[0] == '\r')) {
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
      array.push_back(
          {{"app_id", row.app_id},
           {"app_name", OptionalJson(row.app_name)},
           {"environment_id", OptionalJson(row.environment_id)},
           {"environment_name", OptionalJson(row.environment_name)},
           {"launches", row.launches},
           {"unique_users", row.unique_users},
           {"last_launched_on", row.last_launched_on
                                    ? nlohmann::ordered_json(FormatIso8601(*row.last_launched_on))
                                    : nlohmann::ordered_json(nullptr)},
           {"last_launched_by", OptionalJson(row.last_launched_by)}});
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
