// The launch rollups (schema migration 4): launches per UTC day and per calendar month, app and
// user, of every record up to meta 'rollup_seq'. Ingest folds new records into them in batches;
// a report reads whole days and months from them and the rest (partial days at the window's edges,
// and the records not folded yet) from the records, so its figures equal those of the records
// alone at every moment. Private to the store module.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "store/sqlite/sqlite_db.hpp"

namespace auditsync::sqlite {

// Records stored but not folded into the rollups yet.
int64_t UnfoldedRecords(Database& db);

// Folds the launches of the records not folded yet into the rollups and advances 'rollup_seq'.
// Runs inside the caller's write transaction, so the rollups never disagree with the records.
void FoldLaunches(Database& db);

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

// The coarsest rollup a report can read: a report per day cannot use a month's row.
enum class LaunchGrain { kDay, kMonth };

// Calls `visit` once for each group of the launches created in [from, to) (Unix seconds), each
// launch counted exactly once: whole months (when `coarsest` allows) and whole days from the
// rollups, the rest from the records. With `use_rollups` false every launch comes from the
// records, one group each (the reference the rollups are tested against). Call it inside a
// ReadSnapshot (or a transaction), so that the rollups and the records it reads agree.
void ForEachLaunchGroup(Database& db, int64_t from, int64_t to, LaunchGrain coarsest,
                        bool use_rollups, const std::function<void(const LaunchGroup&)>& visit);

// Whether (at, record) is later than (other_at, other_record): launches at the same second are
// ordered by record key, greater last.
inline bool IsLater(int64_t at, const std::string& record, int64_t other_at,
                    const std::string& other_record) {
  return at != other_at ? at > other_at : record > other_record;
}

// Unix seconds of the calendar month (UTC) that holds `seconds`, and of the month after it.
int64_t MonthStart(int64_t seconds);
int64_t NextMonthStart(int64_t month_start);

}  // namespace auditsync::sqlite
