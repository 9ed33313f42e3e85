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

// The settle scans due at `now`, one per UTC day: a day is scanned again once an offset in
// `settle_after` (ascending) has passed since the day ended, over the span of its hours
// (`hours`, ascending) whose newest scan was planned less than that offset after the hour ended.
// One query per day instead of one per hour; an hour waits at most a day longer for it.
std::vector<TimeRange> PlanSettleScans(const std::vector<CoveredHour>& hours,
                                       const std::vector<std::chrono::seconds>& settle_after,
                                       Instant now);

// Halves a window whose query hit the record cap, at a whole hour when the window is longer than
// one (so that every hour is inside one half). Returns nothing when it cannot be halved any
// further (one second wide).
std::vector<TimeRange> SplitWindow(Instant start, Instant end);

}  // namespace auditsync
