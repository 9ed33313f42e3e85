#include "sync/status.hpp"

#include "sync/window_planner.hpp"

namespace auditsync {
namespace {
constexpr std::chrono::seconds kHour = std::chrono::hours(1);
constexpr std::chrono::hours kAllocationPeriod{24};
}  // namespace

SyncStatus ReadSyncStatus(SqliteStore& store, const SyncOptions& options, Instant now) {
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
  for (auto& window : store.UnfinishedWindows()) {
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

  status.queries_last_24h = store.SubmissionsSince(now - kAllocationPeriod);
  status.backlog_queries =
      status.windows_pending + status.windows_failing + status.settle_scans_due;
  const int64_t left_now = std::max<int64_t>(0, options.query_budget - status.queries_last_24h);
  if (status.backlog_queries > left_now) {
    // The rest goes out a full allocation per period, as the earlier submissions age out.
    const int64_t periods =
        (status.backlog_queries - left_now + options.query_budget - 1) / options.query_budget;
    status.backlog_done_by = now + periods * kAllocationPeriod;
  }
  status.records = store.CountRecords();
  status.quarantined = store.CountQuarantined();
  return status;
}

}  // namespace auditsync
