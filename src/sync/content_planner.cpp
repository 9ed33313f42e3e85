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

std::string DescribeBackfill(Instant start, Instant end, bool graph_audit_queries) {
  const auto from = FormatIso8601(start - kPublicationLag);
  const auto to = FormatIso8601(end);
  std::string advice = "export the audit log for " + from + ".." + to +
                       " from Microsoft Purview and load it with `auditsync import purview "
                       "FILE.csv`";
  if (graph_audit_queries) {
    advice +=
        ", or run `auditsync sync --from " + from + " --to " + to + "` with use_graph_api = yes";
  }
  return advice +
         ". The backfill starts a day early because Microsoft publishes a record up to a day "
         "after it is created; records read twice are stored once";
}

std::string DescribeContentGap(const ContentGap& gap, bool graph_audit_queries) {
  return "the audit records Microsoft published from " + FormatIso8601(gap.start) + " to " +
         FormatIso8601(gap.end) +
         " can no longer be read: the Office 365 Management Activity API keeps content for 7 "
         "days. They are missing from the database. To backfill them, " +
         DescribeBackfill(gap.start, gap.end, graph_audit_queries);
}

}  // namespace auditsync
