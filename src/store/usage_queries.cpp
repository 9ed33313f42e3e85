#include "store/usage_queries.hpp"

#include <algorithm>
#include <climits>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace auditsync::store {
namespace {

int64_t Seconds(Instant instant) { return instant.time_since_epoch().count(); }
Instant FromSeconds(int64_t seconds) { return Instant(std::chrono::seconds(seconds)); }

// Every known app by key (apps number in the thousands, not the millions), and the apps a filter
// admits: all of them (nullopt) when it names neither an app nor an environment. The backend
// reads only the admitted apps' launches.
class AppDirectory {
 public:
  AppDirectory(UsageSource& source, const UsageFilter& filter) {
    if (filter.app_id || filter.environment_id) admitted_.emplace();
    source.VisitApps([&](int64_t key, AppRow row) {
      if (admitted_ && (!filter.app_id || row.app_id == *filter.app_id) &&
          (!filter.environment_id || row.environment_id == filter.environment_id)) {
        admitted_->push_back(key);
      }
      apps_.emplace(key, std::move(row));
    });
    if (admitted_) std::sort(admitted_->begin(), admitted_->end());
  }

  bool Admits(int64_t app_key) const {
    return !admitted_ || std::binary_search(admitted_->begin(), admitted_->end(), app_key);
  }
  const AppKeys& Admitted() const { return admitted_; }
  const AppRow& Get(int64_t app_key) const { return apps_.at(app_key); }
  const std::unordered_map<int64_t, AppRow>& All() const { return apps_; }

 private:
  std::unordered_map<int64_t, AppRow> apps_;
  AppKeys admitted_;
};

// The latest launch of a set of groups: ties on time go to the greater record key.
struct Latest {
  int64_t at = INT64_MIN;
  std::string record;
  int64_t other_key = 0;  // the user (per app) or the app (per user) of that launch

  void Offer(const LaunchGroup& group, int64_t key) {
    if (at == INT64_MIN || IsLater(group.last_at, group.last_record, at, record)) {
      at = group.last_at;
      record = group.last_record;
      other_key = key;
    }
  }
};

// Calls `visit` for the launch groups of the filter's window and apps.
void ForEachAdmitted(UsageSource& source, const UsageFilter& filter, const AppDirectory& apps,
                     LaunchGrain grain, LaunchDetail detail, bool use_rollups,
                     const LaunchVisitor& visit) {
  ForEachLaunchGroup(source, Seconds(filter.from), Seconds(filter.to), apps.Admitted(), grain,
                     detail, use_rollups, visit);
}

}  // namespace

std::vector<AppUsage> QueryApps(UsageSource& source, const UsageFilter& filter, bool use_rollups) {
  const AppDirectory apps(source, filter);
  struct Totals {
    int64_t launches = 0;
    std::unordered_set<int64_t> users;
    Latest latest;
  };
  std::unordered_map<int64_t, Totals> totals;
  ForEachAdmitted(source, filter, apps, LaunchGrain::kMonth, LaunchDetail::kWithLatest, use_rollups,
                  [&](const LaunchGroup& group) {
                    auto& app = totals[group.app_key];
                    app.launches += group.launches;
                    if (group.user_key != 0) app.users.insert(group.user_key);
                    app.latest.Offer(group, group.user_key);
                  });
  std::vector<AppUsage> rows;
  for (const auto& [app_key, app] : totals) {
    const auto& known = apps.Get(app_key);
    rows.push_back({known.app_id, known.name, known.environment_id, known.environment_name,
                    app.launches, static_cast<int64_t>(app.users.size()),
                    FromSeconds(app.latest.at),
                    app.latest.other_key == 0  // the last launch named no user
                        ? std::nullopt
                        : std::optional(source.User(app.latest.other_key).upn)});
  }
  // Apps of an imported inventory that no record ever launched are listed as unused.
  for (const auto& [app_key, known] : apps.All()) {
    if (known.never_launched_inventory && apps.Admits(app_key) && !totals.contains(app_key)) {
      rows.push_back({known.app_id, known.name, known.environment_id, known.environment_name, 0, 0,
                      std::nullopt, std::nullopt});
    }
  }
  std::sort(rows.begin(), rows.end(), [](const AppUsage& a, const AppUsage& b) {
    return a.launches != b.launches ? a.launches > b.launches : a.app_id < b.app_id;
  });
  return rows;
}

std::vector<UsagePoint> QueryUsage(UsageSource& source, const UsageFilter& filter,
                                   UsagePeriod period, bool use_rollups) {
  const AppDirectory apps(source, filter);
  struct Totals {
    int64_t launches = 0;
    std::unordered_set<int64_t> users;
  };
  std::map<Instant, Totals> periods;
  const auto grain = period == UsagePeriod::kMonth ? LaunchGrain::kMonth : LaunchGrain::kDay;
  // Rollup rows come in order of their day or month: the period of the previous row usually
  // holds the next one too.
  int64_t last_start = INT64_MIN;
  Totals* last_totals = nullptr;
  ForEachAdmitted(source, filter, apps, grain, LaunchDetail::kCounts, use_rollups,
                  [&](const LaunchGroup& group) {
                    if (group.start != last_start) {
                      last_start = group.start;
                      last_totals = &periods[PeriodStart(period, FromSeconds(group.start))];
                    }
                    last_totals->launches += group.launches;
                    if (group.user_key != 0) last_totals->users.insert(group.user_key);
                  });
  // Every period from the window's first to its last, with zeros where nothing was launched; an
  // open end of the window ends at the launches.
  const bool open_start = filter.from == Instant::min();
  const bool open_end = filter.to == Instant::max();
  if (periods.empty() && (open_start || open_end)) return {};
  const Instant first = open_start ? periods.begin()->first : PeriodStart(period, filter.from);
  const Instant last =
      open_end ? periods.rbegin()->first : PeriodStart(period, filter.to - std::chrono::seconds(1));
  std::vector<UsagePoint> points;
  for (Instant start = first; start <= last; start = NextPeriodStart(period, start)) {
    const auto it = periods.find(start);
    if (it == periods.end()) {
      points.push_back({start, 0, 0});
    } else {
      points.push_back({start, it->second.launches, static_cast<int64_t>(it->second.users.size())});
    }
  }
  return points;
}

std::vector<UserUsage> QueryUsers(UsageSource& source, const UsageFilter& filter,
                                  bool use_rollups) {
  const AppDirectory apps(source, filter);
  struct Totals {
    int64_t launches = 0;
    std::unordered_set<int64_t> apps;
    Latest latest;
  };
  std::unordered_map<int64_t, Totals> totals;
  ForEachAdmitted(source, filter, apps, LaunchGrain::kMonth, LaunchDetail::kWithLatest, use_rollups,
                  [&](const LaunchGroup& group) {
                    if (group.user_key == 0) return;  // launches that named no user
                    auto& user = totals[group.user_key];
                    user.launches += group.launches;
                    user.apps.insert(group.app_key);
                    user.latest.Offer(group, group.app_key);
                  });
  std::vector<UserUsage> rows;
  rows.reserve(totals.size());
  for (const auto& [user_key, user] : totals) {
    auto known = source.User(user_key);
    rows.push_back({.user_upn = std::move(known.upn),
                    .launches = user.launches,
                    .apps = static_cast<int64_t>(user.apps.size()),
                    .last_launched_on = FromSeconds(user.latest.at),
                    .last_app_id = apps.Get(user.latest.other_key).app_id,
                    .display_name = std::move(known.display_name),
                    .department = std::move(known.department),
                    .job_title = std::move(known.job_title),
                    .city = std::move(known.city),
                    .country = std::move(known.country),
                    .user_type = std::move(known.user_type)});
  }
  std::sort(rows.begin(), rows.end(), [](const UserUsage& a, const UserUsage& b) {
    return a.launches != b.launches ? a.launches > b.launches : a.user_upn < b.user_upn;
  });
  return rows;
}

UsageSummary QuerySummary(UsageSource& source, const UsageFilter& filter, bool use_rollups) {
  const AppDirectory apps(source, filter);
  UsageSummary summary;
  std::unordered_set<int64_t> users;
  std::unordered_set<int64_t> active_apps;
  struct MonthTotals {
    int64_t launches = 0;
    std::unordered_set<int64_t> users;
  };
  std::map<std::pair<int64_t, int64_t>, MonthTotals> months;  // (month, app_key)
  int64_t first = INT64_MAX;
  int64_t last = INT64_MIN;
  ForEachAdmitted(source, filter, apps, LaunchGrain::kMonth, LaunchDetail::kWithLatest, use_rollups,
                  [&](const LaunchGroup& group) {
                    summary.launches += group.launches;
                    if (group.user_key != 0) users.insert(group.user_key);
                    active_apps.insert(group.app_key);
                    first = std::min(first, group.first_at);
                    last = std::max(last, group.last_at);
                    auto& month = months[{MonthStart(group.start), group.app_key}];
                    month.launches += group.launches;
                    if (group.user_key != 0) month.users.insert(group.user_key);
                  });
  summary.unique_users = static_cast<int64_t>(users.size());
  summary.active_apps = static_cast<int64_t>(active_apps.size());
  std::unordered_set<std::string> environments;
  for (const auto app_key : active_apps) {
    if (const auto& environment = apps.Get(app_key).environment_id) {
      environments.insert(*environment);
    }
  }
  summary.active_environments = static_cast<int64_t>(environments.size());
  if (summary.launches > 0) {
    summary.first_launch = FromSeconds(first);
    summary.last_launch = FromSeconds(last);
  }
  // The CoE's rule: 50 or more launches, or launches by 5 or more unique users, in a month.
  for (const auto& [key, month] : months) {
    const auto unique_users = static_cast<int64_t>(month.users.size());
    if (month.launches < 50 && unique_users < 5) continue;
    const auto& app = apps.Get(key.second);
    summary.production_apps.push_back(
        {app.app_id, app.name, FromSeconds(key.first), month.launches, unique_users});
  }
  std::sort(summary.production_apps.begin(), summary.production_apps.end(),
            [](const ProductionApp& a, const ProductionApp& b) {
              return std::tie(a.month, a.app_id) < std::tie(b.month, b.app_id);
            });
  return summary;
}

}  // namespace auditsync::store
