// What both backends share about the rows of sync_windows: SQL fragments (the columns and their
// meaning are the same in either engine; placeholders, whose syntax differs, are the caller's)
// and the error of a write whose lease is gone.
#pragma once

#include <string>
#include <string_view>

#include "store/model.hpp"
#include "store/store.hpp"

namespace auditsync::store {

// The columns each backend's ReadWindow reads, in this order.
inline constexpr std::string_view kWindowColumns =
    "window_id, start_at, end_at, state, query_id, query_name, next_link, record_count, "
    "quarantined_count, attempts, last_error, last_request_id, kind, parent_id, root_id, "
    "planned_at, scanned_at, failures, retry_at, lease_owner, lease_expires";

inline constexpr std::string_view kUnfinishedWindow =
    "state IN ('pending', 'queued', 'paging', 'failed')";

// Work already paid for: a query submitted (or named, about to be), or pages being read.
inline constexpr std::string_view kWindowWithQuery =
    "(coalesce(query_id, '') <> '' OR coalesce(query_name, '') <> '' OR "
    "coalesce(next_link, '') <> '')";

// The order windows are leased in: pages being read and queries submitted first (work already
// paid for), then the freshest windows, first scans before settle scans, so that a spent
// allocation delays old work, never the newest hour.
inline constexpr std::string_view kWindowWorkOrder =
    "CASE WHEN state = 'paging' THEN 0 "
    "WHEN coalesce(query_id, '') <> '' OR coalesce(query_name, '') <> '' THEN 1 "
    "WHEN kind = 'initial' THEN 2 ELSE 3 END, end_at DESC, start_at DESC, window_id";

// Windows whose query holds one of the tenant's places of queries queued or running: submitted
// and not known to have finished (also when its window failed meanwhile: a status read that
// failed, a query given up as stuck), or named and about to be POSTed.
inline constexpr std::string_view kWindowQueryInFlight =
    "(state = 'queued' OR (state = 'pending' AND coalesce(query_name, '') <> '') OR "
    "(state = 'failed' AND coalesce(query_id, '') <> '' AND coalesce(next_link, '') = ''))";

// A failed window waits for its retry_at before a new query only: one whose query is submitted,
// or whose pages are being read, goes on at once.
inline constexpr std::string_view kWindowWithoutWork =
    "coalesce(query_id, '') = '' AND coalesce(next_link, '') = ''";

// The windows a LeaseRequest may take, with its values as parameters 1 to 4 written `marker`N
// ('$' for PostgreSQL, '?' for SQLite): 1 owner, 2 now, 3 new_queries and 4 ready_pages (booleans).
// Unfinished, past any backoff unless work is under way, not leased by another process for longer,
// and of the kinds of work asked for.
inline std::string LeasableWindow(char marker) {
  const auto parameter = [marker](int number) { return marker + std::to_string(number); };
  return std::string(kUnfinishedWindow) + " AND (retry_at IS NULL OR retry_at <= " + parameter(2) +
         " OR NOT (" + std::string(kWindowWithoutWork) + ")) AND (lease_owner IS NULL OR (" +
         "lease_owner <> " + parameter(1) + " AND lease_expires <= " + parameter(2) + ")) AND (" +
         parameter(3) + " OR " + std::string(kWindowWithQuery) + ") AND (" + parameter(4) +
         " OR coalesce(next_link, '') = '')";
}

// The error of a write to `window` refused because another process now holds its lease.
inline LeaseLost LostLease(const SyncWindow& window) {
  return LeaseLost("window " + FormatIso8601(window.start) + ".." + FormatIso8601(window.end) +
                   " (#" + std::to_string(window.id) +
                   ") was taken over by another collecting process after this one's lease (" +
                   (window.lease_owner.empty() ? std::string("none") : window.lease_owner) +
                   ") expired; that process carries on with it");
}

}  // namespace auditsync::store
