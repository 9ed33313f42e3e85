// What the usage reports ask the store and what it answers: plain values shared by the store
// (which computes them from the launch rollup and the raw records) and the report renderers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace auditsync {

// Which launches a report counts: created in [from, to), optionally of one app or of the apps of
// one environment (ids in lowercase).
struct UsageFilter {
  Instant from = Instant::min();
  Instant to = Instant::max();
  std::optional<std::string> app_id = std::nullopt;
  std::optional<std::string> environment_id = std::nullopt;
};

// One row of the apps report. Apps that are known (from records or an imported inventory) but
// have no launch in the window have launches 0 and no last launch.
struct AppUsage {
  std::string app_id;
  std::optional<std::string> app_name;
  std::optional<std::string> environment_id;
  std::optional<std::string> environment_name;
  int64_t launches = 0;
  int64_t unique_users = 0;
  std::optional<Instant> last_launched_on;
  std::optional<std::string> last_launched_by;

  bool operator==(const AppUsage&) const = default;
};

enum class UsagePeriod { kDay, kWeek, kMonth };  // UTC days, ISO weeks (Monday), calendar months
std::optional<UsagePeriod> ParseUsagePeriod(std::string_view name);
std::string_view UsagePeriodName(UsagePeriod period);
// The start of the period that holds `at`.
Instant PeriodStart(UsagePeriod period, Instant at);
// The start of the period after the one that starts at `start`.
Instant NextPeriodStart(UsagePeriod period, Instant start);

// Launches and unique users in one period; periods without launches are included (zeros) between
// the first and the last period of the window, so that charts show gaps.
struct UsagePoint {
  Instant period_start{};
  int64_t launches = 0;
  int64_t unique_users = 0;

  bool operator==(const UsagePoint&) const = default;
};

// One row of the users report.
struct UserUsage {
  std::string user_upn;  // lowercase
  int64_t launches = 0;
  int64_t apps = 0;  // distinct apps launched
  Instant last_launched_on{};
  std::string last_app_id;  // the app of the last launch
  // From user enrichment (enrich_users), when known.
  std::optional<std::string> display_name;
  std::optional<std::string> department;
  std::optional<std::string> job_title;
  std::optional<std::string> city;
  std::optional<std::string> country;
  std::optional<std::string> user_type;  // Member or Guest (the CoE's "User is Guest")

  bool operator==(const UserUsage&) const = default;
};

// An app that meets the CoE's "production app" rule in a calendar month: 50 or more launches, or
// launches by 5 or more unique users.
struct ProductionApp {
  std::string app_id;
  std::optional<std::string> app_name;
  Instant month{};
  int64_t launches = 0;
  int64_t unique_users = 0;

  bool operator==(const ProductionApp&) const = default;
};

struct UsageSummary {
  int64_t launches = 0;
  int64_t unique_users = 0;
  int64_t active_apps = 0;          // apps with a launch in the window
  int64_t active_environments = 0;  // environments of those apps
  std::optional<Instant> first_launch;
  std::optional<Instant> last_launch;
  std::vector<ProductionApp> production_apps;  // per month of the window, by month then app id

  bool operator==(const UsageSummary&) const = default;
};

// An app, not deleted, without a launch since a given time (never launched ones included:
// last_launched_on empty).
struct UnusedApp {
  std::string app_id;
  std::optional<std::string> app_name;
  std::optional<std::string> environment_id;
  std::optional<std::string> environment_name;
  std::optional<Instant> last_launched_on;
  std::optional<std::string> last_launched_by;

  bool operator==(const UnusedApp&) const = default;
};

}  // namespace auditsync
