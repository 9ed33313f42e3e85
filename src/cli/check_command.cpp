#include <iostream>
#include <optional>

#include "check/setup_check.hpp"
#include "cli/commands.hpp"
#include "core/log.hpp"

namespace auditsync {

void SetupCheckCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action) {
  auto format = std::make_shared<std::string>("table");
  auto* command = app.add_subcommand(
      "check",
      "Check the setup step by step (configuration, secret, certificate or federated token, Key "
      "Vault, sign-in, permission, Graph, database) and say how to fix what is wrong; submits no "
      "query");
  command->add_option("--format", *format, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  command->callback([&app, &flags, &action, format] {
    action = [&app, &flags, format] {
      std::optional<RawSettings> raw;
      const auto report = CheckSetup(
          [&app, &flags, &raw] {
            raw = LoadRawSettings(app, flags);
            auto config = ResolveConfig(*raw, /*need_credentials=*/true);
            InitLogging(config.log_level);
            return config;
          },
          [&raw] { return !raw || UsesGraphApi(*raw); });
      RenderCheckReport(report, *ParseReportFormat(*format), std::cout);
      return report.Code();
    };
  });
}

}  // namespace auditsync
