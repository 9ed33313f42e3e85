#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "core/log.hpp"
#include "report/render.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace auditsync {
namespace {
struct ReportCommandOptions {
  std::string name;
  std::string from;
  std::string to;
  std::string format = "table";
};
}  // namespace

void SetupReportCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action) {
  auto options = std::make_shared<ReportCommandOptions>();
  auto* command = app.add_subcommand("report", "Print a report from the database");
  command->add_option("name", options->name, "Report: apps")
      ->required()
      ->check(CLI::IsMember({"apps"}));
  command->add_option("--from", options->from,
                      "Records created at or after this time (default: all)");
  command->add_option("--to", options->to, "Records created before this time (default: all)");
  command->add_option("--format", options->format, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  command->callback([&app, &flags, &action, options] {
    action = [&app, &flags, options] {
      const auto config = LoadConfig(app, flags, /*need_credentials=*/false);
      InitLogging(config.log_level);
      if (!std::filesystem::exists(config.database)) {
        throw ConfigError("there is no database at " + config.database +
                          ". Run `auditsync sync` first, or set `database` to its path.");
      }
      const Instant now = CommandNow();
      const Instant from =
          options->from.empty() ? Instant::min() : ParseTimeFlag("--from", options->from, now);
      const Instant to =
          options->to.empty() ? Instant::max() : ParseTimeFlag("--to", options->to, now);
      SqliteStore store(config.database);
      RenderAppsReport(store.QueryAppUsage({.from = from, .to = to}), *ParseReportFormat(options->format),
                       std::cout);
      return ExitCode::kSuccess;
    };
  });
}

}  // namespace auditsync
