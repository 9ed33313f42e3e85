// Renders reports as a terminal table, CSV (RFC 4180, spreadsheet formulas neutralised) or JSON.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "store/usage.hpp"

namespace auditsync {

enum class ReportFormat { kTable, kCsv, kJson };
std::optional<ReportFormat> ParseReportFormat(std::string_view name);

// The apps report. JSON is exactly an array of {"app_id","app_name","environment_id",
// "environment_name","launches","unique_users","last_launched_on","last_launched_by"}.
void RenderAppsReport(const std::vector<AppUsage>& rows, ReportFormat format, std::ostream& out);

// One CSV cell: quoted when needed; a leading =, +, -, @, tab or CR is prefixed with ' so that a
// spreadsheet shows it as text instead of running it as a formula.
std::string CsvCell(std::string_view value);

}  // namespace auditsync
