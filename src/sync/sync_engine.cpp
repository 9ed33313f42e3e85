#include "sync/sync_engine.hpp"

#include <algorithm>
#include <exception>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

#include "core/error.hpp"
#include "core/guid.hpp"
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

// Whether the window's records come from a query that hit its record cap in one second. A later
// failure while paging keeps the mark (MarkFailed), because the next run pages on from the
// checkpoint without reading the query's status again.
bool Truncated(const SyncWindow& window) { return window.last_error.starts_with(kTruncated); }

// The message of a caught exception.
std::string WhatOf(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& error) {
    return error.what();
  } catch (...) {
    return "an unknown error";
  }
}

// How many times a query that ended `failed` or `cancelled` is submitted again in one run.
constexpr int kQueryResubmissions = 1;

// Backoff of a window that keeps failing (FailureBackoff).
constexpr int kFailuresRetriedAtOnce = 2;
constexpr std::chrono::seconds kFirstBackoff = std::chrono::hours(1);
constexpr std::chrono::seconds kLongestBackoff = std::chrono::hours(24);

// The first wait between two status checks of a query; it doubles up to poll_interval.
constexpr std::chrono::milliseconds kFirstPollDelay = std::chrono::seconds(5);

// Pages are committed together, this many (4000 records at the default page_size) or what was
// fetched in this long. Within an hour records arrive in no particular order, so each commit
// rewrites every leaf of the dedupe index that covers the hour, however few of its records it
// adds: at 200,000 records an hour, 1000-record commits cost SQLite 5.8 us of CPU per record and
// 4000-record ones 4.4 (bench/sqlite_floor). A crash loses at most one batch, which is fetched
// again from the checkpoint (and stored once: records are deduplicated).
constexpr int kPagesPerCommit = 4;
constexpr std::chrono::seconds kLongestUncommitted{5};

}  // namespace

std::chrono::seconds FailureBackoff(int failures) {
  if (failures <= kFailuresRetriedAtOnce) return std::chrono::seconds(0);
  auto delay = kFirstBackoff;
  for (int failure = kFailuresRetriedAtOnce + 1; failure < failures && delay < kLongestBackoff;
       ++failure) {
    delay *= 2;
  }
  return std::min(delay, kLongestBackoff);
}

struct SyncEngine::Task {
  explicit Task(SyncWindow w) : window(std::move(w)) {}

  // Its query is submitted and not known to have finished: it holds a place in flight.
  bool InFlight() const { return !window.query_id.empty() && window.next_link.empty(); }
  bool NeedsQuery() const { return window.query_id.empty() && window.next_link.empty(); }
  bool Paging() const { return !window.next_link.empty(); }

  SyncWindow window;
  int resubmissions = 0;  // of queries that ended failed or cancelled, in this run
  // Polling of its current query: when it is due next (nullopt: at once, not polled yet), the
  // wait after that, and when the query is given up as stuck.
  std::optional<std::chrono::steady_clock::time_point> next_poll;
  std::chrono::milliseconds poll_delay{};
  std::chrono::steady_clock::time_point deadline{};
  std::vector<SyncWindow> halves;  // when its query hit the record cap
};

SyncEngine::SyncEngine(WindowStore& store, GraphAuditClient& graph, SyncOptions options,
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

void SyncEngine::ReleaseGoneWorkers(const std::vector<SyncWindow>& unfinished) {
  if (!options_.worker_gone) return;
  std::set<std::string> asked;
  for (const auto& window : unfinished) {
    const auto& worker = window.lease_owner;
    if (worker.empty() || !asked.insert(worker).second || !options_.worker_gone(worker)) continue;
    spdlog::info(
        "windows held by {} are taken over at once: that process of this machine no longer runs",
        worker);
    store_.ReleaseLeases(worker);
  }
}

int SyncEngine::CountWaiting(const std::vector<SyncWindow>& unfinished, SyncSummary& summary) {
  const Instant now = clock_.now();
  int others = 0;
  for (const auto& window : unfinished) {
    if (!window.retry_at || *window.retry_at <= now || !window.query_id.empty() ||
        !window.next_link.empty()) {
      ++others;
      continue;
    }
    // A window that keeps failing waits, so that it cannot spend the allocation of the others.
    spdlog::warn("window {} failed {} times in a row ({}); its next attempt is after {}",
                 Describe(window), window.failures, window.last_error,
                 FormatIso8601(*window.retry_at));
    ++summary.windows_waiting;
    ++summary.windows_failed;
  }
  return others;
}

SyncSummary SyncEngine::Run(const SyncRequest& request) {
  SyncSummary summary;
  owner_ = options_.worker_id.empty() ? "worker-" + RandomGuid().substr(0, 8) : options_.worker_id;
  if (options_.sole_collector) store_.ReleaseLeases("");
  std::tie(summary.from, summary.to) = Plan(request, summary);
  const auto unfinished = store_.UnfinishedWindows();
  if (!options_.sole_collector) ReleaseGoneWorkers(unfinished);
  const int workable = CountWaiting(unfinished, summary);
  started_ = clock_.steady();
  leases_renewed_ = started_;
  progress_ = SyncProgress{0, workable, 0, {}, "windows"};
  allocation_spent_ = false;
  failed_in_run_.clear();
  spdlog::info("sync {}..{}: {} window(s) to collect ({} settle scan(s) planned)",
               FormatIso8601(summary.from), FormatIso8601(summary.to), workable,
               summary.settle_scans);

  // Every lease of this run goes back when it ends, however it ends (a process killed outright
  // leaves them to expire), so that the windows it did not finish are free at once.
  struct LeaseReturn {
    WindowStore& store;
    const std::string& owner;
    ~LeaseReturn() {
      try {
        store.ReleaseLeases(owner);
      } catch (const Error& error) {
        spdlog::warn(
            "could not give back this sync's window leases ({}); they expire by themselves",
            error.what());
      }
    }
  } lease_return{store_, owner_};

  Tasks tasks;
  for (;;) {
    if (clock_.stop_requested()) throw Interrupted();
    KeepLeases();
    LeaseMore(tasks);
    // Queries take minutes to hours server-side: keep the next few submitted, so that they run
    // in parallel while others are polled and paged.
    SubmitAhead(tasks, summary);
    // Every query in flight that is due is polled, the others waiting their turn, so that a slow
    // or stuck query never holds back the others, and a query that finished while a window was
    // paged is known before the next window is.
    PollDue(tasks, summary);
    // Paging is sequential: a query that has finished is read to its end before the next.
    if (const auto paging = std::ranges::find_if(tasks, &Task::Paging); paging != tasks.end()) {
      const auto outcome = Guarded(paging->window, [&] { return Page(paging->window, summary); });
      if (outcome != Outcome::kGoesOn) Conclude(tasks, paging, outcome, summary);
      continue;
    }
    // Otherwise the run waits for the query due first.
    std::optional<std::chrono::steady_clock::time_point> due;
    for (const auto& task : tasks) {
      if (task.InFlight() && task.next_poll && (!due || *task.next_poll < *due)) {
        due = task.next_poll;
      }
    }
    if (!due) {
      if (WaitForWork(tasks)) continue;
      break;  // nothing in flight, nothing to page, nothing to wait for: the run is over
    }
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*due - clock_.steady());
    // Woken at least every renewal interval, to keep the leases.
    if (wait.count() > 0) clock_.sleep(std::min(wait, RenewalInterval()));
  }
  if (allocation_spent_) {
    // Every window that still needs a query waits for the allocation, whichever process leased
    // it last; those that failed in this run are counted as failed.
    summary.windows_deferred = static_cast<int>(std::ranges::count_if(
        store_.UnfinishedWindows(), [&, now = clock_.now()](const SyncWindow& window) {
          return window.query_id.empty() && window.next_link.empty() &&
                 (!window.retry_at || *window.retry_at <= now) &&
                 !failed_in_run_.contains(window.id);
        }));
  }
  return summary;
}

void SyncEngine::PollDue(Tasks& tasks, SyncSummary& summary) {
  for (auto task = tasks.begin(); task != tasks.end();) {
    if (!task->InFlight() || (task->next_poll && *task->next_poll > clock_.steady())) {
      ++task;
      continue;
    }
    const auto outcome = Guarded(task->window, [&] { return Poll(*task, summary); });
    if (outcome != Outcome::kGoesOn) {
      task = Conclude(tasks, task, outcome, summary);
    } else if (task->Paging() && std::ranges::count_if(tasks, &Task::Paging) > 1) {
      // A second window ready to page is left to a process with nothing to page (this one takes
      // it back when it has none).
      store_.ReleaseLease(task->window);
      task = tasks.erase(task);
    } else {
      ++task;
    }
  }
}

void SyncEngine::LeaseMore(Tasks& tasks) {
  // Enough windows for every query this process may have in flight and one more being paged; the
  // rest stay free for other processes.
  const auto wanted = static_cast<size_t>(options_.max_queries_in_flight) + 1;
  if (tasks.size() >= wanted) return;
  // Whether the allocation is spent is learned from the first refused reservation (the store
  // counts the submissions): no query of the submissions here, on every turn of the loop.
  const Instant now = clock_.now();
  LeaseRequest request{.owner = owner_,
                       .limit = wanted - tasks.size(),
                       .new_queries = !allocation_spent_,
                       .ready_pages = std::ranges::none_of(tasks, &Task::Paging),
                       .now = now,
                       .until = now + options_.lease_duration};
  bool paging = !request.ready_pages;
  for (auto& window : store_.LeaseWindows(request)) {
    // A window this process lost (it stalled past its lease) and leases again: the task it kept
    // is stale (another process may have moved the window on), the store's state is not.
    std::erase_if(tasks, [&](const Task& task) { return task.window.id == window.id; });
    if (!window.next_link.empty() && std::exchange(paging, true)) {
      store_.ReleaseLease(window);  // one window to page at a time; the rest for idle processes
      continue;
    }
    tasks.emplace_back(std::move(window));
  }
}

std::chrono::milliseconds SyncEngine::RenewalInterval() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(options_.lease_duration) / 3;
}

void SyncEngine::KeepLeases() {
  if (clock_.steady() - leases_renewed_ < RenewalInterval()) return;
  store_.RenewLeases(owner_, clock_.now() + options_.lease_duration);
  leases_renewed_ = clock_.steady();
}

bool SyncEngine::WaitForWork(const Tasks& tasks) {
  auto wait = RenewalInterval();
  if (!tasks.empty()) {
    // Its windows wait for a place among the tenant's unfinished queries, which other processes
    // hold: one comes free when one of their queries finishes.
    wait = std::min(wait,
                    std::min<std::chrono::milliseconds>(kFirstPollDelay, options_.poll_interval));
  } else if (const auto expiry = store_.ForeignLeaseExpiry(owner_, clock_.now())) {
    // Other processes work on windows still; should one have died, its windows come free when its
    // lease expires, and this process takes them over.
    if (*expiry != awaited_lease_) {
      spdlog::info(
          "other processes hold unfinished windows; waiting for them (their leases expire at {} "
          "unless renewed, and this process then takes over what is left)",
          FormatIso8601(*expiry));
      awaited_lease_ = *expiry;
    }
    // Until the lease expires, but checked again at least every poll_interval (the windows may
    // be finished before), and at most every second.
    const auto longest =
        std::max(std::chrono::milliseconds(1000), std::min(wait, options_.poll_interval));
    wait = std::clamp(std::chrono::ceil<std::chrono::milliseconds>(*expiry - clock_.now()),
                      std::chrono::milliseconds(1000), longest);
  } else {
    return false;
  }
  clock_.sleep(wait);
  return true;
}

void SyncEngine::SubmitAhead(Tasks& tasks, SyncSummary& summary) {
  auto in_flight = std::ranges::count_if(tasks, &Task::InFlight);
  for (auto it = tasks.begin(); it != tasks.end();) {
    if (!it->NeedsQuery()) {
      ++it;
      continue;
    }
    if (in_flight >= options_.max_queries_in_flight) return;  // a place comes free later
    const auto outcome = allocation_spent_ ? Outcome::kDeferred
                                           : Guarded(it->window, [&] { return SubmitQuery(*it); });
    if (outcome == Outcome::kGoesOn) {
      ++in_flight;
      ++summary.submissions;
      ++it;
      continue;
    }
    if (outcome == Outcome::kNoPlace) {
      GiveBackUnstarted(tasks);  // a place comes free when a query in flight finishes
      return;
    }
    it = Conclude(tasks, it, outcome, summary);
  }
}

void SyncEngine::GiveBackUnstarted(Tasks& tasks) {
  for (auto it = tasks.begin(); it != tasks.end();) {
    if (!it->NeedsQuery()) {
      ++it;
      continue;
    }
    store_.ReleaseLease(it->window);
    it = tasks.erase(it);
  }
}

SyncEngine::Outcome SyncEngine::SubmitQuery(Task& task) {
  try {
    switch (Submit(task.window)) {
      case SubmissionGrant::kGranted:
        break;
      case SubmissionGrant::kAllocationSpent:
        allocation_spent_ = true;
        return Outcome::kDeferred;
      case SubmissionGrant::kTooManyInFlight:
        return Outcome::kNoPlace;
    }
  } catch (const QueryAllocationSpent& error) {
    spdlog::warn("{}", error.what());
    allocation_spent_ = true;
    task.window.query_name.clear();  // refused: nothing to look for
    store_.SaveWindow(task.window);
    return Outcome::kDeferred;
  }
  task.next_poll.reset();
  return Outcome::kGoesOn;
}

SubmissionGrant SyncEngine::Submit(SyncWindow& window) {
  // A name saved before the POST lets a sync that crashed during the POST find its query again.
  if (!window.query_name.empty()) {
    if (auto existing = graph_.FindQuery(window.query_name, window.start, window.end)) {
      window.query_id = *existing;
      window.state = WindowState::kQueued;
      store_.SaveWindow(window);
      return SubmissionGrant::kGranted;
    }
  }
  SyncWindow named = window;
  ++named.attempts;
  named.query_name = "auditsync " + store_.InstallationId() + " " + Describe(named) + " #" +
                     std::to_string(named.id) + "." + std::to_string(named.attempts);
  const auto grant = store_.ReserveSubmission(
      named, clock_.now(), {options_.query_budget, options_.max_unfinished_queries});
  if (grant != SubmissionGrant::kGranted) return grant;
  window = std::move(named);
  window.query_id = graph_.CreateQuery(window.query_name, window.start, window.end);
  window.state = WindowState::kQueued;
  store_.SaveWindow(window);
  spdlog::debug("window {}: query {} submitted", Describe(window), window.query_id);
  return SubmissionGrant::kGranted;
}

SyncEngine::Outcome SyncEngine::Poll(Task& task, SyncSummary& summary) {
  auto& window = task.window;
  if (!task.next_poll) {
    task.deadline = clock_.steady() + options_.query_timeout;
    task.poll_delay = std::min<std::chrono::milliseconds>(kFirstPollDelay, options_.poll_interval);
  }
  const auto status = graph_.GetQuery(window.query_id);
  if (IsWaiting(status.status)) {
    if (clock_.steady() + task.poll_delay > task.deadline) return GiveUpWaiting(window);
    task.next_poll = clock_.steady() + task.poll_delay;
    task.poll_delay =
        std::min<std::chrono::milliseconds>(task.poll_delay * 2, options_.poll_interval);
    return Outcome::kGoesOn;
  }
  if (status.status != "succeeded") {
    const std::string outcome =
        "query " + window.query_id + " ended " +
        (IsTerminal(status.status) ? status.status
                                   : "with unexpected status `" + status.status + "`");
    window.query_id.clear();
    window.query_name.clear();
    if (task.resubmissions == kQueryResubmissions) {
      return Fail(window, outcome + "; the next sync submits it again", "");
    }
    // Submitted again by SubmitAhead, like any window without a query: within the allocation,
    // or deferred to a later sync when it is spent.
    ++task.resubmissions;
    spdlog::warn("window {}: {}; submitting it again", Describe(window), outcome);
    window.state = WindowState::kPending;
    store_.SaveWindow(window);
    return Outcome::kGoesOn;
  }
  if (status.record_limit_exceeded) {
    if (const auto halves = SplitWindow(window.start, window.end); !halves.empty()) {
      spdlog::warn("window {}: the query hit its record cap; splitting the window in halves",
                   Describe(window));
      task.halves = store_.SplitWindow(window, halves);
      return Outcome::kSplit;
    }
    // Its records are read all the same, and the window then fails (Page): part of that second
    // is missing, which coverage and status must show.
    spdlog::error("window {}: {}; storing the records it returned", Describe(window), kTruncated);
    window.last_error = kTruncated;
    ++summary.windows_truncated;
  } else if (Truncated(window)) {
    window.last_error.clear();  // an earlier query's: this one's records are all there
  }
  window.state = WindowState::kPaging;
  window.next_link = graph_.FirstPageUrl(window.query_id);
  store_.SaveWindow(window);
  return Outcome::kGoesOn;
}

SyncEngine::Outcome SyncEngine::GiveUpWaiting(SyncWindow& window) {
  // A query that outlives two runs' query_timeout is presumed stuck server-side: the next run
  // submits a new one instead of waiting on it forever.
  const std::string unfinished = "query " + window.query_id + " still unfinished";
  const bool second_time = window.last_error.starts_with(unfinished);
  if (second_time) {
    window.query_id.clear();
    window.query_name.clear();
  }
  return Fail(window,
              unfinished + " after the query_timeout; " +
                  (second_time ? "the next sync submits a new query"
                               : "the next sync waits for it once more"),
              "");
}

SyncEngine::Outcome SyncEngine::Page(SyncWindow& window, SyncSummary& summary) {
  int64_t inserted = 0;
  // window.next_link stays the checkpoint, the link after the last page committed; `link` is the
  // next page to fetch. What was fetched in between waits in `batch`.
  std::string link = window.next_link;
  RecordPage batch;
  int batch_pages = 0;
  std::chrono::steady_clock::time_point batch_started{};
  // Commits the batch with the checkpoint after it (and, on the last page, the window's end). The
  // window in memory changes only once the store has committed, so that nothing saves a
  // checkpoint ahead of the records stored.
  const auto commit = [&](bool last) {
    SyncWindow next = window;
    next.next_link = link;
    if (last && Truncated(next)) {
      // Stored, but not every record of that second: the window fails rather than complete, so
      // its hours are not marked covered and status lists it. (Its query is made again after the
      // backoff; the records then stored are deduplicated.)
      next.query_id.clear();
      next.query_name.clear();
      MarkFailed(next, kTruncated, "");
    } else if (last) {
      next.state = WindowState::kComplete;
      next.last_error.clear();
      next.last_request_id.clear();
      next.failures = 0;
      next.retry_at.reset();
    }
    const auto outcome = store_.CommitPage(next, batch);
    window = std::move(next);
    batch = {};
    batch_pages = 0;
    inserted += outcome.inserted;
    summary.inserted += outcome.inserted;
    summary.duplicates += outcome.duplicates;
    summary.quarantined += outcome.quarantined;
    ReportProgress(summary);
  };
  while (!link.empty()) {
    RecordPage page;
    try {
      page = graph_.FetchPage(link);
      if (page.next_link == link) {
        throw ServiceError(
            "Graph returned a page whose next link is the page itself; the window "
            "is retried with a new query by the next sync",
            {200, "RepeatingNextLink", "", RedactUrl(link)});
      }
    } catch (...) {
      if (batch_pages > 0) {
        // The pages fetched before the failure are kept; the window goes on from after them.
        // Should that commit fail too, its error is the one raised: the fetch's is logged here.
        const auto fetch_failure = std::current_exception();
        try {
          commit(false);
        } catch (...) {
          spdlog::error("window {}: {}", Describe(window), WhatOf(fetch_failure));
          throw;
        }
      }
      throw;
    }
    if (batch_pages++ == 0) batch_started = clock_.steady();
    link = page.next_link;
    batch.Append(std::move(page));
    if (link.empty()) {
      commit(true);
      break;
    }
    const bool stopping = clock_.stop_requested();
    if (stopping || batch_pages >= kPagesPerCommit ||
        clock_.steady() - batch_started >= kLongestUncommitted) {
      commit(false);
    }
    if (stopping) throw Interrupted();
    KeepLeases();  // a window of many pages takes a while
  }
  if (window.state != WindowState::kComplete) return Outcome::kFailed;
  spdlog::info("window {} complete: {} record(s) stored, {} new", Describe(window),
               window.record_count, inserted);
  if (window.quarantined_count > 0) {
    spdlog::warn(
        "window {}: {} record(s) could not be read; they are kept in the quarantine "
        "table with the reason",
        Describe(window), window.quarantined_count);
  }
  return Outcome::kComplete;
}

template <typename Step>
SyncEngine::Outcome SyncEngine::Guarded(SyncWindow& window, Step step) {
  try {
    try {
      return step();
    } catch (const AuthError&) {
      throw;
    } catch (const SignInUnavailable&) {
      throw;
    } catch (const ServiceError& error) {
      const auto status = error.GetDetails().http_status;
      if (status == 400 || status == 404 || status == 410) {
        // The query or its next link is gone: the next sync starts the window over (records
        // already stored are deduplicated on their id).
        window.query_id.clear();
        window.query_name.clear();
        window.next_link.clear();
      }
      return Fail(window, error.what(), error.GetDetails().request_id);
    } catch (const TransportError& error) {
      return Fail(window, error.what(), "");
    }
  } catch (const LeaseLost& error) {
    // Nothing of this step was stored: the window's new owner goes on from its checkpoint.
    spdlog::warn("{}", error.what());
    return Outcome::kLost;
  }
}

SyncEngine::Tasks::iterator SyncEngine::Conclude(Tasks& tasks, Tasks::iterator task,
                                                 Outcome outcome, SyncSummary& summary) {
  switch (outcome) {
    case Outcome::kSplit: {
      progress_.windows_total += static_cast<int>(task->halves.size()) - 1;
      // The halves take the window's place: their queries come before those of later windows.
      const auto next = std::next(task);
      for (auto& half : task->halves) tasks.insert(next, Task(std::move(half)));
      const auto first = tasks.erase(task);
      return first;
    }
    case Outcome::kComplete:
      ++summary.windows_complete;
      break;
    case Outcome::kFailed:
      ++summary.windows_failed;
      failed_in_run_.insert(task->window.id);
      break;
    case Outcome::kDeferred:
      ++summary.windows_deferred;
      // Free for whichever process has allocation first (this one has none left this run).
      store_.ReleaseLease(task->window);
      break;
    case Outcome::kLost:
      ++summary.windows_lost;
      --progress_.windows_total;  // another process's now
      return tasks.erase(task);
    case Outcome::kNoPlace:  // handled by SubmitAhead
    case Outcome::kGoesOn:
      return std::next(task);
  }
  ++progress_.windows_done;
  ReportProgress(summary);
  return tasks.erase(task);
}

void SyncEngine::ReportProgress(const SyncSummary& summary) {
  if (!on_progress_) return;
  progress_.records = summary.inserted + summary.duplicates + summary.quarantined;
  progress_.elapsed = clock_.steady() - started_;
  on_progress_(progress_);
}

void SyncEngine::MarkFailed(SyncWindow& window, const std::string& error,
                            const std::string& request_id) {
  window.state = WindowState::kFailed;
  window.last_error = Truncated(window) && !window.next_link.empty() && error != kTruncated
                          ? std::string(kTruncated) + "; then " + error
                          : error;
  window.last_request_id = request_id;
  ++window.failures;
  const auto backoff = FailureBackoff(window.failures);
  window.retry_at = backoff.count() > 0 ? std::optional(clock_.now() + backoff) : std::nullopt;
  spdlog::error("window {}: {}", Describe(window), error);
}

SyncEngine::Outcome SyncEngine::Fail(SyncWindow& window, const std::string& error,
                                     const std::string& request_id) {
  MarkFailed(window, error, request_id);
  store_.SaveWindow(window);
  return Outcome::kFailed;
}

}  // namespace auditsync
