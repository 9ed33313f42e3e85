// Collects every window of a time range: plans windows, keeps up to max_queries_in_flight queries
// submitted so that the service runs them in parallel, polls them all in turn, pages the records
// of whichever finishes first into the store, and splits windows whose query hit the record cap.
// Progress lives in the store (sync_windows), so an interrupted sync resumes where it stopped.
// It works on the windows it leases from the store, a few at a time, so that several processes
// collecting into one database share them, the query allocation and the places of queries in
// flight; a process that dies leaves its windows to the others once its leases expire.
#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "source/graph/graph_audit_client.hpp"
#include "store/store.hpp"

namespace auditsync {

struct SyncOptions {
  std::chrono::seconds window{std::chrono::hours(1)};
  std::chrono::seconds initial_lookback{std::chrono::days(7)};
  // After a window's end, when it is scanned again for records published late.
  std::vector<std::chrono::seconds> settle_after{std::chrono::days(1), std::chrono::days(2),
                                                 std::chrono::days(7)};
  int query_budget = 200;         // submissions per rolling 24 hours
  int max_queries_in_flight = 4;  // of this process
  // The tenant's limit of queries queued or running at once, counted over every process that
  // collects into the database.
  int max_unfinished_queries = 50;
  std::chrono::milliseconds poll_interval{60000};  // the longest wait between status checks
  std::chrono::seconds query_timeout{std::chrono::hours(6)};
  // Several processes may collect into one database (PostgreSQL), sharing the windows through
  // leases (store/store.hpp). A window stays with a process this long after it last renewed its
  // leases (every third of it while it lives), then another may take it over.
  std::chrono::seconds lease_duration{std::chrono::minutes(5)};
  // No other process collects into the database (this one holds its lock alone): leases a
  // crashed run left are taken over at once instead of after they expire.
  bool sole_collector = true;
  // Names this process in leases and logs; a random name when empty.
  std::string worker_id;
  // Whether the process a lease names is known to be gone (a process of this machine that no
  // longer runs): its windows are taken over at once instead of after their leases expire.
  std::function<bool(const std::string& worker_id)> worker_gone;
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
  int windows_failed = 0;     // failed in this run, or still waiting for their next attempt
  int windows_waiting = 0;    // of those, failing windows whose next attempt is not due yet
  int windows_truncated = 0;  // more records in one second than a query may return (failed)
  int windows_deferred = 0;   // left for a later run: the query allocation is spent
  int windows_lost = 0;       // taken over by another process after this one's lease expired
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
  // What is counted as done and total: query windows, or the Management Activity API's content
  // blobs (whose records are then every record of the blob, of every operation).
  std::string_view unit = "windows";
};

struct SyncClock {
  std::function<Instant()> now = NowUtc;
  std::function<void(std::chrono::milliseconds)> sleep;  // default: std::this_thread::sleep_for
  std::function<std::chrono::steady_clock::time_point()> steady = std::chrono::steady_clock::now;
  // Polled between pages and windows: true ends the run with Interrupted, all progress saved.
  std::function<bool()> stop_requested = [] { return false; };
};

// How long a window that has failed `failures` times in a row waits before its next query
// submission: nothing after its first two failures (most faults are transient, and the next sync
// retries at once), then 1 hour, doubling up to a day. A window whose query always fails
// (2 submissions per attempt) spends at most 14 of the tenant's daily allocation on its
// first day and 2 a day after that.
std::chrono::seconds FailureBackoff(int failures);

class SyncEngine {
 public:
  SyncEngine(WindowStore& store, GraphAuditClient& graph, SyncOptions options,
             SyncClock clock = {});

  // Throws AuthError or SignInUnavailable at once (nothing can succeed without a token),
  // ConfigError for an impossible range, StorageError, and Interrupted on a stop request; a window
  // that fails otherwise is recorded and counted, and the others go on. At no moment are more
  // than max_queries_in_flight queries submitted and not yet finished (as last polled), and no
  // query is submitted past the allocation.
  SyncSummary Run(const SyncRequest& request);

  void OnProgress(std::function<void(const SyncProgress&)> listener) {
    on_progress_ = std::move(listener);
  }

 private:
  struct Task;  // one window's work in this run
  using Tasks = std::list<Task>;
  // Where a step leaves a window's work in this run.
  enum class Outcome {
    kGoesOn,
    kComplete,
    kFailed,
    kDeferred,  // the allocation is spent
    kSplit,
    kNoPlace,  // the tenant's unfinished queries are as many as allowed: not now
    kLost,     // another process took it over
  };

  // Plans the windows of the request and the settle scans now due; returns the range.
  std::pair<Instant, Instant> Plan(const SyncRequest& request, SyncSummary& summary);
  // Frees the leases that processes known to be gone (worker_gone) hold on `unfinished`.
  void ReleaseGoneWorkers(const std::vector<SyncWindow>& unfinished);
  // Counts (and names in the log) the windows of `unfinished` waiting for their next attempt
  // after failing; returns how many others there are.
  int CountWaiting(const std::vector<SyncWindow>& unfinished, SyncSummary& summary);
  // Leases windows while this run has fewer than it can work on at once.
  void LeaseMore(Tasks& tasks);
  // Renews this run's leases when a third of their duration has passed.
  void KeepLeases();
  std::chrono::milliseconds RenewalInterval() const;
  // With nothing to poll or page: waits for a place in flight, or for windows other processes
  // hold (one may die), and returns true; false when there is nothing left to wait for.
  bool WaitForWork(const Tasks& tasks);
  // Submits queries for the windows that need one, in order, while fewer than
  // max_queries_in_flight of this process and max_unfinished_queries of the tenant are
  // unfinished; defers them when the allocation is spent.
  void SubmitAhead(Tasks& tasks, SyncSummary& summary);
  Outcome SubmitQuery(Task& task);
  // Submits the window's query (or finds the one a crashed run submitted), unless the store
  // refuses the submission.
  SubmissionGrant Submit(SyncWindow& window);
  // Gives back the windows whose query is not submitted, for whichever process has a place first.
  void GiveBackUnstarted(Tasks& tasks);
  // Polls every query in flight whose status check is due. Of the windows whose query has
  // finished, this process keeps one to page and gives the others back, for idle processes.
  void PollDue(Tasks& tasks, SyncSummary& summary);
  // Reads the status of the task's query once: a finished query is split, paged next or
  // submitted again; an unfinished one is polled again later (with backoff) until query_timeout.
  Outcome Poll(Task& task, SyncSummary& summary);
  Outcome GiveUpWaiting(SyncWindow& window);
  // Pages the window's records into the store until the last page or a stop request.
  Outcome Page(SyncWindow& window, SyncSummary& summary);
  // Runs one step of a task; errors of the service or the network fail only its window.
  template <typename Step>
  Outcome Guarded(SyncWindow& window, Step step);
  // Counts a task that is done for this run and removes it (splits replace it with their
  // halves); returns the task after it.
  Tasks::iterator Conclude(Tasks& tasks, Tasks::iterator task, Outcome outcome,
                           SyncSummary& summary);
  // Records a failure on the window (and when it may be retried) without saving it.
  void MarkFailed(SyncWindow& window, const std::string& error, const std::string& request_id);
  Outcome Fail(SyncWindow& window, const std::string& error, const std::string& request_id);
  void ReportProgress(const SyncSummary& summary);

  WindowStore& store_;
  GraphAuditClient& graph_;
  SyncOptions options_;
  SyncClock clock_;
  std::function<void(const SyncProgress&)> on_progress_;
  SyncProgress progress_;
  std::chrono::steady_clock::time_point started_{};
  bool allocation_spent_ = false;  // no more submissions this run (the store or Graph said so)
  std::string owner_;              // this process in the store's leases
  std::chrono::steady_clock::time_point leases_renewed_{};
  Instant awaited_lease_{};                    // the foreign lease expiry last logged as waited for
  std::unordered_set<int64_t> failed_in_run_;  // windows this run counted as failed
};

}  // namespace auditsync
