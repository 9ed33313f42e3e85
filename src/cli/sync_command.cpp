#include "cli/collector.hpp"
#include "cli/commands.hpp"
#include "core/log.hpp"

namespace auditsync {

Instant ParseTimeFlag(const std::string& flag, const std::string& value, Instant now) {
  if (auto instant = ParseTimeArgument(value, now)) return *instant;
  throw ConfigError(flag + " `" + value +
                    "` is not a time. Use 2026-11-01, 2026-11-01T05:00:00Z, or a relative time "
                    "such as -7d or -12h.");
}

namespace {
struct SyncCommandOptions {
  std::string from;
  std::string to;
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
  command->callback([&app, &flags, &action, options] {
    action = [&app, &flags, options] {
      const auto config = LoadConfig(app, flags, /*need_credentials=*/true);
      InitLogging(config.log_level);
      const Instant now = NowUtc();
      SyncRequest request;
      if (!options->from.empty()) request.from = ParseTimeFlag("--from", options->from, now);
      if (!options->to.empty()) request.to = ParseTimeFlag("--to", options->to, now);
      return CollectOnce(config, request);
    };
  });
}

}  // namespace auditsync
