// `auditsync import apps FILE`: loads an app inventory (CSV or JSON) so that apps nobody launched
// appear in reports as unused.
#include "cli/collector.hpp"
#include "cli/commands.hpp"
#include "core/log.hpp"
#include "source/inventory/app_inventory.hpp"
#include "store/store.hpp"

namespace auditsync {
namespace {

// A file full of bad rows would bury the summary; the count says how many there were.
constexpr size_t kProblemsShown = 100;

ExitCode ImportApps(const Config& config, const std::string& file) {
  const auto inventory = ReadAppInventoryFile(file);
  for (size_t i = 0; i < inventory.problems.size() && i < kProblemsShown; ++i) {
    const auto& problem = inventory.problems[i];
    spdlog::warn("{} {}: not imported, {}", file, problem.where, problem.reason);
  }
  if (inventory.problems.size() > kProblemsShown) {
    spdlog::warn("{}: {} more rows could not be read", file,
                 inventory.problems.size() - kProblemsShown);
  }
  // Never alongside a sync: both write the apps table.
  const auto one_writer_per_database = LockDatabase(config);
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
  auto file = std::make_shared<std::string>();
  auto* command = import.add_subcommand(
      "apps",
      "Load an app list exported from the Power Platform admin center (CSV) or by "
      "Get-AdminPowerApp | ConvertTo-Json, so that apps never launched show as unused");
  command->add_option("file", *file, "The CSV or JSON file")->required();
  command->callback([&import, &flags, &action, file] {
    action = [&import, &flags, file] {
      const auto config = LoadConfig(*import.get_parent(), flags, /*need_credentials=*/false);
      InitLogging(config.log_level);
      return ImportApps(config, *file);
    };
  });
}

}  // namespace auditsync
