// The launch rollups (schema migration 5): launches per UTC day and per calendar month, app and
// user, of every record up to meta 'rollup_seq'. Ingest folds new records into them in batches;
// a report reads whole days and months from them and the rest (partial days at the window's edges,
// and the records not folded yet) from the records, so its figures equal those of the records
// alone at every moment. Private to the store module.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/sqlite/sqlite_db.hpp"

namespace auditsync::sqlite {

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

// A record key (the `record_key` column: a GUID's 16 bytes as a BLOB, any other id as TEXT) as
// bytes that order as SQLite orders the column: every TEXT before every BLOB, each by its bytes.
// Held inline for the usual GUID keys, so that a launch costs no allocation.
class RecordOrder {
 public:
  RecordOrder(std::string_view key, bool is_blob);
  std::string_view View() const {
    return long_.empty() ? std::string_view(inline_.data(), size_) : std::string_view(long_);
  }

 private:
  std::array<char, 40> inline_{};
  size_t size_ = 0;
  std::string long_;
};

// Launches grouped as the rollups hold them (per day and per month, app and user), not written
// yet: the launches of records stored since the last fold.
class LaunchBatch {
 public:
  void Add(int64_t at, int64_t app_key, int64_t user_key, std::string_view record_order);
  void Clear();
  int64_t Records() const { return records_; }  // records of any operation the batch stands for
  void CountRecords(int64_t records) { records_ += records; }

  struct Key {
    int64_t start;
    int64_t app_key;
    int64_t user_key;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const;
  };
  using Groups = std::unordered_map<Key, LaunchGroup, KeyHash>;
  const Groups& Days() const { return days_; }
  const Groups& Months() const { return months_; }

 private:
  Groups days_;
  Groups months_;
  int64_t records_ = 0;
};

// The launches of the records stored after meta 'rollup_seq' (after a restart, the batch that was
// in memory).
LaunchBatch ReadUnfolded(Database& db);

// Adds the launches of the records stored after `seq` to `batch` (in the caller's transaction:
// what a page inserted, when some of its records were duplicates).
void AddLaunchesAfter(Database& db, int64_t seq, LaunchBatch& batch);

// Stored records beyond 'rollup_seq'.
int64_t UnfoldedRecords(Database& db);

// Adds `batch` (the launches of every record up to `through_seq` not folded yet) to the rollups and
// advances 'rollup_seq' to `through_seq`, in the caller's write transaction, so that the rollups
// never disagree with the records.
void WriteFold(Database& db, const LaunchBatch& batch, int64_t through_seq);

// The greatest seq stored (0 for none).
int64_t MaxSeq(Database& db);

// The coarsest rollup a report can read: a report per day cannot use a month's row.
enum class LaunchGrain { kDay, kMonth };

// What a report needs of each group: the counts only (first_at, last_at and last_record are left
// unset for rollup rows), or the first and last launch too.
enum class LaunchDetail { kCounts, kWithLatest };

// Calls `visit` once for each group of the launches created in [from, to) (Unix seconds), each
// launch counted exactly once: whole months (when `coarsest` allows) and whole days from the
// rollups, the rest from the records. With `use_rollups` false every launch comes from the
// records, one group each (the reference the rollups are tested against). Call it inside a
// ReadSnapshot (or a transaction), so that the rollups and the records it reads agree.
void ForEachLaunchGroup(Database& db, int64_t from, int64_t to, LaunchGrain coarsest,
                        LaunchDetail detail, bool use_rollups,
                        const std::function<void(const LaunchGroup&)>& visit);

// Whether (at, record) is later than (other_at, other_record): launches at the same second are
// ordered by record key, greater last.
inline bool IsLater(int64_t at, std::string_view record, int64_t other_at,
                    std::string_view other_record) {
  return at != other_at ? at > other_at : record > other_record;
}

// Unix seconds of the calendar month (UTC) that holds `seconds`, and of the month after it.
int64_t MonthStart(int64_t seconds);
int64_t NextMonthStart(int64_t month_start);

}  // namespace auditsync::sqlite
