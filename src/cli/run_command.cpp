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

ExitCode RunForever(const Config& config, std::chrono::seconds every) {
  const auto lock = LockDatabase(config);
  InstallStopHandlers();
  spdlog::info("collecting every {} into {}; SIGINT or SIGTERM stops", FormatDuration(every),
               RedactDatabaseUrl(config.database));
  for (;;) {
    try {
      const auto code = Collect(config, SyncRequest{}, *lock);
      if (code != ExitCode::kSuccess) spdlog::warn("the next cycle retries what failed");
    } catch (const Interrupted&) {
      break;
    } catch (const Error& error) {
      if (!IsTransient(error)) throw;
      spdlog::error("{}; the next cycle tries again", error.what());
    }
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
      const auto config = LoadConfig(app, flags, /*need_credentials=*/true);
      InitLogging(config.log_level);
      const auto interval = ParseDuration(*every);
      if (!interval || *interval < std::chrono::minutes(1)) {
        throw ConfigError("--every `" + *every +
                          "` is not an interval of a minute or more. Write it like 1h or 30m.");
      }
      return RunForever(config, *interval);
    };
  });
}

}  // namespace auditsync
