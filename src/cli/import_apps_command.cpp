// `auditsync import apps FILE`: loads an app inventory (CSV or JSON) so that apps nobody launched
// appear in reports as unused.
#include "cli/import_command.hpp"
#include "core/log.hpp"
#include "source/inventory/app_inventory.hpp"
#include "store/store.hpp"

namespace auditsync {
namespace {

ExitCode ImportApps(const Config& config, const std::string& file) {
  const auto inventory = ReadAppInventoryFile(file);
  ProblemLog problems(file);
  for (const auto& problem : inventory.problems) problems.Add(problem.where, problem.reason);
  problems.Finish();
  for (const auto& warning : inventory.warnings) spdlog::warn("{}", warning);
  const auto store = OpenStore(config);
  const auto outcome = store->ImportInventory(inventory.apps, CommandNow());
  spdlog::info(
      "imported {} app(s) from {} ({}): {} new, {} already known; {} of {} row(s) could "
      "not be read",
      inventory.apps.size(), file, inventory.format, outcome.added, outcome.updated,
      inventory.problems.size(), inventory.rows);
  return inventory.problems.empty() ? ExitCode::kSuccess : ExitCode::kPartial;
}

}  // namespace

void SetupImportAppsCommand(CLI::App& import, GlobalFlags& flags, CommandAction& action) {
  AddImportKind(import, flags, action, "apps",
                "Load an app list exported from the Power Platform admin center (CSV) or by "
                "Get-AdminPowerApp | ConvertTo-Json, so that apps never launched show as unused",
                "The CSV or JSON file", ImportApps);
}

}  // namespace auditsync
