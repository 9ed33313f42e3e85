#include <iostream>
#include <optional>
#include <vector>

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
      const auto configs = LoadTenantConfigs(app, flags, /*need_credentials=*/false);
      InitLogging(configs.front().log_level);
      const Instant now = CommandNow();
      const auto read = [now](const Config& config) {
        const auto store = OpenExistingStore(config);
        auto status = ReadSyncStatus(*store, SyncOptionsFrom(config), now);
        if (!config.use_graph_api) {
          status.content = ReadContentStatus(*store, now, config.GraphServesAuditQueries());
        }
        return status;
      };
      const auto report_format = *ParseReportFormat(*format);
      if (configs.size() == 1 && configs.front().tenant_name.empty()) {
        RenderStatus(read(configs.front()), report_format, std::cout);
        return ExitCode::kSuccess;
      }
      // Every tenant, each read on its own: one that cannot be read is shown as such, and the
      // others all the same.
      std::vector<TenantStatus> tenants;
      std::optional<ExitCode> first_error;
      for (const auto& config : configs) {
        auto& tenant = tenants.emplace_back(TenantStatus{config.tenant_name, {}, {}});
        try {
          tenant.status = read(config);
        } catch (const Error& error) {
          tenant.error = error.what();
          if (!first_error) first_error = error.Code();
        }
      }
      RenderTenantStatuses(tenants, report_format, std::cout);
      return first_error.value_or(ExitCode::kSuccess);
    };
  });
}

}  // namespace auditsync
