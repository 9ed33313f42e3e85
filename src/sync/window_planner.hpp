// Cuts a time range into query windows whose boundaries are multiples of the window width since
// the Unix epoch (midnight UTC for one day), so that later syncs and re-scans meet the same
// windows again instead of overlapping ones.
#pragma once

#include <chrono>
#include <utility>
#include <vector>

#include "core/time.hpp"

namespace auditsync {

using TimeRange = std::pair<Instant, Instant>;  // [first, second)

std::vector<TimeRange> PlanWindows(Instant from, Instant to, std::chrono::seconds width);

// Halves a window whose query hit the record cap. Returns nothing when it cannot be halved any
// further (one second wide).
std::vector<TimeRange> SplitWindow(Instant start, Instant end);

}  // namespace auditsync
