// Plans a sync of the Office 365 Management Activity API (use_graph_api = no): which content
// listings to make, and what can no longer be read. Listings select blobs by contentCreated (when
// Microsoft made a blob available), in windows of at most 24 hours starting no more than 7 days
// back (AF20055 otherwise; microsoft-apis.md §5.4). Pure functions of their inputs.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "store/model.hpp"
#include "sync/window_planner.hpp"

namespace auditsync {

// The API keeps content this long, and a listing may start no further back.
inline constexpr std::chrono::seconds kContentRetention = std::chrono::days(7);
// Listings start this much later than the 7-day limit, so that the limit has not moved past the
// start by the time the request arrives (and a server clock a little ahead is tolerated).
inline constexpr std::chrono::seconds kRetentionMargin = std::chrono::minutes(1);
// The longest listing window the API accepts.
inline constexpr std::chrono::seconds kLongestListing = std::chrono::hours(24);
// Each sync lists this much before the cursor again: a blob that showed up in a listing a little
// after its contentCreated is still found (the blobs already stored are skipped by their id).
inline constexpr std::chrono::seconds kRelistOverlap = std::chrono::hours(1);

struct ContentPlanInput {
  Instant now{};
  std::optional<Instant> cursor;  // the store's content cursor
  std::optional<Instant> from;    // sync --from
  std::optional<Instant> to;      // sync --to
  std::chrono::seconds initial_lookback{std::chrono::days(7)};
};

struct ContentPlan {
  // The earliest contentCreated a listing may ask for now.
  Instant readable_from{};
  // The listings, in order, each at most kLongestListing long.
  std::vector<TimeRange> listings;
  // Content asked for (from the cursor, --from, or the initial lookback) that is older than
  // readable_from: it can no longer be read from this API.
  std::optional<ContentGap> gap;
  // Where the cursor stands before the first listing for this plan's purposes: the cursor, or
  // readable_from when the cursor fell into the gap, or the first listing's start when there is
  // no cursor yet. Listings that start at or before it move it.
  std::optional<Instant> frontier;
};

ContentPlan PlanContent(const ContentPlanInput& input);

}  // namespace auditsync

namespace auditsync {

// Microsoft publishes a record up to this long after it was created (1 to 24 hours; §5.7), so a
// gap in publication time [start, end) holds records created from this much before start. A
// backfill reaches back that far: what it reads twice is deduplicated on the record id.
inline constexpr std::chrono::seconds kPublicationLag = std::chrono::days(1);

// How to fill content published in [start, end) that this API can no longer read: a Purview
// export loaded with `auditsync import purview` and, where Graph serves the audit log query API
// (`graph_audit_queries`: commercial and GCC, not GCC High or DoD), a sync through Graph, both
// from kPublicationLag before `start` (selected by record creation time). A clause.
std::string DescribeBackfill(Instant start, Instant end, bool graph_audit_queries);

// What a gap means and how to fill it, for `sync` and `status`.
std::string DescribeContentGap(const ContentGap& gap, bool graph_audit_queries);

}  // namespace auditsync
