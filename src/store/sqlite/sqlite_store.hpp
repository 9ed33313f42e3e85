// The embedded store: one SQLite file in WAL mode. Records are upserted idempotently on their
// id; each page's records, its quarantined records, the "update data" step on the apps table and
// the window's next link are committed in one transaction, so a killed sync resumes without loss
// or duplicates.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "record/audit_record.hpp"
#include "record/inventory_app.hpp"
#include "record/user_profile.hpp"
#include "store/model.hpp"
#include "store/usage.hpp"

namespace auditsync {
namespace sqlite {
class ReadSnapshot;
}

class SqliteStore {
 public:
  // One read snapshot over several queries (each query otherwise takes its own), so that the
  // parts of one report (a page's charts and its table) come from the same commit while a sync
  // commits. Queries made while it lives join it.
  class Snapshot {
   public:
    explicit Snapshot(SqliteStore& store);
    ~Snapshot();
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;

   private:
    std::unique_ptr<sqlite::ReadSnapshot> snapshot_;
  };

  // Opens (creating if needed) and migrates the schema. Throws StorageError.
  explicit SqliteStore(const std::string& path);
  ~SqliteStore();
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Windows that still need work: pending, queued, paging or failed, oldest first.
  std::vector<SyncWindow> UnfinishedWindows();
  int64_t CountCompleteWindows();
  // The planned window of `kind` over [start, end); added as pending, planned at `now`, if new.
  SyncWindow PlanWindow(ScanKind kind, Instant start, Instant end, Instant now);
  // Starts a new scan of a planned window, planned at `now`: it becomes pending again and the
  // halves an earlier scan split it into are dropped. Only once that scan is over: while any part
  // of it is unfinished, nothing changes and the answer is false (the scan under way goes on).
  bool RestartWindow(SyncWindow& window, Instant now);
  void SaveWindow(const SyncWindow& window);
  // Marks `window` split and adds its halves, in one transaction: a crash can never leave a split
  // window without the windows that replace it. Returns the halves.
  std::vector<SyncWindow> SplitWindow(SyncWindow& window,
                                      const std::vector<std::pair<Instant, Instant>>& halves);
  // A random id of this database, made on first use. Query names carry it, so that queries of
  // two databases collecting the same tenant are never mistaken for each other.
  std::string InstallationId();

  // The end of the newest initial window: where the next scheduled sync starts.
  std::optional<Instant> Frontier();

  // Complete hours whose newest scan was planned less than `settled_after` after the hour ended.
  std::vector<CoveredHour> UnsettledHours(std::chrono::seconds settled_after);
  // Complete hours starting in [from, to).
  std::vector<CoveredHour> Coverage(Instant from, Instant to);

  // Audit log queries submitted after `since` (the tenant allows a number per 24 hours: a
  // submission holds its place until 24 hours after it was made), and their times, oldest first.
  int64_t SubmissionsSince(Instant since);
  std::vector<Instant> SubmissionTimesSince(Instant since);
  void RecordSubmission(const SyncWindow& window, Instant at);

  // Stores a page and saves `window` (its next_link/state as the caller set them) atomically.
  // `window.record_count` and `quarantined_count` are advanced by what was new. When the page
  // completes the last unfinished part of a planned window, the planned window's whole hours are
  // marked complete as of its plan time, in the same transaction.
  PageOutcome CommitPage(SyncWindow& window, const RecordPage& page);

  // The Management Activity API path (use_graph_api = no). Its checkpoint is the content cursor
  // (every blob listed with a contentCreated before it is stored) and the ids of the blobs
  // stored, so that a restart neither fetches a finished blob again nor skips an unfinished one.
  //
  // Stores records read from content blobs, marks `blobs` finished and, when given, moves the
  // cursor, in one transaction. The records go through the same steps as a Graph page: dedupe on
  // their id, the "update data" step and the launch rollups.
  PageOutcome CommitBlobs(const RecordPage& page, const std::vector<StoredBlob>& blobs,
                          std::optional<Instant> cursor);
  // Stores records read from an exported audit log (`auditsync import purview`) in one
  // transaction, through the same steps as CommitPage and CommitBlobs (dedupe on the id, the
  // "update data" step, app and user keys, the launch rollups) but moving no checkpoint: an
  // export says nothing about what either API has delivered, so no window, coverage, cursor or
  // blob changes. Launches are folded into the rollups in batches, as for pages; FoldLaunches
  // folds the rest.
  PageOutcome CommitImported(const RecordPage& page);

  // nullopt until a listing first completed.
  std::optional<Instant> ContentCursor();
  // The ids of the finished blobs (stored or expired) created at or after `since`.
  std::unordered_set<std::string> BlobsSince(Instant since);
  ContentTally CountBlobs();
  // Content that can no longer be read, kept for `status`: a gap with the start of one already
  // known extends it (to the later end, found when first found) instead of adding a row.
  void RecordContentGap(const ContentGap& gap);
  std::vector<ContentGap> ContentGaps();

  // The usage reports (store/usage.hpp) over launches created in the filter's window, read from
  // the launch rollups and the records they do not cover (partial days, records not folded yet).
  std::vector<AppUsage> QueryAppUsage(const UsageFilter& filter);
  std::vector<UsagePoint> QueryUsage(const UsageFilter& filter, UsagePeriod period);
  std::vector<UserUsage> QueryUserUsage(const UsageFilter& filter);
  UsageSummary QuerySummary(const UsageFilter& filter);
  std::vector<UnusedApp> QueryUnusedApps(Instant since, const UsageFilter& filter);
  // Reports read every launch from the records, ignoring the rollups: the reference the rollups
  // are checked against, and a way to tell whether a wrong figure comes from them.
  void ReadUsageFromRecordsOnly(bool records_only) { use_rollups_ = !records_only; }
  // Folds the launches stored since the last fold into the rollups. CommitPage does this as
  // records accumulate and when a window completes; a report never needs it.
  void FoldLaunches();

  // User enrichment (enrich_users): the UPNs of users whose profile was never read or was read
  // before `stale_before`, never read ones first, then the least recently read; at most `limit`.
  std::vector<std::string> UsersToEnrich(Instant stale_before, size_t limit);
  // Stores profiles read at `at`, in one transaction. A user the directory does not know (found
  // false) keeps any profile read before; either way it is not due again until it is stale.
  void SaveUserProfiles(const std::vector<UserProfile>& profiles, Instant at);

  // Loads an app inventory (`auditsync import apps`) listed at `at`, in one transaction: new apps
  // are added without a first-seen time; known apps get the owner, creation time and inventory
  // time, and a display name or environment only where no record gave one. Importing the same
  // list again changes nothing but the inventory time.
  InventoryOutcome ImportInventory(const std::vector<InventoryApp>& apps, Instant at);

  int64_t CountRecords();
  int64_t CountQuarantined();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool use_rollups_ = true;
};

}  // namespace auditsync
