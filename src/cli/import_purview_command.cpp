// `auditsync import purview FILE`: loads an audit log export of Microsoft Purview, to backfill
// history older than the APIs still return.
#include "cli/import_command.hpp"
#include "core/log.hpp"
#include "core/mapped_file.hpp"
#include "core/stop.hpp"
#include "store/store.hpp"
#include "sync/purview_import.hpp"

namespace auditsync {
namespace {

ExitCode ImportPurview(const Config& config, const std::string& file) {
  // Mapped, not read: an export can be gigabytes, and the rows read are released as they are
  // stored, so memory holds one transaction's rows whatever the file's size.
  MappedFile mapped(file);
  PurviewExportReader reader(mapped.Text(), file, config.operations);
  const auto store = OpenStore(config);
  ProblemLog problems(file);
  InstallStopHandlers();  // Ctrl-C stops between transactions, what was stored kept
  const ExportImportHooks hooks{
      .stop_requested = StopRequested,
      .problem =
          [&problems](const ExportProblem& problem) {
            problems.Add("line " + std::to_string(problem.line), problem.reason);
          },
      .committed = [&mapped](size_t bytes) { mapped.Release(bytes); },
  };
  const auto summary = ImportPurviewExport(*store, reader, ExportImportOptions{}, hooks);
  problems.Finish();
  spdlog::info(
      "imported {} ({}): {} row(s) read, {} record(s) stored new, {} already stored, {} skipped "
      "(other operations), {} bad row(s)",
      file, reader.Header().kind, summary.rows, summary.inserted, summary.duplicates,
      summary.other_operations, summary.bad_rows);
  if (summary.interrupted) {
    throw Interrupted("interrupted after " + std::to_string(summary.rows) +
                      " row(s), whose records are stored. Import the file again for the rest: "
                      "the records stored already are skipped");
  }
  return summary.bad_rows == 0 ? ExitCode::kSuccess : ExitCode::kPartial;
}

}  // namespace

void SetupImportPurviewCommand(CLI::App& import, GlobalFlags& flags, CommandAction& action) {
  AddImportKind(import, flags, action, "purview",
                "Load an audit log export of Microsoft Purview (CSV with an AuditData column) "
                "to backfill history older than the APIs return; records already stored are "
                "skipped",
                "The CSV file Purview exported", ImportPurview);
}

}  // namespace auditsync
