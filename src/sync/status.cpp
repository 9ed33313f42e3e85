#include "sync/status.hpp"

#include <map>

#include <algorithm>

#include "sync/content_planner.hpp"
#include "sync/window_planner.hpp"

namespace auditsync {
namespace {
constexpr std::chrono::seconds kHour = std::chrono::hours(1);
constexpr std::chrono::hours kAllocationPeriod{24};

// When the allocation lets the last of `backlog` queries go out, submitted as soon as it allows:
// a submission holds its place for 24 hours, so each query goes out when the submission `budget`
// places before it ages out (`submitted`: the times of the last 24 hours, oldest first).
std::optional<Instant> BacklogDoneBy(std::vector<Instant> submitted, int64_t backlog, int budget,
                                     Instant now) {
  if (budget <= 0) return std::nullopt;
  const auto places = static_cast<size_t>(budget);
  Instant last = now;
  for (int64_t query = 0; query < backlog; ++query) {
    last = submitted.size() < places
               ? now
               : std::max(now, submitted[submitted.size() - places] + kAllocationPeriod);
    submitted.push_back(last);
  }
  return last > now ? std::optional(last) : std::nullopt;
}

}  // namespace

SyncStatus ReadSyncStatus(Store& store, const SyncOptions& options, Instant now) {
  SyncStatus status;
  status.now = now;
  status.query_budget = options.query_budget;

  const auto hours = store.Coverage(Instant::min(), Instant::max());
  status.covered_hours = static_cast<int64_t>(hours.size());
  if (!hours.empty()) {
    status.covered_from = hours.front().start;
    status.covered_until = hours.back().start + kHour;
    status.missing_hours =
        (*status.covered_until - *status.covered_from) / kHour - status.covered_hours;
  }
  if (!options.settle_after.empty()) {
    const auto unsettled = store.UnsettledHours(options.settle_after.back());
    status.hours_awaiting_rescan = static_cast<int64_t>(unsettled.size());
    status.settle_scans_due =
        static_cast<int64_t>(PlanSettleScans(unsettled, options.settle_after, now).size());
  }

  status.windows_complete = store.CountCompleteWindows();
  std::map<std::string, WorkerLeases> workers;
  for (auto& window : store.UnfinishedWindows()) {
    if (!window.lease_owner.empty() && window.lease_expires) {
      auto& worker = workers[window.lease_owner];
      worker.worker = window.lease_owner;
      ++worker.windows;
      worker.until = std::max(worker.until, *window.lease_expires);
    }
    switch (window.state) {
      case WindowState::kFailed:
        ++status.windows_failing;
        status.failing.push_back(std::move(window));
        break;
      case WindowState::kPending:
        ++status.windows_pending;
        break;
      default:
        ++status.windows_running;
    }
  }

  for (auto& [name, worker] : workers) status.workers.push_back(std::move(worker));
  auto submitted = store.SubmissionTimesSince(now - kAllocationPeriod);
  status.queries_last_24h = static_cast<int64_t>(submitted.size());
  status.backlog_queries =
      status.windows_pending + status.windows_failing + status.settle_scans_due;
  status.backlog_done_by =
      BacklogDoneBy(std::move(submitted), status.backlog_queries, options.query_budget, now);
  status.records = store.CountRecords();
  status.quarantined = store.CountQuarantined();
  return status;
}

ContentStatus ReadContentStatus(Store& store, Instant now, bool graph_audit_queries) {
  ContentStatus status;
  status.graph_audit_queries = graph_audit_queries;
  status.cursor = store.ContentCursor();
  const auto plan =
      PlanContent({now, status.cursor, std::nullopt, std::nullopt, kContentRetention});
  status.readable_from = plan.readable_from;
  if (status.cursor) status.unreadable = plan.gap;
  status.blobs = store.CountBlobs();
  status.gaps = store.ContentGaps();
  return status;
}

}  // namespace auditsync
