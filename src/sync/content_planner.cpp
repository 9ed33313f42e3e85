#include "sync/content_planner.hpp"

#include <algorithm>

namespace auditsync {

ContentPlan PlanContent(const ContentPlanInput& input) {
  ContentPlan plan;
  plan.readable_from = input.now - kContentRetention + kRetentionMargin;
  // Where the caller wants content from, and where listing starts.
  Instant wanted = input.now - input.initial_lookback;
  Instant start = wanted;
  if (input.from) {
    wanted = start = *input.from;
  } else if (input.cursor) {
    wanted = *input.cursor;
    start = *input.cursor - kRelistOverlap;
  } else if (input.initial_lookback <= kContentRetention) {
    // The default first sync reaches exactly as far back as the API allows: nothing is missed.
    wanted = std::max(wanted, plan.readable_from);
  }
  if (wanted < plan.readable_from) {
    plan.gap = ContentGap{wanted, plan.readable_from, input.now};
  }
  start = std::max(start, plan.readable_from);
  const Instant end = input.to ? std::min(*input.to, input.now) : input.now;
  for (Instant at = start; at < end; at += kLongestListing) {
    plan.listings.emplace_back(at, std::min(at + kLongestListing, end));
  }
  if (input.cursor && !input.from) {
    plan.frontier = std::max(*input.cursor, plan.readable_from);
  } else if (input.cursor) {
    plan.frontier = *input.cursor;
  } else if (!plan.listings.empty()) {
    plan.frontier = plan.listings.front().first;
  }
  return plan;
}

}  // namespace auditsync

namespace auditsync {

std::string DescribeContentGap(const ContentGap& gap) {
  return "the audit records Microsoft published from " + FormatIso8601(gap.start) + " to " +
         FormatIso8601(gap.end) +
         " can no longer be read: the Office 365 Management Activity API keeps content for 7 "
         "days. They are missing from the database. Backfill that period from a Microsoft "
         "Purview audit log export, or through the Graph path (use_graph_api = yes, then "
         "`auditsync sync --from " +
         FormatIso8601(gap.start) + " --to " + FormatIso8601(gap.end) +
         "`), which reaches back as far as the tenant's audit retention";
}

}  // namespace auditsync
