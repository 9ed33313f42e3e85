// The store behind one narrow interface (STYLE.md habit 8). Each engine sees only the part it
// uses: the Graph sync its windows (WindowStore), the Management Activity API sync its blobs
// (ContentStore), reports their queries (UsageStore), enrichment and imports the directory facts
// (DirectoryStore). `Store` is all of them, for `status` and whoever opens the database.
// Backends: SQLite (store/sqlite, a file) and PostgreSQL (store/postgres, a server); both pass the
// one conformance suite (tests/unit/store_conformance_test.cpp).
//
// Every method throws StorageError when the database fails. Every write is one transaction: a
// crash leaves either all of it or none of it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"
#include "record/audit_record.hpp"
#include "record/inventory_app.hpp"
#include "record/user_profile.hpp"
#include "store/model.hpp"
#include "store/usage.hpp"

namespace auditsync {

// A write of a window whose lease another collecting process now holds (WindowStore leases).
class LeaseLost : public StorageError {
 public:
  using StorageError::StorageError;
};

// The Graph audit log query API path: planned windows, their queries and pages, the hours covered
// and the queries submitted against the tenant's allocation.
class WindowStore {
 public:
  virtual ~WindowStore() = default;

  // Windows that still need work: pending, queued, paging or failed, oldest first.
  virtual std::vector<SyncWindow> UnfinishedWindows() = 0;
  // The planned window of `kind` over [start, end); added as pending, planned at `now`, if new.
  virtual SyncWindow PlanWindow(ScanKind kind, Instant start, Instant end, Instant now) = 0;
  // Starts a new scan of a planned window, planned at `now`: it becomes pending again and the
  // halves an earlier scan split it into are dropped. Only once that scan is over: while any part
  // of it is unfinished, nothing changes and the answer is false (the scan under way goes on).
  virtual bool RestartWindow(SyncWindow& window, Instant now) = 0;
  virtual void SaveWindow(const SyncWindow& window) = 0;
  // Marks `window` split and adds its halves, in one transaction: a crash can never leave a split
  // window without the windows that replace it. Returns the halves.
  virtual std::vector<SyncWindow> SplitWindow(
      SyncWindow& window, const std::vector<std::pair<Instant, Instant>>& halves) = 0;
  // A random id of this database, made on first use. Query names carry it, so that queries of
  // two databases collecting the same tenant are never mistaken for each other.
  virtual std::string InstallationId() = 0;
  // The end of the newest initial window: where the next scheduled sync starts.
  virtual std::optional<Instant> Frontier() = 0;

  // Complete hours whose newest scan was planned less than `settled_after` after the hour ended.
  virtual std::vector<CoveredHour> UnsettledHours(std::chrono::seconds settled_after) = 0;
  // Complete hours starting in [from, to).
  virtual std::vector<CoveredHour> Coverage(Instant from, Instant to) = 0;

  // Audit log queries submitted after `since` (the tenant allows a number per 24 hours: a
  // submission holds its place until 24 hours after it was made), and their times, oldest first.
  virtual int64_t SubmissionsSince(Instant since) = 0;
  virtual std::vector<Instant> SubmissionTimesSince(Instant since) = 0;
  // Counts a query submission for `window` at `at` and saves the window (its query name, given
  // before the POST), in one transaction, unless it would break `limits`: the limits hold across
  // every process collecting into the database, each reservation seeing the others'.
  virtual SubmissionGrant ReserveSubmission(const SyncWindow& window, Instant at,
                                            const SubmissionLimits& limits) = 0;

  // Leases let several processes (`auditsync run` on several machines, PostgreSQL) share the
  // windows: each works only on the windows it leased, until it gives them back or its lease
  // expires (it died or stalled) and another takes them over. The writes of a window (SaveWindow,
  // SplitWindow, CommitPage, ReserveSubmission) are accepted only while the window's lease is
  // still `window.lease_owner`'s (or, for "", still nobody's); otherwise they throw LeaseLost and
  // change nothing, so a worker that lost a window cannot overwrite its new owner's progress.
  //
  // Leases to the request's owner, until `until`, up to `limit` unfinished windows that nobody
  // else holds at `now` (no lease, or an expired one) and that may be worked on now (a window
  // without a query waits for its retry_at), of the kinds the request asks for, in the order work
  // is done: windows being paged, then windows with a query, then first scans newest first, then
  // settle scans. A window the owner already holds is not returned.
  virtual std::vector<SyncWindow> LeaseWindows(const LeaseRequest& request) = 0;
  // Extends every lease `owner` holds to `until`.
  virtual void RenewLeases(const std::string& owner, Instant until) = 0;
  // Gives back the lease on `window` (the owner is done with it for now).
  virtual void ReleaseLease(const SyncWindow& window) = 0;
  // Gives back every lease of `owner`; with "", every lease of anyone (a process that is the
  // only one collecting takes over what a crashed one left at once, instead of after expiry).
  virtual void ReleaseLeases(const std::string& owner) = 0;
  // The earliest expiry of the unexpired leases other owners hold on windows still being worked
  // on (unfinished and not failed), as of `now`: when a worker with nothing left to do could
  // take over a window, should its owner have died. nullopt when there are none.
  virtual std::optional<Instant> ForeignLeaseExpiry(const std::string& owner, Instant now) = 0;

  // Stores a page and saves `window` (its next_link/state as the caller set them) atomically:
  // records deduplicated on their id, quarantined records, the "update data" step on the apps
  // table and the launch rollups. `window.record_count` and `quarantined_count` are advanced by
  // what was new. When the page completes the last unfinished part of a planned window, the
  // planned window's whole hours are marked complete as of its plan time, in the same
  // transaction.
  virtual PageOutcome CommitPage(SyncWindow& window, const RecordPage& page) = 0;
};

// The Management Activity API path (use_graph_api = no). Its checkpoint is the content cursor
// (every blob listed with a contentCreated before it is stored) and the ids of the blobs stored,
// so that a restart neither fetches a finished blob again nor skips an unfinished one.
class ContentStore {
 public:
  virtual ~ContentStore() = default;

  // Stores records read from content blobs, marks `blobs` finished and, when given, moves the
  // cursor, in one transaction. The records go through the same steps as a Graph page.
  virtual PageOutcome CommitBlobs(const RecordPage& page, const std::vector<StoredBlob>& blobs,
                                  std::optional<Instant> cursor) = 0;
  // Stores records read from an exported audit log (`auditsync import purview`) in one
  // transaction, through the same steps as CommitPage and CommitBlobs (dedupe on the id, the
  // "update data" step, app and user keys, the launch rollups) but moving no checkpoint: an
  // export says nothing about what either API has delivered, so no window, coverage, cursor or
  // blob changes.
  virtual PageOutcome CommitImported(const RecordPage& page) = 0;
  // nullopt until a listing first completed.
  virtual std::optional<Instant> ContentCursor() = 0;
  // The ids of the finished blobs (stored or expired) created at or after `since`.
  virtual std::unordered_set<std::string> BlobsSince(Instant since) = 0;
  virtual ContentTally CountBlobs() = 0;
  // Content that can no longer be read, kept for `status` (a gap already known is not repeated).
  virtual void RecordContentGap(const ContentGap& gap) = 0;
  virtual std::vector<ContentGap> ContentGaps() = 0;
};

// The usage reports (store/usage.hpp) over launches created in the filter's window.
class UsageStore {
 public:
  virtual ~UsageStore() = default;

  // While it lives, every query sees the database as of one commit, so that the parts of one
  // report (a page's charts and its table) agree while a sync commits. Queries join it.
  class Snapshot {
   public:
    virtual ~Snapshot() = default;
  };
  virtual std::unique_ptr<Snapshot> HoldSnapshot() = 0;

  virtual std::vector<AppUsage> QueryAppUsage(const UsageFilter& filter) = 0;
  virtual std::vector<UsagePoint> QueryUsage(const UsageFilter& filter, UsagePeriod period) = 0;
  virtual std::vector<UserUsage> QueryUserUsage(const UsageFilter& filter) = 0;
  virtual UsageSummary QuerySummary(const UsageFilter& filter) = 0;
  virtual std::vector<UnusedApp> QueryUnusedApps(Instant since, const UsageFilter& filter) = 0;
  // Reports read every launch from the records, ignoring the rollups: the reference the rollups
  // are checked against, and a way to tell whether a wrong figure comes from them.
  virtual void ReadUsageFromRecordsOnly(bool records_only) = 0;
  // Brings the rollups up to every stored record. A backend may fold launches in batches as
  // pages commit; a report never needs this (it reads what is not folded from the records).
  virtual void FoldLaunches() = 0;
};

// Facts from outside the audit log: user profiles (enrich_users) and app inventories.
class DirectoryStore {
 public:
  virtual ~DirectoryStore() = default;

  // The UPNs of users whose profile was never read or was read before `stale_before`, never read
  // ones first, then the least recently read; at most `limit`.
  virtual std::vector<std::string> UsersToEnrich(Instant stale_before, size_t limit) = 0;
  // Stores profiles read at `at`, in one transaction. A user the directory does not know (found
  // false) keeps any profile read before; either way it is not due again until it is stale.
  virtual void SaveUserProfiles(const std::vector<UserProfile>& profiles, Instant at) = 0;
  // Loads an app inventory (`auditsync import apps`) listed at `at`, in one transaction: new apps
  // are added without a first-seen time; known apps get the owner, creation time and inventory
  // time, and a display name or environment only where no record gave one. Importing the same
  // list again changes nothing but the inventory time.
  virtual InventoryOutcome ImportInventory(const std::vector<InventoryApp>& apps, Instant at) = 0;
};

class Store : public WindowStore, public ContentStore, public UsageStore, public DirectoryStore {
 public:
  virtual int64_t CountRecords() = 0;
  virtual int64_t CountQuarantined() = 0;
  virtual int64_t CountCompleteWindows() = 0;
};

// `database` as logs and messages may show it: a PostgreSQL URL without its password (in the
// user info or as a password= parameter); a path as it is.
std::string RedactDatabaseUrl(std::string_view database);

// Opens (creating a SQLite file if needed) and migrates the database of `database`. `password`
// and `schema` (a tenant's, created if needed) are for PostgreSQL only (database_password_file);
// libpq also reads PGPASSWORD and ~/.pgpass.
// Throws StorageError, or ConfigError for a URL that cannot be used; neither message ever
// carries a password.
std::unique_ptr<Store> OpenStore(const std::string& database,
                                 const std::optional<Secret>& password = std::nullopt,
                                 const std::string& schema = "");
// How a process collects into a database, for LockForCollection.
enum class Collection {
  // Alongside others of its kind: Graph syncs (which share the windows through leases) and
  // imports (whose records are deduplicated like any other).
  kShared,
  // Alone: the Management Activity API's sync, whose checkpoint is one content cursor.
  kExclusive,
};

// Held by the process that collects into a database (`sync`, `run`, `import`) for its life.
// SQLite: a lock file next to the database, one process at a time whatever the kind (a file is
// not shared between machines). PostgreSQL: a session advisory lock on a connection of its own,
// shared or exclusive as `kind` says. Either is released when the process dies. Throws
// Error(kLocked) when another process holds it in a way that excludes this one.
class CollectionLock {
 public:
  virtual ~CollectionLock() = default;
  // No other process can collect while this lock is held: leases a crashed process left behind
  // may be taken over at once.
  virtual bool Sole() const = 0;
};
std::unique_ptr<CollectionLock> LockForCollection(const Config& config, Collection kind);

// The store of the configuration's `database` and `database_password_file`.
std::unique_ptr<Store> OpenStore(const Config& config);
// The same for commands that only read (report, status): a SQLite file that does not exist is a
// ConfigError instead of a new empty database.
std::unique_ptr<Store> OpenExistingStore(const Config& config);

}  // namespace auditsync
