#include "sync/purview_import.hpp"

namespace auditsync {

ExportImportSummary ImportPurviewExport(Store& store, PurviewExportReader& reader,
                                        const ExportImportOptions& options,
                                        const ExportImportHooks& hooks) {
  ExportImportSummary summary;
  for (;;) {
    if (hooks.stop_requested && hooks.stop_requested()) {
      summary.interrupted = true;
      break;
    }
    auto batch = reader.Next(options.records_per_commit, options.rows_per_commit);
    if (batch.rows == 0) break;
    for (const auto& problem : batch.problems) {
      if (hooks.problem) hooks.problem(problem);
    }
    const auto outcome = store.CommitImported(batch.page);
    summary.rows += batch.rows;
    summary.inserted += outcome.inserted;
    summary.duplicates += outcome.duplicates;
    summary.quarantined += outcome.quarantined;
    summary.other_operations += batch.other_operations;
    summary.bad_rows += static_cast<int64_t>(batch.problems.size());
    if (hooks.committed) hooks.committed(reader.Consumed());
  }
  // The launches left unfolded: reports then read the imported days from the rollups.
  store.FoldLaunches();
  return summary;
}

}  // namespace auditsync
