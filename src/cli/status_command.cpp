#include <iostream>

#include "cli/collector.hpp"
#include "cli/commands.hpp"
#include "core/log.hpp"
#include "report/status_render.hpp"

namespace auditsync {

void SetupStatusCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action) {
  auto format = std::make_shared<std::string>("table");
  auto* command = app.add_subcommand(
      "status",
      "Show where collection stands: coverage, freshness, re-scans, backlog, query allocation, "
      "failing windows");
  command->add_option("--format", *format, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  command->callback([&app, &flags, &action, format] {
    action = [&app, &flags, format] {
      const auto config = LoadConfig(app, flags, /*need_credentials=*/false);
      InitLogging(config.log_level);
      const auto store = OpenExistingStore(config);
      const Instant now = CommandNow();
      auto status = ReadSyncStatus(*store, SyncOptionsFrom(config), now);
      if (!config.use_graph_api) {
        status.content = ReadContentStatus(*store, now, config.GraphServesAuditQueries());
      }
      RenderStatus(status, *ParseReportFormat(*format), std::cout);
      return ExitCode::kSuccess;
    };
  });
}

}  // namespace auditsync
