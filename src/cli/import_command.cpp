// `auditsync import KIND FILE`: loads data exported elsewhere into the database. Each kind is a
// subcommand of its own file (import_apps_command.cpp).
#include "cli/commands.hpp"

namespace auditsync {

void SetupImportCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action) {
  auto* command = app.add_subcommand("import", "Load data exported elsewhere into the database");
  command->require_subcommand(1);
  SetupImportAppsCommand(*command, flags, action);
}

}  // namespace auditsync
