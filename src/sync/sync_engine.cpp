#include "sync/sync_engine.hpp"

#include <algorithm>
#include <deque>
#include <set>
#include <thread>
#include <tuple>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/stop.hpp"
#include "sync/window_planner.hpp"

namespace auditsync {
namespace {

bool IsTerminal(const std::string& status) {
  return status == "succeeded" || status == "failed" || status == "cancelled";
}

bool IsWaiting(const std::string& status) { return status == "notStarted" || status == "running"; }

std::string Describe(const SyncWindow& window) {
  return (window.kind == ScanKind::kSettle ? "settle scan " : "") + FormatIso8601(window.start) +
         ".." + FormatIso8601(window.end);
}

constexpr std::chrono::seconds kHour = std::chrono::hours(1);

// The error kept on a window whose one-second query still hit the record cap.
constexpr const char* kTruncated =
    "more records in one second than one query may return (its record cap)";

// How many times a query that ended `failed` or `cancelled` is submitted again in one run.
constexpr int kQueryResubmissions = 1;

}  // namespace

SyncEngine::SyncEngine(SqliteStore& store, GraphAuditClient& graph, SyncOptions options,
                       SyncClock clock)
    : store_(store), graph_(graph), options_(options), clock_(std::move(clock)) {
  if (!clock_.sleep) {
    clock_.sleep = [](std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); };
  }
}

std::pair<Instant, Instant> SyncEngine::Plan(const SyncRequest& request, SyncSummary& summary) {
  const Instant now = clock_.now();
  // Only closed windows, and whole hours: a window still open would be scanned before its
  // records exist, and completeness is tracked per hour.
  const Instant last_closed = AlignDown(now, options_.window);
  const Instant to = std::min(request.to ? AlignUp(*request.to, kHour) : last_closed, last_closed);
  const Instant from =
      AlignDown(request.from ? *request.from
                             : store_.Frontier().value_or(last_closed - options_.initial_lookback),
                kHour);
  if (request.from && request.to && *request.from >= *request.to) {
    throw ConfigError("--from " + FormatIso8601(*request.from) + " is not before --to " +
                      FormatIso8601(*request.to) + ". Give an earlier --from.");
  }
  if (request.from && from >= to) {
    throw ConfigError("--from " + FormatIso8601(*request.from) +
                      " is in a window that has not closed yet (windows close every " +
                      FormatDuration(options_.window) + "; the last closed at " +
                      FormatIso8601(last_closed) + "). Give an earlier --from.");
  }
  for (const auto& [start, end] : PlanInitialWindows(from, to, options_.window)) {
    auto window = store_.PlanWindow(ScanKind::kInitial, start, end, now);
    if (request.rescan) store_.RestartWindow(window, now);
  }
  if (!options_.settle_after.empty()) {
    const auto hours = store_.UnsettledHours(options_.settle_after.back());
    for (const auto& [start, end] : PlanSettleScans(hours, options_.settle_after, now)) {
      auto scan = store_.PlanWindow(ScanKind::kSettle, start, end, now);
      // A scan still under way from an earlier run goes on; a finished one is run again.
      store_.RestartWindow(scan, now);
      ++summary.settle_scans;
    }
  }
  return {from, std::max(from, to)};
}

int64_t SyncEngine::BudgetLeft() {
  return options_.query_budget - store_.SubmissionsSince(clock_.now() - std::chrono::hours(24));
}

SyncSummary SyncEngine::Run(const SyncRequest& request) {
  SyncSummary summary;
  std::tie(summary.from, summary.to) = Plan(request, summary);
  // Work already paid for comes first (pages being read, queries submitted); then the freshest
  // windows, first scans before settle scans, so that a spent allocation delays old work, never
  // the newest hour.
  auto pending = store_.UnfinishedWindows();
  const auto rank = [](const SyncWindow& window) {
    if (window.state == WindowState::kPaging) return 0;
    if (!window.query_id.empty()) return 1;
    return window.kind == ScanKind::kInitial ? 2 : 3;
  };
  std::stable_sort(pending.begin(), pending.end(), [&](const SyncWindow& a, const SyncWindow& b) {
    return std::make_tuple(rank(a), b.end, b.start) < std::make_tuple(rank(b), a.end, a.start);
  });
  std::deque<SyncWindow> work(pending.begin(), pending.end());
  started_ = clock_.steady();
  progress_ = SyncProgress{0, static_cast<int>(work.size()), 0, {}};
  std::set<int64_t> failed_this_run;
  std::set<int64_t> deferred;
  bool allocation_spent = false;  // Graph refused a submission with 429: no more this run
  spdlog::info("sync {}..{}: {} window(s) to collect ({} settle scan(s) planned)",
               FormatIso8601(summary.from), FormatIso8601(summary.to), work.size(),
               summary.settle_scans);

  while (!work.empty()) {
    // Queries take minutes to hours server-side: keep the next few submitted while this one is
    // awaited and paged, so that they run in parallel.
    const size_t ahead = std::min(work.size(), static_cast<size_t>(options_.max_queries_in_flight));
    for (size_t i = 0; i < ahead; ++i) {
      auto& window = work[i];
      if (!window.query_id.empty() || !window.next_link.empty()) continue;
      if (failed_this_run.contains(window.id)) continue;  // once per run is enough
      if (allocation_spent || BudgetLeft() <= 0) {
        deferred.insert(window.id);
        continue;
      }
      try {
        Submit(window);
        ++summary.submissions;
      } catch (const QueryAllocationSpent& error) {
        spdlog::warn("{}", error.what());
        allocation_spent = true;
        deferred.insert(window.id);
        window.query_name.clear();  // refused: nothing to look for
        store_.SaveWindow(window);
      } catch (const AuthError&) {
        throw;
      } catch (const SignInUnavailable&) {
        throw;
      } catch (const ServiceError& error) {
        Fail(window, error.what(), error.GetDetails().request_id);
        failed_this_run.insert(window.id);
      } catch (const TransportError& error) {
        Fail(window, error.what(), "");
        failed_this_run.insert(window.id);
      }
    }
    if (clock_.stop_requested()) throw Interrupted();
    SyncWindow window = std::move(work.front());
    work.pop_front();
    if (window.query_id.empty() && window.next_link.empty()) {
      if (deferred.contains(window.id)) {
        ++summary.windows_deferred;
      } else {
        ++summary.windows_failed;  // its submission failed just now
      }
      ++progress_.windows_done;
      ReportProgress(summary);
      continue;
    }
    const int64_t before = summary.inserted;
    const auto halves = Collect(window, summary);
    if (window.state == WindowState::kSplit) {
      for (auto it = halves.rbegin(); it != halves.rend(); ++it) work.push_front(*it);
      progress_.windows_total += static_cast<int>(halves.size()) - 1;
      continue;
    }
    ++progress_.windows_done;
    ReportProgress(summary);
    if (window.state == WindowState::kComplete) {
      ++summary.windows_complete;
      spdlog::info("window {} complete: {} record(s) stored, {} new", Describe(window),
                   window.record_count, summary.inserted - before);
      if (window.quarantined_count > 0) {
        spdlog::warn(
            "window {}: {} record(s) could not be read; they are kept in the quarantine "
            "table with the reason",
            Describe(window), window.quarantined_count);
      }
    } else {
      ++summary.windows_failed;
    }
  }
  return summary;
}

void SyncEngine::Submit(SyncWindow& window) {
  // A name saved before the POST lets a sync that crashed during the POST find its query again.
  if (!window.query_name.empty()) {
    if (auto existing = graph_.FindQuery(window.query_name, window.start, window.end)) {
      window.query_id = *existing;
      window.state = WindowState::kQueued;
      store_.SaveWindow(window);
      return;
    }
  }
  ++window.attempts;
  store_.RecordSubmission(window, clock_.now());
  window.query_name = "auditsync " + store_.InstallationId() + " " + Describe(window) + " #" +
                      std::to_string(window.id) + "." + std::to_string(window.attempts);
  store_.SaveWindow(window);
  window.query_id = graph_.CreateQuery(window.query_name, window.start, window.end);
  window.state = WindowState::kQueued;
  store_.SaveWindow(window);
  spdlog::debug("window {}: query {} submitted", Describe(window), window.query_id);
}

std::optional<QueryStatus> SyncEngine::Await(SyncWindow& window) {
  const auto deadline = clock_.steady() + options_.query_timeout;
  auto delay = std::min<std::chrono::milliseconds>(std::chrono::seconds(5), options_.poll_interval);
  for (;;) {
    auto status = graph_.GetQuery(window.query_id);
    if (IsTerminal(status.status)) return status;
    if (!IsWaiting(status.status)) {
      status.status = "unexpected status `" + status.status + "`";
      return status;
    }
    if (clock_.steady() + delay > deadline) return std::nullopt;
    clock_.sleep(delay);
    delay = std::min<std::chrono::milliseconds>(delay * 2, options_.poll_interval);
  }
}

std::vector<SyncWindow> SyncEngine::Collect(SyncWindow& window, SyncSummary& summary) {
  try {
    if (window.next_link.empty()) {
      std::optional<QueryStatus> status;
      for (int resubmission = 0;; ++resubmission) {
        status = Await(window);
        if (!status) {
          // A query that outlives two runs' query_timeout is presumed stuck server-side: the
          // next run submits a new one instead of waiting on it forever.
          const std::string unfinished = "query " + window.query_id + " still unfinished";
          const bool second_time = window.last_error.starts_with(unfinished);
          Fail(window,
               unfinished + " after the query_timeout; " +
                   (second_time ? "the next sync submits a new query"
                                : "the next sync waits for it once more"),
               "");
          if (second_time) {
            window.query_id.clear();
            window.query_name.clear();
            store_.SaveWindow(window);
          }
          return {};
        }
        if (status->status == "succeeded") break;
        const std::string outcome = "query " + window.query_id + " ended " + status->status;
        window.query_id.clear();
        window.query_name.clear();
        if (resubmission == kQueryResubmissions) {
          Fail(window, outcome + "; the next sync submits it again", "");
          return {};
        }
        spdlog::warn("window {}: {}; submitting it again", Describe(window), outcome);
        Submit(window);
      }
      if (status->record_limit_exceeded) {
        if (const auto halves = SplitWindow(window.start, window.end); !halves.empty()) {
          spdlog::warn("window {}: the query hit its record cap; splitting the window in halves",
                       Describe(window));
          return store_.SplitWindow(window, halves);
        }
        spdlog::error("window {}: {}; storing the records it returned", Describe(window),
                      kTruncated);
        window.last_error = kTruncated;
        ++summary.windows_truncated;
      }
      window.state = WindowState::kPaging;
      window.next_link = graph_.FirstPageUrl(window.query_id);
      store_.SaveWindow(window);
    }
    while (!window.next_link.empty()) {
      auto page = graph_.FetchPage(window.next_link);
      if (page.next_link == window.next_link) {
        throw ServiceError(
            "Graph returned a page whose next link is the page itself; the window "
            "is retried with a new query by the next sync",
            {200, "RepeatingNextLink", "", RedactUrl(window.next_link)});
      }
      window.next_link = page.next_link;
      if (window.next_link.empty()) {
        window.state = WindowState::kComplete;
        if (window.last_error != kTruncated) {
          window.last_error.clear();
          window.last_request_id.clear();
        }
      }
      const auto outcome = store_.CommitPage(window, page);
      summary.inserted += outcome.inserted;
      summary.duplicates += outcome.duplicates;
      summary.quarantined += outcome.quarantined;
      ReportProgress(summary);
      if (clock_.stop_requested() && !window.next_link.empty()) throw Interrupted();
    }
  } catch (const AuthError&) {
    throw;
  } catch (const SignInUnavailable&) {
    throw;
  } catch (const ServiceError& error) {
    const auto status = error.GetDetails().http_status;
    if (status == 400 || status == 404 || status == 410) {
      // The query or its next link is gone: the next sync starts the window over (records already
      // stored are deduplicated on their id).
      window.query_id.clear();
      window.query_name.clear();
      window.next_link.clear();
    }
    Fail(window, error.what(), error.GetDetails().request_id);
  } catch (const TransportError& error) {
    Fail(window, error.what(), "");
  }
  return {};
}

void SyncEngine::ReportProgress(const SyncSummary& summary) {
  if (!on_progress_) return;
  progress_.records = summary.inserted + summary.duplicates + summary.quarantined;
  progress_.elapsed = clock_.steady() - started_;
  on_progress_(progress_);
}

void SyncEngine::Fail(SyncWindow& window, const std::string& error, const std::string& request_id) {
  window.state = WindowState::kFailed;
  window.last_error = error;
  window.last_request_id = request_id;
  store_.SaveWindow(window);
  spdlog::error("window {}: {}", Describe(window), error);
}

}  // namespace auditsync
