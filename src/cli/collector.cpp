#include "cli/collector.hpp"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>

#include "cli/commands.hpp"
#include "core/file_lock.hpp"
#include "core/guid.hpp"
#include "core/log.hpp"
#include "core/stop.hpp"
#include "report/progress_display.hpp"
#include "source/graph/graph_connection.hpp"
#include "source/management/management_connection.hpp"
#include "sync/content_planner.hpp"
#include "sync/content_sync.hpp"
#include "sync/user_enrichment.hpp"

namespace auditsync {

SyncOptions SyncOptionsFrom(const Config& config) {
  SyncOptions options;
  options.window = config.window;
  options.initial_lookback = config.initial_lookback;
  options.settle_after = config.settle_after;
  options.query_budget = config.query_budget;
  options.max_queries_in_flight = config.max_queries_in_flight;
  options.max_unfinished_queries = config.max_unfinished_queries;
  options.poll_interval = config.poll_interval;
  options.query_timeout = config.query_timeout;
  options.lease_duration = config.lease_duration;
  return options;
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

// Logs the summary of a sync through the Graph audit log query API and returns its exit code.
ExitCode Conclude(const Config& config, const SyncSummary& summary) {
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

// Logs the summary of a sync through the Management Activity API and returns its exit code.
ExitCode ConcludeContent(const ContentSyncSummary& summary, bool graph_audit_queries) {
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
    spdlog::error("GAP: {}.", DescribeContentGap(*summary.gap, graph_audit_queries));
    partial = true;
  }
  if (summary.blobs_expired > 0) {
    const auto& range = *summary.expired_range;
    spdlog::error(
        "{} content blob(s) published {}..{} expired before they could be read: their records "
        "are lost to this API. To backfill them, {}",
        summary.blobs_expired, FormatIso8601(range.first), FormatIso8601(range.second),
        DescribeBackfill(range.first, range.second, graph_audit_queries));
    partial = true;
  }
  if (summary.blobs_unfinished > 0) {
    spdlog::error(
        "{} listed blob(s) were neither read nor failed (a download ended without a word): the "
        "checkpoint stays before them and the next sync reads them",
        summary.blobs_unfinished);
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

std::string HostName() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) return "?";
  return host.data();
}

// This process among those collecting into one database: its host, its process id and a few
// random characters (a process id is reused after a reboot), in leases and in the log.
std::string WorkerId() {
  return HostName() + "/" + std::to_string(::getpid()) + "/" + RandomGuid().substr(0, 4);
}

// Whether `worker` (a WorkerId) is a process of this machine that no longer runs: a service
// restarted after a crash takes its own windows over at once. Another machine's processes are
// never judged: their leases expire.
bool WorkerGone(const std::string& worker) {
  const std::string host = HostName() + "/";
  if (!worker.starts_with(host)) return false;
  const auto pid_end = worker.find('/', host.size());
  if (pid_end == std::string::npos) return false;
  const auto pid_text = worker.substr(host.size(), pid_end - host.size());
  pid_t pid = 0;
  const auto [end, error] =
      std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), pid);
  if (error != std::errc() || end != pid_text.data() + pid_text.size() || pid <= 0) return false;
  return pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH;
}

// Reads the profiles of users that need one (enrich_users). Whatever Graph answers, the sync's
// exit code stays the one its audit records earned: enrichment only logs.
void EnrichUsersAfterSync(const Config& config, DirectoryStore& store, GraphUserClient& users,
                          const SyncClock& clock) {
  EnrichmentOptions options;
  options.refresh_after = config.user_refresh_after;
  const auto summary = EnrichUsers(store, users, options, clock);
  spdlog::info("user profiles: {} read, {} not in the directory, {} to read again next sync{}",
               summary.found, summary.not_found, summary.unread,
               summary.more_left ? "; more users wait for the next sync" : "");
  if (summary.denied) {
    spdlog::warn("user enrichment stopped: {}. The audit records were collected all the same",
                 summary.problem);
  } else if (!summary.problem.empty()) {
    spdlog::warn("user enrichment: {}; the next sync asks again", summary.problem);
  }
}

}  // namespace

ContentSyncOptions ContentSyncOptionsFrom(const Config& config) {
  ContentSyncOptions options;
  options.initial_lookback = config.initial_lookback;
  options.concurrency = config.blob_concurrency;
  options.graph_audit_queries = config.GraphServesAuditQueries();
  return options;
}

std::unique_ptr<CollectionLock> LockDatabase(const Config& config) {
  return LockForCollection(config,
                           config.use_graph_api ? Collection::kShared : Collection::kExclusive);
}

ExitCode CollectOnce(const Config& config, const SyncRequest& request) {
  const auto lock = LockDatabase(config);
  return Collect(config, request, *lock);
}

ExitCode CollectEveryTenant(const std::vector<Config>& configs, const SyncRequest& request) {
  if (configs.size() == 1 && configs.front().tenant_name.empty()) {
    return CollectOnce(configs.front(), request);
  }
  std::optional<ExitCode> worst;
  for (const auto& config : configs) {
    spdlog::info("tenant {}: collecting into {}{}", config.tenant_name,
                 RedactDatabaseUrl(config.database),
                 config.database_schema.empty() ? "" : " (schema " + config.database_schema + ")");
    ExitCode code = ExitCode::kSuccess;
    try {
      code = CollectOnce(config, request);
    } catch (const Interrupted&) {
      throw;
    } catch (const Error& error) {
      spdlog::error("tenant {}: {}", config.tenant_name, error.what());
      code = error.Code();
    }
    if (code != ExitCode::kSuccess && (!worst || *worst == ExitCode::kPartial)) worst = code;
  }
  return worst.value_or(ExitCode::kSuccess);
}

ExitCode Collect(const Config& config, const SyncRequest& request, const CollectionLock& lock) {
  const auto store = OpenStore(config);
  const ConnectionHooks hooks{.cancelled = StopRequested, .sleep = SleepOrStop};
  const SyncClock clock{.now = RunningNow, .sleep = SleepOrStop, .stop_requested = StopRequested};
  // Graph's connection collects with use_graph_api = yes, and reads user profiles on either path.
  std::optional<GraphConnection> graph;
  ExitCode code = ExitCode::kSuccess;
  if (config.use_graph_api) {
    graph.emplace(config, hooks);
    auto options = SyncOptionsFrom(config);
    options.sole_collector = lock.Sole();
    options.worker_id = WorkerId();
    options.worker_gone = WorkerGone;
    SyncEngine engine(*store, graph->Graph(), options, clock);
    code = Conclude(config, RunShowingProgress(engine, request));
  } else {
    ManagementConnection connection(config, hooks);
    ContentSyncEngine engine(
        *store, connection.Client(),
        [&connection](ConnectionHooks thread_hooks) {
          return connection.NewClient(std::move(thread_hooks));
        },
        config.operations, ContentSyncOptionsFrom(config), clock);
    code = ConcludeContent(RunShowingProgress(engine, request), config.GraphServesAuditQueries());
  }
  if (config.enrich_users) {
    if (!graph) graph.emplace(config, hooks);
    EnrichUsersAfterSync(config, *store, graph->Users(), clock);
  }
  return code;
}

}  // namespace auditsync
