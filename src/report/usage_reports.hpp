// The usage reports of `auditsync report NAME`: what each asks the store, and how its rows become
// the tabular model (report_model.hpp) that every format renders. Columns and JSON shapes are
// documented in docs/cli.md.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "report/report_model.hpp"
#include "store/store.hpp"
#include "store/usage.hpp"

namespace auditsync {

// As in kReportNames.
enum class ReportName { kApps, kUsage, kUsers, kSummary, kProduction, kUnused };
inline constexpr std::array<std::string_view, 6> kReportNames = {"apps",    "usage",      "users",
                                                                 "summary", "production", "unused"};
std::optional<ReportName> ParseReportName(std::string_view name);

struct ReportRequest {
  ReportName name = ReportName::kApps;
  UsageFilter filter = {};                 // `unused` ignores its window (from, to)
  UsagePeriod period = UsagePeriod::kDay;  // `usage`
  std::chrono::days unused_for{30};        // `unused`: no launch since now - unused_for
  Instant now{};                           // `unused`'s reference; the generation time
  bool charts = false;                     // the overview charts of the HTML page
};

// Queries the store, in one read snapshot, and converts the answer. With `charts`: launches over
// time (per day, or per week or month when the window holds too many days for a readable chart)
// and the top apps by unique users, for the same filter (for `unused`: over its last `unused_for`
// days). `production` (and the summary's production apps) judge the whole calendar months that
// overlap the window.
ReportDocument BuildReport(UsageStore& store, const ReportRequest& request);

// The conversions alone (no header facts, no charts).
ReportDocument AppsReport(const std::vector<AppUsage>& rows);
ReportDocument UsageReport(const std::vector<UsagePoint>& points, UsagePeriod period);
ReportDocument UsersReport(const std::vector<UserUsage>& rows);
// The totals of `summary`, and `production` (the summary's table/JSON/HTML show both; its CSV,
// one table, the totals alone).
ReportDocument SummaryReport(const UsageSummary& summary,
                             const std::vector<ProductionApp>& production);
ReportDocument ProductionReport(const std::vector<ProductionApp>& production);
ReportDocument UnusedReport(const std::vector<UnusedApp>& rows, Instant now);

}  // namespace auditsync
