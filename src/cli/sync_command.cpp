#include "cli/collector.hpp"
#include "cli/commands.hpp"
#include "core/log.hpp"
#include "core/stop.hpp"

namespace auditsync {

namespace {
struct SyncCommandOptions {
  std::string from;
  std::string to;
  bool rescan = false;
};
}  // namespace

void SetupSyncCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action) {
  auto options = std::make_shared<SyncCommandOptions>();
  auto* command = app.add_subcommand(
      "sync",
      "Collect audit records for [from, to) into the database (default: from the last "
      "checkpoint, or 7 days back on the first run, to now)");
  command->add_option("--from", options->from, "Start (inclusive): 2026-11-01, ...T05:00:00Z, -7d");
  command->add_option("--to", options->to, "End (exclusive); default now");
  command->add_flag("--rescan", options->rescan,
                    "Collect complete windows of the range again (catches records published late)");
  command->callback([&app, &flags, &action, options] {
    action = [&app, &flags, options] {
      const auto configs = LoadTenantConfigs(app, flags, /*need_credentials=*/true);
      InitLogging(configs.front().log_level);
      const Instant now = CommandNow();
      SyncRequest request;
      if (!options->from.empty()) {
        request.from = ParseTimeFlag("--from", options->from, now);
        // Microsoft keeps audit records ten years at the most (Audit Premium add-on).
        if (*request.from < now - std::chrono::days(3660)) {
          throw UsageError("--from " + options->from +
                           " is more than ten years back, beyond any audit log retention. "
                           "Give a later --from.");
        }
      }
      if (!options->to.empty()) request.to = ParseTimeFlag("--to", options->to, now);
      request.rescan = options->rescan;
      InstallStopHandlers();  // Ctrl-C stops after the current page, progress saved
      return CollectEveryTenant(configs, request);
    };
  });
}

}  // namespace auditsync
