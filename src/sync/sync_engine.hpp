// Collects every window of a time range: plans windows, submits their queries ahead so that the
// service runs them in parallel, waits for each, pages its records into the store, and splits
// windows whose query hit the record cap. Progress lives in the store (sync_windows), so an
// interrupted sync resumes where it stopped.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include "source/graph/graph_audit_client.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace auditsync {

struct SyncOptions {
  std::chrono::seconds window{std::chrono::hours(1)};
  std::chrono::seconds initial_lookback{std::chrono::days(7)};
  // After a window's end, when it is scanned again for records published late.
  std::vector<std::chrono::seconds> settle_after{std::chrono::days(1), std::chrono::days(2),
                                                 std::chrono::days(7)};
  int query_budget = 200;  // submissions per rolling 24 hours
  int max_queries_in_flight = 4;
  std::chrono::milliseconds poll_interval{60000};  // the longest wait between status checks
  std::chrono::seconds query_timeout{std::chrono::hours(6)};
};

struct SyncRequest {
  std::optional<Instant> from;  // default: the store's frontier, or now - initial_lookback
  std::optional<Instant> to;    // default: the end of the last closed window
  // Collect windows of the range again even when complete (records published late are caught;
  // stored ones are deduplicated).
  bool rescan = false;
};

struct SyncSummary {
  int windows_complete = 0;
  int windows_failed = 0;
  int windows_truncated = 0;  // more records in one second than a query may return
  int windows_deferred = 0;   // left for a later run: the query allocation is spent
  int settle_scans = 0;       // settle scans planned by this run
  int64_t submissions = 0;    // queries submitted by this run
  int64_t inserted = 0;
  int64_t duplicates = 0;
  int64_t quarantined = 0;
  Instant from{};
  Instant to{};
};

// How far a run has come, reported after every page and every window.
struct SyncProgress {
  int windows_done = 0;   // complete, failed or deferred
  int windows_total = 0;  // grows when a window is split in two
  int64_t records = 0;    // read from Graph (new and already stored)
  std::chrono::steady_clock::duration elapsed{};
};

struct SyncClock {
  std::function<Instant()> now = NowUtc;
  std::function<void(std::chrono::milliseconds)> sleep;  // default: std::this_thread::sleep_for
  std::function<std::chrono::steady_clock::time_point()> steady = std::chrono::steady_clock::now;
  // Polled between pages and windows: true ends the run with Interrupted, all progress saved.
  std::function<bool()> stop_requested = [] { return false; };
};

class SyncEngine {
 public:
  SyncEngine(SqliteStore& store, GraphAuditClient& graph, SyncOptions options,
             SyncClock clock = {});

  // Throws AuthError or SignInUnavailable at once (nothing can succeed without a token),
  // ConfigError for an impossible range, StorageError, and Interrupted on a stop request; a window
  // that fails otherwise is recorded and counted, and the others go on.
  SyncSummary Run(const SyncRequest& request);

  void OnProgress(std::function<void(const SyncProgress&)> listener) {
    on_progress_ = std::move(listener);
  }

 private:
  // Plans the windows of the request and the settle scans now due; returns the range.
  std::pair<Instant, Instant> Plan(const SyncRequest& request, SyncSummary& summary);
  // Submissions left in the tenant's rolling 24-hour allocation.
  int64_t BudgetLeft();
  void Submit(SyncWindow& window);
  // Waits for the window's query; returns its final status, or nullopt when it timed out.
  std::optional<QueryStatus> Await(SyncWindow& window);
  // Collects one window. Returns the windows that replace it when it had to be split.
  std::vector<SyncWindow> Collect(SyncWindow& window, SyncSummary& summary);
  void Fail(SyncWindow& window, const std::string& error, const std::string& request_id);

  SqliteStore& store_;
  GraphAuditClient& graph_;
  SyncOptions options_;
  SyncClock clock_;
  std::function<void(const SyncProgress&)> on_progress_;
  SyncProgress progress_;
  std::chrono::steady_clock::time_point started_{};
  void ReportProgress(const SyncSummary& summary);
};

}  // namespace auditsync
