// What the store keeps and answers, as plain values shared by sync and report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/time.hpp"

namespace auditsync {

// The life of one time window of collection (one audit log query).
enum class WindowState {
  kPending,   // planned, no query yet
  kQueued,    // query created, not yet finished server-side
  kPaging,    // query succeeded, records being read; next_link says where
  kComplete,  // every record stored
  kFailed,    // gave up for this run; retried by the next sync
  kSplit,     // over the record cap: replaced by two half windows
};

std::string_view WindowStateName(WindowState state);
std::optional<WindowState> ParseWindowState(std::string_view name);

// Why a window is scanned.
enum class ScanKind {
  kInitial,  // its first collection
  kSettle,   // again, after the records published late have had time to arrive
};

std::string_view ScanKindName(ScanKind kind);
std::optional<ScanKind> ParseScanKind(std::string_view name);

struct SyncWindow {
  int64_t id = 0;
  ScanKind kind = ScanKind::kInitial;
  int64_t parent_id = 0;  // the window this one is a half of (split); 0 for a planned window
  int64_t root_id = 0;    // the planned window this one belongs to (its own id when planned)
  Instant start{};
  Instant end{};
  // When this scan was planned. Its queries are made later, so they hold every record that was
  // published by then: the hour it covers is complete "as of" this time.
  Instant planned_at{};
  std::optional<Instant> scanned_at;  // planned_at of its last complete scan
  WindowState state = WindowState::kPending;
  std::string query_id;
  std::string query_name;  // displayName given to the query: finds it again after a lost reply
  std::string next_link;   // where paging resumes; empty before the first page
  int64_t record_count = 0;
  int64_t quarantined_count = 0;
  int attempts = 0;
  std::string last_error;
  std::string last_request_id;
  // Failures in a row since it last completed, and the time before which it gets no new query
  // (a window that keeps failing backs off: sync/sync_engine.hpp, FailureBackoff).
  int failures = 0;
  std::optional<Instant> retry_at;
  // The collecting process that holds its lease, as the store last said (WindowStore leases);
  // empty when none. Its writes are accepted only while the store still names that process.
  std::string lease_owner;
  std::optional<Instant> lease_expires;  // as the store last said
};

// Makes `window` a new scan planned at `planned_at`: pending, no query, no link, a clean record
// of failures. `attempts` keeps counting: query names carry it, and a new scan must never be
// mistaken for an earlier one's query. (What RestartWindow saves.)
void BeginNewScan(SyncWindow& window, Instant planned_at);

// An hour whose records are all stored, as far as they had been published by `scanned_at`.
struct CoveredHour {
  Instant start{};
  Instant scanned_at{};
};

// Which windows a collecting process asks to lease (WindowStore::LeaseWindows).
struct LeaseRequest {
  std::string owner;
  size_t limit = 0;
  // Windows that still need a query (false: the allocation is spent, only work already paid for).
  bool new_queries = true;
  // Windows whose query has finished, ready to be paged (false: the process has one to page
  // already, and leaves the others to processes that are idle).
  bool ready_pages = true;
  Instant now{};
  Instant until{};  // when the leases expire unless renewed
};

// What a query submission must stay under, tenant-wide: the queries submitted in a rolling 24
// hours, and those submitted and not yet finished, whichever process collecting into the database
// submitted them.
struct SubmissionLimits {
  int64_t per_day = 0;
  int64_t in_flight = 0;
};

enum class SubmissionGrant {
  kGranted,
  kAllocationSpent,  // per_day reached: later syncs submit it
  kTooManyInFlight,  // in_flight reached: a place comes free when a query finishes
};

// What one committed page changed.
struct PageOutcome {
  int64_t inserted = 0;     // records new to the database
  int64_t duplicates = 0;   // records already stored (same id)
  int64_t quarantined = 0;  // records that could not be read
};

// A content blob of the Office 365 Management Activity API (use_graph_api = no) whose records are
// all stored, or that expired (AF20051) before it could be read: never fetched again.
struct StoredBlob {
  std::string content_id;
  Instant content_created{};
  int64_t records = 0;  // records of the blob read, of every operation
  bool expired = false;
};

// Content that could no longer be read from the Management Activity API (it keeps 7 days): the
// records published in [start, end) are missing unless backfilled another way.
struct ContentGap {
  Instant start{};
  Instant end{};
  Instant found_at{};
};

// The content blobs the store remembers (the last 8 days of them).
struct ContentTally {
  int64_t stored = 0;
  int64_t expired = 0;
  int64_t records_read = 0;       // records in the stored blobs, of every operation
  std::optional<Instant> newest;  // content_created of the newest blob
};

// What an imported app inventory changed.
struct InventoryOutcome {
  int64_t added = 0;    // apps the database did not know
  int64_t updated = 0;  // apps it knew: owner, creation time and when an inventory listed them
};

}  // namespace auditsync
