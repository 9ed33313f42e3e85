#include <spdlog/spdlog.h>

#include <chrono>

#include "cli/commands.hpp"
#include "core/log.hpp"
#include "core/stop.hpp"
#include "store/sqlite/sqlite_backup.hpp"

namespace auditsync {

void SetupBackupCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action) {
  struct Options {
    std::string target;
    bool overwrite = false;
  };
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand(
      "backup", "Copy the database to one file, consistent and checked, while collection goes on");
  command->add_option("--to", options->target, "The backup file to write")->required();
  command->add_flag("--overwrite", options->overwrite, "Replace the backup file if it exists");
  command->callback([&app, &flags, &action, options] {
    action = [&app, &flags, options] {
      const auto config = LoadConfig(app, flags, /*need_credentials=*/false);
      InitLogging(config.log_level);
      if (config.database.starts_with("postgresql://") ||
          config.database.starts_with("postgres://")) {
        throw ConfigError(
            "`backup` copies a SQLite database; back up PostgreSQL with pg_dump (see "
            "docs/operations.md).");
      }
      InstallStopHandlers();
      const auto started = std::chrono::steady_clock::now();
      const auto outcome =
          BackupDatabase(config.database, options->target,
                         {.overwrite = options->overwrite, .stop_requested = StopRequested});
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      spdlog::info(
          "backed up {} audit record(s) (schema version {}, {:.1f} MB) from {} to {} in "
          "{:.1f} s",
          outcome.records, outcome.schema_version, static_cast<double>(outcome.bytes) / 1e6,
          config.database, options->target, took.count());
      return ExitCode::kSuccess;
    };
  });
}

}  // namespace auditsync
