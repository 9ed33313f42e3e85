// Launch groups: what every usage report is computed from, whichever backend stores them. A
// backend answers for whole days and months from its launch rollups and for the rest (partial
// days at a window's edges, records not folded yet) from the records, each launch exactly once;
// usage_queries.hpp turns the groups into reports. Private to the store module.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/guid.hpp"

namespace auditsync::store {

// Launches of one app by one user: a rollup row (a month or a day), or a single record.
struct LaunchGroup {
  int64_t start = 0;  // Unix seconds: the month, the day, or the record's creation time
  int64_t app_key = 0;
  int64_t user_key = 0;  // 0: the records named no user
  int64_t launches = 0;
  int64_t first_at = 0;
  int64_t last_at = 0;
  std::string last_record;  // the last launch's record key, in RecordOrder form
};
using LaunchVisitor = std::function<void(const LaunchGroup&)>;

// A record's dedupe key (a GUID id's 16 bytes, any other id as text) as bytes whose byte order
// is the order of launches at the same second: every text id before every GUID, each by its
// bytes (the order SQLite gives its record_key column of TEXT and BLOB values). PostgreSQL
// stores these very bytes as its record_key. Held inline for the usual GUID keys, so that a
// launch costs no allocation.
class RecordOrder {
 public:
  RecordOrder(std::string_view key, bool is_blob);
  // The key of `record_id`, whose GUID bytes (if it is one) are `bytes`.
  static RecordOrder Of(std::string_view record_id, const std::optional<GuidBytes>& bytes);
  std::string_view View() const {
    return long_.empty() ? std::string_view(inline_.data(), size_) : std::string_view(long_);
  }

 private:
  std::array<char, 40> inline_{};
  size_t size_ = 0;
  std::string long_;
};

// Whether (at, record) is later than (other_at, other_record): launches at the same second are
// ordered by record key, greater last.
inline bool IsLater(int64_t at, std::string_view record, int64_t other_at,
                    std::string_view other_record) {
  return at != other_at ? at > other_at : record > other_record;
}

// Unix seconds of the calendar month (UTC) that holds `seconds`, and of the month after it.
int64_t MonthStart(int64_t seconds);
int64_t NextMonthStart(int64_t month_start);

// The coarsest rollup a report can read: a report per day cannot use a month's row.
enum class LaunchGrain { kDay, kMonth };

// What a report needs of each group: the counts only (first_at, last_at and last_record are left
// unset for rollup rows), or the first and last launch too.
enum class LaunchDetail { kCounts, kWithLatest };

// The apps whose launches to read: their keys, or nullopt for every app. A report of one app or
// environment reads only its apps' rows, not every row of its window.
using AppKeys = std::optional<std::vector<int64_t>>;

// " AND app_key IN (…)" for `apps` (empty for every app), for a backend's WHERE clause. The keys
// are integers written into the text, so that SQLite and PostgreSQL share it.
std::string AppKeyCondition(const AppKeys& apps);

// The query of the rollup rows of `grain` and `apps` whose period starts in [from, to), the
// window's bounds being the parameters named `from` and `to` ("?1" or "$1"): period, app_key,
// user_key, launches and, with kWithLatest, first_at, last_at, last_record. Reading only the
// counts when the report needs no first and last launch makes a scan of millions of rows a third
// faster.
std::string RollupSql(LaunchGrain grain, LaunchDetail detail, const AppKeys& apps,
                      std::string_view from, std::string_view to);

// What a backend reads for ForEachLaunchGroup, inside one read snapshot.
class LaunchSource {
 public:
  virtual ~LaunchSource() = default;
  // Which records: those the rollups hold (folded), those they do not hold yet, or all.
  enum class Records { kFolded, kUnfolded, kAll };
  // One group per launch record of `apps` created in [from, to).
  virtual void VisitRecords(Records which, int64_t from, int64_t to, const AppKeys& apps,
                            const LaunchVisitor& visit) = 0;
  // The rollup rows of `grain` and `apps` whose day or month starts in [from, to).
  virtual void VisitRollup(LaunchGrain grain, int64_t from, int64_t to, const AppKeys& apps,
                           LaunchDetail detail, const LaunchVisitor& visit) = 0;
  // Whether the rollups hold anything at all (when not, every launch is an unfolded record).
  virtual bool AnyFolded() = 0;
};

// Calls `visit` once for each group of the launches of `apps` created in [from, to) (Unix
// seconds), each launch counted exactly once: whole months (when `coarsest` allows) and whole days
// from the rollups, the rest from the records. With `use_rollups` false every launch comes from
// the records, one group each (the reference the rollups are tested against).
void ForEachLaunchGroup(LaunchSource& source, int64_t from, int64_t to, const AppKeys& apps,
                        LaunchGrain coarsest, LaunchDetail detail, bool use_rollups,
                        const LaunchVisitor& visit);

}  // namespace auditsync::store
