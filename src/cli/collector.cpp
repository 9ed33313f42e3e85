#include "cli/collector.hpp"

#include <unistd.h>

#include "cli/commands.hpp"
#include "core/file_lock.hpp"
#include "core/log.hpp"
#include "core/stop.hpp"
#include "report/progress_display.hpp"
#include "source/graph/graph_connection.hpp"
#include "source/management/management_connection.hpp"
#include "sync/content_planner.hpp"
#include "sync/content_sync.hpp"

namespace auditsync {

SyncOptions SyncOptionsFrom(const Config& config) {
  return SyncOptions{config.window,       config.initial_lookback,      config.settle_after,
                     config.query_budget, config.max_queries_in_flight, config.poll_interval,
                     config.query_timeout};
}

namespace {

// Runs a sync engine with its progress shown on the terminal, or logged.
template <typename Engine>
auto RunShowingProgress(Engine& engine, const SyncRequest& request) {
  ProgressDisplay progress(::isatty(STDERR_FILENO) != 0);
  engine.OnProgress([&progress](const SyncProgress& update) { progress.Update(update); });
  auto summary = engine.Run(request);
  engine.OnProgress(nullptr);
  return summary;
}

// Waits that a stop request cuts short, ending the work with Interrupted.
void SleepOrStop(std::chrono::milliseconds delay) {
  if (!SleepUnlessStopped(delay)) throw Interrupted();
}

}  // namespace

ContentSyncOptions ContentSyncOptionsFrom(const Config& config) {
  ContentSyncOptions options;
  options.initial_lookback = config.initial_lookback;
  options.concurrency = config.blob_concurrency;
  return options;
}

ExitCode CollectContent(const Config& config, const SyncRequest& request) {
  SqliteStore store(config.database);
  ManagementConnection connection(config, {.cancelled = StopRequested, .sleep = SleepOrStop});
  ContentSyncEngine engine(
      store, connection.Client(),
      [&connection](std::function<bool()> cancelled) {
        return connection.NewClient(std::move(cancelled));
      },
      config.operations, ContentSyncOptionsFrom(config),
      SyncClock{.now = CommandNow, .sleep = SleepOrStop, .stop_requested = StopRequested});
  const auto summary = RunShowingProgress(engine, request);
  spdlog::info(
      "sync of content created {}..{} finished: {} blob(s) read ({} records of every workload), "
      "{} read before, {} failed, {} expired; {} new record(s), {} already stored, {} "
      "quarantined",
      FormatIso8601(summary.from), FormatIso8601(summary.to), summary.blobs_stored,
      summary.records_read, summary.blobs_skipped, summary.blobs_failed, summary.blobs_expired,
      summary.inserted, summary.duplicates, summary.quarantined);
  bool partial = false;
  if (summary.gap) {
    // Said again last, where a reader of the log looks first.
    spdlog::error("GAP: {}.", DescribeContentGap(*summary.gap));
    partial = true;
  }
  if (summary.blobs_expired > 0) {
    spdlog::error(
        "{} content blob(s) expired before they could be read: their records are lost to this "
        "API. Backfill the period from a Purview audit export or through the Graph path",
        summary.blobs_expired);
    partial = true;
  }
  if (summary.blobs_failed > 0 || summary.listings_failed > 0) {
    spdlog::warn(
        "{} blob(s) and {} listing(s) failed; what was stored is kept and the next sync retries "
        "them",
        summary.blobs_failed, summary.listings_failed);
    partial = true;
  }
  return partial ? ExitCode::kPartial : ExitCode::kSuccess;
}

FileLock LockDatabase(const Config& config) { return FileLock(config.database + ".lock"); }

ExitCode CollectOnce(const Config& config, const SyncRequest& request) {
  const auto one_sync_per_database = LockDatabase(config);
  return Collect(config, request);
}

ExitCode Collect(const Config& config, const SyncRequest& request) {
  if (!config.use_graph_api) return CollectContent(config, request);
  SqliteStore store(config.database);
  GraphConnection connection(config, {.cancelled = StopRequested, .sleep = SleepOrStop});
  SyncEngine engine(
      store, connection.Graph(), SyncOptionsFrom(config),
      SyncClock{.now = CommandNow, .sleep = SleepOrStop, .stop_requested = StopRequested});
  const auto summary = RunShowingProgress(engine, request);
  spdlog::info(
      "sync {}..{} finished: {} window(s) complete, {} failed; {} new record(s), {} already "
      "stored, {} quarantined",
      FormatIso8601(summary.from), FormatIso8601(summary.to), summary.windows_complete,
      summary.windows_failed, summary.inserted, summary.duplicates, summary.quarantined);
  if (summary.windows_deferred > 0) {
    spdlog::warn(
        "{} window(s) wait for the query allocation ({} per 24 hours, spent); later syncs "
        "collect them. `auditsync status` says when the backlog will be done",
        summary.windows_deferred, config.query_budget);
  }
  if (summary.windows_failed > 0) {
    spdlog::warn("{} window(s) failed; what was stored is kept and the next sync retries them",
                 summary.windows_failed);
    return ExitCode::kPartial;
  }
  if (summary.windows_truncated > 0) {
    spdlog::warn(
        "{} window(s) had more records in one second than a query returns; some of "
        "their records could not be collected",
        summary.windows_truncated);
    return ExitCode::kPartial;
  }
  return ExitCode::kSuccess;
}

}  // namespace auditsync
