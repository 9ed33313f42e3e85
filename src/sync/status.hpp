// Where collection stands, for `auditsync status`: coverage, freshness, what waits for a re-scan,
// the backlog and when the query allocation lets it finish, and the windows that fail.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/store.hpp"
#include "sync/sync_engine.hpp"

namespace auditsync {

struct ContentStatus {
  std::optional<Instant> cursor;  // content created before it is stored; nullopt: nothing yet
  Instant readable_from{};        // the oldest content the API still lists
  ContentTally blobs;             // the blobs the store remembers (the last 8 days)
  std::vector<ContentGap> gaps;   // content syncs found they could no longer read
  // The cursor is older than the API reaches: the next sync cannot read this either.
  std::optional<ContentGap> unreadable;
  // Whether the tenant's cloud has Graph's audit log query API (the gap advice names it).
  bool graph_audit_queries = true;
};

// A collecting process that holds windows (several processes share a PostgreSQL database).
struct WorkerLeases {
  std::string worker;   // host/pid/random, as its log names it
  int64_t windows = 0;  // unfinished windows it holds
  Instant until{};      // when its leases expire unless renewed
};

struct SyncStatus {
  Instant now{};
  // Hours whose records are stored: the first, the end of the newest, how many, and how many
  // between the two are missing.
  std::optional<Instant> covered_from;
  std::optional<Instant> covered_until;
  int64_t covered_hours = 0;
  int64_t missing_hours = 0;
  // Covered hours still expecting a settle scan, and the settle scans due now.
  int64_t hours_awaiting_rescan = 0;
  int64_t settle_scans_due = 0;
  // Windows by state (the halves of split windows counted, the split ones not).
  int64_t windows_complete = 0;
  int64_t windows_pending = 0;  // planned, no query yet
  int64_t windows_running = 0;  // query submitted or pages being read
  int64_t windows_failing = 0;
  // Queries still to submit (pending and failing windows, settle scans due), and when the
  // allocation allows the last of them, from the times of the submissions it still counts:
  // nullopt when it allows them all now.
  int64_t backlog_queries = 0;
  std::optional<Instant> backlog_done_by;
  int64_t queries_last_24h = 0;
  int query_budget = 0;
  int64_t records = 0;
  int64_t quarantined = 0;
  std::vector<SyncWindow> failing;  // oldest first; retry_at: when its next attempt is due
  // The processes holding unfinished windows, by name; an expired one's windows are taken over
  // by the next process that looks for work.
  std::vector<WorkerLeases> workers;
  // The Management Activity API path (use_graph_api = no), instead of the query windows above.
  std::optional<ContentStatus> content;
};

SyncStatus ReadSyncStatus(Store& store, const SyncOptions& options, Instant now);

// Where the Management Activity API path stands; `graph_audit_queries` as in ContentStatus.
ContentStatus ReadContentStatus(Store& store, Instant now, bool graph_audit_queries);

}  // namespace auditsync
