// `auditsync import KIND FILE`: loads data exported elsewhere into the database. Each kind is a
// subcommand of its own file (import_apps_command.cpp, import_purview_command.cpp).
#include "cli/import_command.hpp"

#include "cli/collector.hpp"
#include "core/log.hpp"

namespace auditsync {
namespace {

constexpr size_t kProblemsShown = 100;

}  // namespace

void AddImportKind(CLI::App& import, GlobalFlags& flags, CommandAction& action,
                   const std::string& kind, const std::string& description,
                   const std::string& file_help, ImportRun run) {
  auto file = std::make_shared<std::string>();
  auto* command = import.add_subcommand(kind, description);
  command->add_option("file", *file, file_help)->required();
  command->callback([&import, &flags, &action, file, run = std::move(run)] {
    action = [&import, &flags, file, run] {
      const auto config = LoadConfig(*import.get_parent(), flags, /*need_credentials=*/false);
      InitLogging(config.log_level);
      const auto one_writer_per_database = LockDatabase(config);
      return run(config, *file);
    };
  });
}

void ProblemLog::Add(std::string_view where, std::string_view reason) {
  if (++count_ <= kProblemsShown) spdlog::warn("{} {}: not imported, {}", file_, where, reason);
}

void ProblemLog::Finish() const {
  if (count_ > kProblemsShown) {
    spdlog::warn("{}: {} more rows could not be read", file_, count_ - kProblemsShown);
  }
}

void SetupImportCommand(CLI::App& app, GlobalFlags& flags, CommandAction& action) {
  auto* command = app.add_subcommand("import", "Load data exported elsewhere into the database");
  command->require_subcommand(1);
  SetupImportAppsCommand(*command, flags, action);
  SetupImportPurviewCommand(*command, flags, action);
}

}  // namespace auditsync
