#include "store/launch_groups.hpp"

#include <algorithm>
#include <chrono>

namespace auditsync::store {
namespace {

constexpr int64_t kDay = 86400;
// Bounds that every stored time lies within, so that aligning a window's open ends to days and
// months cannot overflow: 1970-01-01 and 9999-12-31.
constexpr int64_t kEarliest = 0;
constexpr int64_t kLatest = 253402214400;

int64_t AlignDownToDay(int64_t seconds) { return seconds / kDay * kDay; }  // seconds >= 0
int64_t AlignUpToDay(int64_t seconds) { return AlignDownToDay(seconds + kDay - 1); }

}  // namespace

int64_t MonthStart(int64_t seconds) {
  using namespace std::chrono;
  const year_month_day date{floor<days>(sys_seconds(std::chrono::seconds(seconds)))};
  return sys_seconds(sys_days(date.year() / date.month() / 1)).time_since_epoch().count();
}

int64_t NextMonthStart(int64_t month_start) {
  using namespace std::chrono;
  const year_month_day date{floor<days>(sys_seconds(std::chrono::seconds(month_start)))};
  const year_month next = date.year() / date.month() + months(1);
  return sys_seconds(sys_days(next / 1)).time_since_epoch().count();
}

RecordOrder::RecordOrder(std::string_view key, bool is_blob) {
  const char kind = is_blob ? '\x02' : '\x01';
  if (key.size() + 1 <= inline_.size()) {
    inline_[0] = kind;
    std::copy(key.begin(), key.end(), inline_.begin() + 1);
    size_ = key.size() + 1;
  } else {
    long_.reserve(key.size() + 1);
    long_ += kind;
    long_.append(key);
  }
}

RecordOrder RecordOrder::Of(std::string_view record_id, const std::optional<GuidBytes>& bytes) {
  return bytes ? RecordOrder({reinterpret_cast<const char*>(bytes->data()), bytes->size()}, true)
               : RecordOrder(record_id, false);
}

std::string AppKeyCondition(const AppKeys& apps) {
  if (!apps) return {};
  std::string condition = " AND app_key IN (";
  for (size_t i = 0; i < apps->size(); ++i) {
    if (i > 0) condition += ',';
    condition += std::to_string((*apps)[i]);
  }
  return condition + ")";
}

std::string RollupSql(LaunchGrain grain, LaunchDetail detail, const AppKeys& apps,
                      std::string_view from, std::string_view to) {
  const bool by_day = grain == LaunchGrain::kDay;
  const std::string table = by_day ? "launch_days" : "launch_months";
  const std::string period = by_day ? "day" : "month";
  const std::string columns =
      period + ", app_key, user_key, launches" +
      (detail == LaunchDetail::kWithLatest ? ", first_at, last_at, last_record" : "");
  const std::string before_end = period + " < " + std::string(to);
  if (!apps) {
    return "SELECT " + columns + " FROM " + table + " WHERE " + period +
           " >= " + std::string(from) + " AND " + before_end;
  }
  // The primary key is (period, app_key, user_key): scanning the window and filtering on app_key
  // would still read every app's rows. Instead each period of the window is found with one index
  // seek from the previous (a loose index scan, in SQL both engines run), and only the admitted
  // apps' rows of each period are read.
  const std::string next_period = "(SELECT " + period + " FROM " + table + " WHERE " + period;
  const std::string first_after = " AND " + before_end + " ORDER BY " + period + " LIMIT 1)";
  return "WITH RECURSIVE periods (p) AS (SELECT " + next_period + " >= " + std::string(from) +
         first_after + " UNION ALL SELECT " + next_period + " > p" + first_after +
         " FROM periods WHERE p IS NOT NULL) SELECT " + columns + " FROM periods CROSS JOIN " +
         table + " WHERE " + period + " = p" + AppKeyCondition(apps);
}

void ForEachLaunchGroup(LaunchSource& source, int64_t from, int64_t to, const AppKeys& apps,
                        LaunchGrain coarsest, LaunchDetail detail, bool use_rollups,
                        const LaunchVisitor& visit) {
  using Records = LaunchSource::Records;
  from = std::max(from, kEarliest);
  to = std::min(to, kLatest);
  if (from >= to || (apps && apps->empty())) return;
  if (!use_rollups) {
    source.VisitRecords(Records::kAll, from, to, apps, visit);
    return;
  }
  // Records not folded yet, wherever they fall in the window.
  source.VisitRecords(Records::kUnfolded, from, to, apps, visit);
  if (!source.AnyFolded()) return;
  // Folded records: partial days from the records, whole days and months from the rollups.
  const int64_t first_day = AlignUpToDay(from);
  const int64_t end_day = AlignDownToDay(to);
  if (first_day >= end_day) {
    source.VisitRecords(Records::kFolded, from, to, apps, visit);
    return;
  }
  if (from < first_day) source.VisitRecords(Records::kFolded, from, first_day, apps, visit);
  if (end_day < to) source.VisitRecords(Records::kFolded, end_day, to, apps, visit);
  int64_t first_month = first_day;
  int64_t end_month = first_day;  // no whole months unless the grain allows them
  if (coarsest == LaunchGrain::kMonth) {
    first_month =
        MonthStart(first_day) == first_day ? first_day : NextMonthStart(MonthStart(first_day));
    end_month = MonthStart(end_day);
  }
  const auto rollup = [&](LaunchGrain grain, int64_t start, int64_t end) {
    if (start < end) source.VisitRollup(grain, start, end, apps, detail, visit);
  };
  if (first_month >= end_month) {
    rollup(LaunchGrain::kDay, first_day, end_day);
    return;
  }
  rollup(LaunchGrain::kDay, first_day, first_month);
  rollup(LaunchGrain::kMonth, first_month, end_month);
  rollup(LaunchGrain::kDay, end_month, end_day);
}

}  // namespace auditsync::store
