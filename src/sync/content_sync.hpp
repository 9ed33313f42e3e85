// Collects through the Office 365 Management Activity API (use_graph_api = no): lists the
// Audit.General content blobs created since the checkpoint, downloads those not stored yet with
// `concurrency` threads, and stores their Power Apps records as they are read. The main thread is
// the only one that writes to the store; downloads hand it records in batches through a bounded
// queue, so memory holds at most a few batches whatever the blobs' size.
//
// Checkpoint (store: CommitBlobs): a blob is marked stored in the transaction of its last records;
// the content cursor moves past a listing window once each of its blobs is stored (or expired).
// A sync killed at any moment therefore resumes without fetching a finished blob again and
// without skipping an unfinished one; records stored twice meanwhile are deduplicated on their id.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "source/management/management_client.hpp"
#include "source/service_http.hpp"
#include "store/store.hpp"
#include "sync/sync_engine.hpp"
#include "sync/window_planner.hpp"

namespace auditsync {

struct ContentSyncOptions {
  std::chrono::seconds initial_lookback{std::chrono::days(7)};
  int concurrency = 8;  // blobs downloaded at once
  // Records a download hands to the store at once, and records a commit waits for (unless the
  // downloads are done or a commit is due for finished blobs). They bound the memory whatever
  // the blobs' size, at about 2.5 KB a record: a batch per download being read, 2 * concurrency
  // batches in the queue, commit_records in the store's hands. Measured peak RSS, a day of 2M
  // records: 78 MB in blobs of 1,000 records and 82 MB in blobs of 40,000 (with batches of 2,000
  // and commits of 20,000: 87 and 148 MB).
  size_t batch_records = 64;
  size_t commit_records = 4096;
  // Whether the tenant's cloud has Graph's audit log query API: the gap advice names it or not.
  bool graph_audit_queries = true;
};

struct ContentSyncSummary {
  Instant from{};  // the content listed: created in [from, to)
  Instant to{};
  int listings = 0;         // listing windows done
  int listings_failed = 0;  // windows whose listing failed (retried by the next sync)
  int64_t blobs_listed = 0;
  int64_t blobs_skipped = 0;  // already stored by an earlier sync
  int64_t blobs_stored = 0;
  int64_t blobs_failed = 0;   // retried by the next sync
  int64_t blobs_expired = 0;  // too old to read (AF20051): their records are lost
  // The contentCreated of the first and the last blob that expired (the end one second later).
  std::optional<TimeRange> expired_range;
  // Listed and not skipped, yet neither stored, failed nor expired: a download that ended without
  // an outcome. Never expected; counted so that such a sync cannot look complete.
  int64_t blobs_unfinished = 0;
  int64_t records_read = 0;  // records in the blobs stored, of every operation
  int64_t inserted = 0;
  int64_t duplicates = 0;
  int64_t quarantined = 0;
  bool subscription_started = false;  // there was none (AF20022): this sync started it
  std::optional<ContentGap> gap;      // content that could no longer be read
  std::optional<Instant> cursor;      // the content cursor at the end
};

class ContentSyncEngine {
 public:
  // A client for a downloading thread: its own connections. `hooks.cancelled` abandons its
  // transfers; `hooks.sleep` is for every wait of the client (retries, Retry-After, pacing), and
  // throws Interrupted as soon as the downloads are cancelled (a failure that ends the run, or a
  // stop request), so that no thread keeps the run waiting.
  using ClientFactory = std::function<std::unique_ptr<ManagementClient>(ConnectionHooks hooks)>;

  ContentSyncEngine(ContentStore& store, ManagementClient& control, ClientFactory blob_clients,
                    std::vector<std::string> operations, ContentSyncOptions options,
                    SyncClock clock = {});

  // Throws AuthError and SignInUnavailable at once, ServiceError for failures that every blob
  // would meet (the tenant misconfigured: exit 3; a bug: exit 1), StorageError, and Interrupted
  // on a stop request (what was committed is kept). A listing or a blob that fails otherwise is
  // counted, and the cursor stays before it for the next sync.
  ContentSyncSummary Run(const SyncRequest& request);

  // Progress in blobs (windows_done/windows_total count blobs).
  void OnProgress(std::function<void(const SyncProgress&)> listener) {
    on_progress_ = std::move(listener);
  }

 private:
  struct Downloads;
  // Every blob of one listing window, or nullopt when the listing failed (logged and counted).
  std::optional<std::vector<ContentBlob>> ListWindow(Instant start, Instant end,
                                                     ContentSyncSummary& summary);
  // Downloads and stores the blobs; returns how many are neither stored nor expired.
  int64_t FetchAll(const std::vector<ContentBlob>& blobs, ContentSyncSummary& summary);
  void ReportProgress();

  ContentStore& store_;
  ManagementClient& control_;
  ClientFactory blob_clients_;
  std::vector<std::string> operations_;
  ContentSyncOptions options_;
  SyncClock clock_;
  std::function<void(const SyncProgress&)> on_progress_;
  SyncProgress progress_;
  std::chrono::steady_clock::time_point started_{};
};

}  // namespace auditsync
