// `auditsync run`: the hourly schedule as one long-running process (a service). Each cycle is a
// sync (which also brings the apps table up to date, in the same transactions as the records),
// then a wait until the next cycle. SIGINT or SIGTERM ends it cleanly at the next safe point.
#include "cli/collector.hpp"
#include "cli/commands.hpp"
#include "core/log.hpp"
#include "core/stop.hpp"

namespace auditsync {
namespace {

// Cycles start this long after a boundary of the interval, when the window that just closed
// can be queried.
constexpr std::chrono::minutes kAfterBoundary{2};

// Errors a later cycle may not meet again (the service, the network). Anything else needs a
// person: a wrong secret, a bad setting, a full disk.
bool IsTransient(const Error& error) { return error.Code() == ExitCode::kService; }

// One cycle's sync of one tenant, under its lock (taken by the first cycle that can, then held
// for the process's life). Returns false when a stop was requested. Without [[tenant]] tables an
// error that needs a person ends the service; with them it is logged and the other tenants go on
// (one customer's expired secret or locked database must not stop the others' collection), and
// the next cycle tries that tenant again.
bool CollectCycle(const Config& config, std::unique_ptr<CollectionLock>& lock) {
  const std::string tenant =
      config.tenant_name.empty() ? "" : "tenant " + config.tenant_name + ": ";
  try {
    if (!lock) lock = LockDatabase(config);
    const auto code = Collect(config, SyncRequest{}, *lock);
    if (code != ExitCode::kSuccess) spdlog::warn("{}the next cycle retries what failed", tenant);
  } catch (const Interrupted&) {
    return false;
  } catch (const Error& error) {
    if (!IsTransient(error) && tenant.empty()) throw;
    spdlog::error("{}{}; the next cycle tries again", tenant, error.what());
  }
  return true;
}

ExitCode RunForever(const std::vector<Config>& configs, std::chrono::seconds every) {
  std::vector<std::unique_ptr<CollectionLock>> locks(configs.size());
  // Without tenants, a database another process collects into fails at once, as before.
  if (configs.size() == 1 && configs.front().tenant_name.empty()) {
    locks.front() = LockDatabase(configs.front());
  }
  InstallStopHandlers();
  for (const auto& config : configs) {
    spdlog::info("collecting {}every {} into {}; SIGINT or SIGTERM stops",
                 config.tenant_name.empty() ? "" : "tenant " + config.tenant_name + " ",
                 FormatDuration(every), RedactDatabaseUrl(config.database));
  }
  for (;;) {
    bool stopped = false;
    for (size_t tenant = 0; tenant < configs.size() && !stopped; ++tenant) {
      stopped = !CollectCycle(configs[tenant], locks[tenant]);
    }
    if (stopped) break;
    const Instant now = NowUtc();
    const Instant next = AlignDown(now, every) + every + kAfterBoundary;
    spdlog::info("next sync at {}", FormatIso8601(next));
    if (!SleepUnlessStopped(std::chrono::duration_cast<std::chrono::milliseconds>(next - now))) {
      break;
    }
  }
  spdlog::info("stopped; everything collected is stored");
  return ExitCode::kSuccess;
}

}  // namespace

void SetupRunCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action) {
  auto every = std::make_shared<std::string>("1h");
  auto* command = app.add_subcommand(
      "run", "Sync now and then every interval, until SIGINT or SIGTERM (a long-running service)");
  command->add_option("--every", *every, "Interval between syncs: 1h, 30m, 1d (at least 1m)");
  command->callback([&app, &flags, &action, every] {
    action = [&app, &flags, every] {
      const auto configs = LoadTenantConfigs(app, flags, /*need_credentials=*/true);
      InitLogging(configs.front().log_level);
      const auto interval = ParseDuration(*every);
      if (!interval || *interval < std::chrono::minutes(1)) {
        throw ConfigError("--every `" + *every +
                          "` is not an interval of a minute or more. Write it like 1h or 30m.");
      }
      return RunForever(configs, *interval);
    };
  });
}

}  // namespace auditsync
