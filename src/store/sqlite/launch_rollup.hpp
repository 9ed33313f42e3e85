// The launch rollups (schema migration 5): launches per UTC day and per calendar month, app and
// user, of every record up to meta 'rollup_seq'. Ingest folds new records into them in batches;
// a report reads whole days and months from them and the rest (partial days at the window's edges,
// and the records not folded yet) from the records, so its figures equal those of the records
// alone at every moment. Private to the store module.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "store/launch_groups.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace auditsync::sqlite {

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
  using Groups = std::unordered_map<Key, store::LaunchGroup, KeyHash>;
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

// A row's record_key column in RecordOrder form.
store::RecordOrder RecordOrderOf(const Statement& row, int column);

// Stored records beyond 'rollup_seq'.
int64_t UnfoldedRecords(Database& db);

// Folds the records after 'rollup_seq' into the rollups in chunks of `chunk` seqs, each in a
// transaction of its own, until at most `chunk` remain unfolded: memory stays flat however far
// behind the rollups are (a large database right after the migration that added them). Outside
// any transaction.
void CatchUpRollups(Database& db, int64_t chunk);

// Adds `batch` (the launches of every record up to `through_seq` not folded yet) to the rollups and
// advances 'rollup_seq' to `through_seq`, in the caller's write transaction, so that the rollups
// never disagree with the records.
void WriteFold(Database& db, const LaunchBatch& batch, int64_t through_seq);

// The greatest seq stored (0 for none).
int64_t MaxSeq(Database& db);

// The seq up to which the rollups hold the launches (meta 'rollup_seq').
int64_t ReadRollupSeq(Database& db);

}  // namespace auditsync::sqlite
