// Decides which time windows to query: the first scan of closed windows, and the settle scans
// that catch records published late. Pure functions of their inputs (no clock, no store), so the
// plans are tested directly.
#pragma once

#include <chrono>
#include <utility>
#include <vector>

#include "core/time.hpp"
#include "store/model.hpp"

namespace auditsync {

using TimeRange = std::pair<Instant, Instant>;  // [first, second)

// Cuts a time range into query windows whose boundaries are multiples of the window width since
// the Unix epoch (midnight UTC for one day), so that later syncs and re-scans meet the same
// windows again instead of overlapping ones.
std::vector<TimeRange> PlanWindows(Instant from, Instant to, std::chrono::seconds width);

// The first scans of [from, to): whole UTC days as one window each when `width` is shorter than
// a day (a backfill costs a query per day, not one per hour, of the tenant's query allocation),
// and the rest in aligned windows of `width`.
std::vector<TimeRange> PlanInitialWindows(Instant from, Instant to, std::chrono::seconds width);

// The settle scans due at `now`, at most one per UTC day, over the span of the day's hours
// (`hours`, ascending) whose newest scan was planned less than an offset of `settle_after`
// (ascending) after the hour ended, where that offset has passed: since the day ended for offsets
// of a day or more (one query per day instead of 24; an hour waits at most a day longer), since
// the hour ended for shorter ones.
std::vector<TimeRange> PlanSettleScans(const std::vector<CoveredHour>& hours,
                                       const std::vector<std::chrono::seconds>& settle_after,
                                       Instant now);

// Halves a window whose query hit the record cap, at a whole hour when the window is longer than
// one (so that every hour is inside one half). Returns nothing when it cannot be halved any
// further (one second wide).
std::vector<TimeRange> SplitWindow(Instant start, Instant end);

}  // namespace auditsync
