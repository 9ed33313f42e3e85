// Renders a report (report_model.hpp) as a terminal table, CSV (RFC 4180, spreadsheet formulas
// neutralised), JSON (typed values, valid for any input) or a self-contained HTML page.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "report/report_model.hpp"

namespace auditsync {

enum class ReportFormat { kTable, kCsv, kJson, kHtml };
std::optional<ReportFormat> ParseReportFormat(std::string_view name);

// Table: columns aligned by terminal width (wide characters count two), integers right-aligned,
// control characters shown as spaces; the totals of a kObject document as one "name value" line
// each, and every further table after a blank line and its title.
// CSV: a header line and one line per row, CRLF line ends; the tables of a kObject document one
// after the other, separated by an empty line.
// JSON: per the document's JsonShape; integers are numbers, times UTC ISO 8601 strings with Z,
// absent values null.
// HTML: see html_page.hpp.
void RenderReport(const ReportDocument& document, ReportFormat format, std::ostream& out);

// One CSV cell: quoted when needed; a leading =, +, -, @, tab or CR is prefixed with ' so that a
// spreadsheet shows it as text instead of running it as a formula.
std::string CsvCell(std::string_view value);

}  // namespace auditsync
