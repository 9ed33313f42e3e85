#include "report/usage_reports.hpp"

#include <algorithm>
#include <tuple>

namespace auditsync {
namespace {

constexpr bool kOptional = true;  // the column may hold absent values

Column Text(const char* name, bool optional = false) {
  return {.name = name, .optional = optional};
}
Column Integer(const char* name, bool optional = false) {
  return {.name = name, .type = ColumnType::kInteger, .optional = optional};
}
Column Time(const char* name, bool optional = false) {
  return {.name = name, .type = ColumnType::kTime, .optional = optional};
}

// A chart of days stays readable up to about three months of bars, one of weeks up to two years.
constexpr int64_t kMostDays = 92;
constexpr int64_t kMostWeeks = 104;
constexpr size_t kTopApps = 12;

std::string Plural(int64_t count, std::string_view one, std::string_view many) {
  return std::to_string(count) + " " + std::string(count == 1 ? one : many);
}

// How a period is named under its bar: the day (or the Monday of a week), or the month.
std::string PeriodLabel(UsagePeriod period, Instant start) {
  return FormatIso8601(start).substr(0, period == UsagePeriod::kMonth ? 7 : 10);
}

std::string WindowText(Instant from, Instant to) {
  const bool open_start = from == Instant::min();
  const bool open_end = to == Instant::max();
  if (open_start && open_end) return "all stored launches";
  if (open_end) return "from " + FormatIso8601(from);
  if (open_start) return "before " + FormatIso8601(to);
  return FormatIso8601(from) + " to " + FormatIso8601(to);
}

Chart LaunchesChart(const std::vector<UsagePoint>& points, UsagePeriod period) {
  Chart chart{.kind = ChartKind::kOverTime,
              .title = "Launches per " + std::string(UsagePeriodName(period))};
  for (const auto& point : points) {
    const auto label = PeriodLabel(period, point.period_start);
    chart.bars.push_back({.label = label,
                          .value = point.launches,
                          .detail = (period == UsagePeriod::kWeek ? "Week of " : "") + label +
                                    ": " + Plural(point.launches, "launch", "launches") + ", " +
                                    Plural(point.unique_users, "unique user", "unique users")});
  }
  return chart;
}

Chart TopAppsChart(std::vector<AppUsage> apps) {
  std::erase_if(apps, [](const AppUsage& app) { return app.unique_users == 0; });
  std::sort(apps.begin(), apps.end(), [](const AppUsage& a, const AppUsage& b) {
    return std::tie(b.unique_users, b.launches, a.app_id) <
           std::tie(a.unique_users, a.launches, b.app_id);
  });
  if (apps.size() > kTopApps) apps.resize(kTopApps);
  Chart chart{.kind = ChartKind::kRanking, .title = "Top apps by unique users"};
  for (const auto& app : apps) {
    chart.bars.push_back({.label = app.app_name.value_or(app.app_id),
                          .value = app.unique_users,
                          .detail = app.app_name.value_or("(no name)") + " (" + app.app_id + "): " +
                                    Plural(app.unique_users, "unique user", "unique users") + ", " +
                                    Plural(app.launches, "launch", "launches")});
  }
  return chart;
}

// The whole calendar months that overlap the filter's window. The CoE judges a production app by
// a month's launches, so a window that starts or ends mid-month must not judge part of a month.
UsageFilter WholeMonths(UsageFilter filter) {
  if (filter.from != Instant::min()) filter.from = PeriodStart(UsagePeriod::kMonth, filter.from);
  if (filter.to != Instant::max()) {
    filter.to = NextPeriodStart(
        UsagePeriod::kMonth, PeriodStart(UsagePeriod::kMonth, filter.to - std::chrono::seconds(1)));
  }
  return filter;
}

// The number of periods from the one holding `from` to the one holding the end of [from, to).
int64_t PeriodCount(UsagePeriod period, Instant from, Instant to) {
  const auto first = PeriodStart(period, from);
  const auto last = PeriodStart(period, to - std::chrono::seconds(1));
  const auto length = period == UsagePeriod::kDay ? std::chrono::days(1) : std::chrono::days(7);
  return (last - first) / length + 1;
}

// Launches over time at the finest period that gives a readable chart. The period is chosen
// before any query, so that one query runs: from the window's length, or where an end is open,
// from the months that hold launches (read from the small month rollup, and the chart itself when
// months it is). Answers the store gave already (`known`, per `known_period`) are used again.
Chart LaunchesOverTime(UsageStore& store, const UsageFilter& filter,
                       const std::vector<UsagePoint>* known, UsagePeriod known_period) {
  auto chart = [&](UsagePeriod period, std::optional<std::vector<UsagePoint>> points) {
    if (!points && known != nullptr && known_period == period) points = *known;
    if (!points) points = store.QueryUsage(filter, period);
    return LaunchesChart(*points, period);
  };
  Instant from = filter.from;
  Instant to = filter.to;
  if (from == Instant::min() || to == Instant::max()) {
    auto months = known != nullptr && known_period == UsagePeriod::kMonth
                      ? *known
                      : store.QueryUsage(filter, UsagePeriod::kMonth);
    if (months.empty()) return LaunchesChart(months, UsagePeriod::kDay);
    if (from == Instant::min()) from = months.front().period_start;
    if (to == Instant::max()) to = NextPeriodStart(UsagePeriod::kMonth, months.back().period_start);
    if (PeriodCount(UsagePeriod::kDay, from, to) > kMostDays &&
        PeriodCount(UsagePeriod::kWeek, from, to) > kMostWeeks) {
      return chart(UsagePeriod::kMonth, std::move(months));
    }
  }
  if (PeriodCount(UsagePeriod::kDay, from, to) <= kMostDays) {
    return chart(UsagePeriod::kDay, std::nullopt);
  }
  if (PeriodCount(UsagePeriod::kWeek, from, to) <= kMostWeeks) {
    return chart(UsagePeriod::kWeek, std::nullopt);
  }
  return chart(UsagePeriod::kMonth, std::nullopt);
}

// The window and filters of the request, for the page's header.
std::vector<std::pair<std::string, std::string>> Facts(const ReportRequest& request,
                                                       Instant unused_since) {
  std::vector<std::pair<std::string, std::string>> facts;
  const auto& filter = request.filter;
  if (request.name == ReportName::kUnused) {
    facts.emplace_back("No launch since", FormatIso8601(unused_since) + " (" +
                                              Plural(request.unused_for.count(), "day", "days") +
                                              ")");
  } else {
    facts.emplace_back("Window", WindowText(filter.from, filter.to));
  }
  if (request.name == ReportName::kProduction || request.name == ReportName::kSummary) {
    const auto months = WholeMonths(filter);
    facts.emplace_back("Months judged",
                       months.from == Instant::min() && months.to == Instant::max()
                           ? "every month with a launch"
                           : "whole months, " + WindowText(months.from, months.to));
  }
  if (request.name == ReportName::kUsage) {
    facts.emplace_back("Period", std::string(UsagePeriodName(request.period)));
  }
  if (filter.app_id) facts.emplace_back("App", *filter.app_id);
  if (filter.environment_id) facts.emplace_back("Environment", *filter.environment_id);
  facts.emplace_back("Generated", FormatIso8601(request.now));
  return facts;
}

}  // namespace

std::optional<ReportName> ParseReportName(std::string_view name) {
  for (size_t i = 0; i < kReportNames.size(); ++i) {
    if (kReportNames[i] == name) return static_cast<ReportName>(i);
  }
  return std::nullopt;
}

ReportDocument AppsReport(const std::vector<AppUsage>& rows) {
  Table table("apps", "Apps",
              {Text("app_id"), Text("app_name", kOptional), Text("environment_id", kOptional),
               Text("environment_name", kOptional), Integer("launches"), Integer("unique_users"),
               Time("last_launched_on", kOptional), Text("last_launched_by", kOptional)});
  for (const auto& row : rows) {
    table.AddRow({row.app_id, OptionalText(row.app_name), OptionalText(row.environment_id),
                  OptionalText(row.environment_name), row.launches, row.unique_users,
                  OptionalTime(row.last_launched_on), OptionalText(row.last_launched_by)});
  }
  return {.title = "Apps",
          .description =
              "Launches, unique users and the last launch of each app, most launched "
              "first.",
          .tables = {std::move(table)}};
}

ReportDocument UsageReport(const std::vector<UsagePoint>& points, UsagePeriod period) {
  const std::string name(UsagePeriodName(period));
  Table table("usage", "Launches per " + name,
              {Time("period_start"), Integer("launches"), Integer("unique_users")});
  for (const auto& point : points) {
    table.AddRow({point.period_start, point.launches, point.unique_users});
  }
  return {.title = "Usage per " + name,
          .description = "Launches and unique users per " + name +
                         (period == UsagePeriod::kWeek ? " (ISO weeks, from Monday)" : "") +
                         ", periods without a launch included.",
          .tables = {std::move(table)}};
}

ReportDocument UsersReport(const std::vector<UserUsage>& rows) {
  Table table("users", "Users",
              {Text("user_upn"), Text("display_name", kOptional), Text("department", kOptional),
               Text("job_title", kOptional), Text("city", kOptional), Text("country", kOptional),
               Text("user_type", kOptional), Integer("launches"), Integer("distinct_apps"),
               Time("last_launched_on"), Text("last_app_id")});
  for (const auto& row : rows) {
    table.AddRow({row.user_upn, OptionalText(row.display_name), OptionalText(row.department),
                  OptionalText(row.job_title), OptionalText(row.city), OptionalText(row.country),
                  OptionalText(row.user_type), row.launches, row.apps, row.last_launched_on,
                  row.last_app_id});
  }
  return {.title = "Users",
          .description =
              "Launches, distinct apps and the last launch of each user, most "
              "launches first, with the directory's profile when user enrichment read it.",
          .tables = {std::move(table)}};
}

namespace {

constexpr std::string_view kProductionRule =
    "the CoE Starter Kit's rule: 50 or more launches, or launches by 5 or more unique users, in a "
    "calendar month; every month that overlaps the window is judged whole";

Table ProductionTable(const std::vector<ProductionApp>& apps) {
  Table table("production_apps", "Production apps",
              {Time("month"), Text("app_id"), Text("app_name", kOptional), Integer("launches"),
               Integer("unique_users")});
  for (const auto& app : apps) {
    table.AddRow(
        {app.month, app.app_id, OptionalText(app.app_name), app.launches, app.unique_users});
  }
  return table;
}

}  // namespace

ReportDocument SummaryReport(const UsageSummary& summary,
                             const std::vector<ProductionApp>& production) {
  Table totals("summary", "Totals",
               {Integer("launches"), Integer("unique_users"), Integer("active_apps"),
                Integer("active_environments"), Time("first_launch", kOptional),
                Time("last_launch", kOptional)});
  totals.AddRow({summary.launches, summary.unique_users, summary.active_apps,
                 summary.active_environments, OptionalTime(summary.first_launch),
                 OptionalTime(summary.last_launch)});
  return {.title = "Summary",
          .description = "Totals for the window, and the production apps of each month (" +
                         std::string(kProductionRule) + ").",
          .json_shape = JsonShape::kObject,
          .tables = {std::move(totals), ProductionTable(production)}};
}

ReportDocument ProductionReport(const std::vector<ProductionApp>& production) {
  return {.title = "Production apps",
          .description =
              "The apps that meet " + std::string(kProductionRule) + ", by month, then app id.",
          .tables = {ProductionTable(production)}};
}

ReportDocument UnusedReport(const std::vector<UnusedApp>& rows, Instant now) {
  Table table("unused", "Unused apps",
              {Text("app_id"), Text("app_name", kOptional), Text("environment_id", kOptional),
               Text("environment_name", kOptional), Time("last_launched_on", kOptional),
               Text("last_launched_by", kOptional), Integer("days_since_last_launch", kOptional)});
  for (const auto& row : rows) {
    Cell days;
    if (row.last_launched_on) {
      days = std::chrono::floor<std::chrono::days>(now - *row.last_launched_on).count();
    }
    table.AddRow({row.app_id, OptionalText(row.app_name), OptionalText(row.environment_id),
                  OptionalText(row.environment_name), OptionalTime(row.last_launched_on),
                  OptionalText(row.last_launched_by), days});
  }
  return {.title = "Unused apps",
          .description =
              "Apps not deleted and not launched since the time below, never "
              "launched ones included, longest unused first.",
          .tables = {std::move(table)}};
}

ReportDocument BuildReport(UsageStore& store, const ReportRequest& request) {
  // The table and the charts of one page come from one commit, even while a sync commits.
  const auto snapshot = store.HoldSnapshot();
  const Instant unused_since = request.now - request.unused_for;
  // `unused` looks back from now; its charts show the same days.
  UsageFilter chart_filter = request.filter;
  if (request.name == ReportName::kUnused) {
    chart_filter.from = unused_since;
    chart_filter.to = request.now;
  }
  // The production apps of the whole months of the window: the summary's own pass serves when
  // the window is whole months already.
  auto production = [&](const UsageSummary* summary) {
    const auto months = WholeMonths(request.filter);
    if (summary != nullptr && months.from == request.filter.from &&
        months.to == request.filter.to) {
      return summary->production_apps;
    }
    return store.QuerySummary(months).production_apps;
  };
  std::optional<std::vector<AppUsage>> apps;
  std::optional<std::vector<UsagePoint>> usage;
  ReportDocument document;
  switch (request.name) {
    case ReportName::kApps:
      apps = store.QueryAppUsage(request.filter);
      document = AppsReport(*apps);
      break;
    case ReportName::kUsage:
      usage = store.QueryUsage(request.filter, request.period);
      document = UsageReport(*usage, request.period);
      break;
    case ReportName::kUsers:
      document = UsersReport(store.QueryUserUsage(request.filter));
      break;
    case ReportName::kSummary: {
      const auto summary = store.QuerySummary(request.filter);
      document = SummaryReport(summary, production(&summary));
      break;
    }
    case ReportName::kProduction:
      document = ProductionReport(production(nullptr));
      break;
    case ReportName::kUnused:
      document = UnusedReport(store.QueryUnusedApps(unused_since, request.filter), request.now);
      break;
  }
  document.facts = Facts(request, unused_since);
  if (request.charts) {
    // The usage report has just counted the chart's points if the chart's period is its own.
    document.charts.push_back(
        LaunchesOverTime(store, chart_filter, usage ? &*usage : nullptr, request.period));
    // The apps report has just counted what the ranking needs.
    document.charts.push_back(TopAppsChart(apps ? *apps : store.QueryAppUsage(chart_filter)));
  }
  return document;
}

}  // namespace auditsync
