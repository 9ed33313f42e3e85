// `auditsync import purview`: loads an audit log export of Microsoft Purview into the store, a
// batch of rows per transaction, through the store's one record step (CommitImported), so that
// importing a file twice, or a file that overlaps synced data, changes nothing. No checkpoint
// moves. A stop request is honoured between transactions, everything committed kept.
#pragma once

#include <cstdint>
#include <functional>

#include "source/purview/purview_export.hpp"
#include "store/store.hpp"

namespace auditsync {

struct ExportImportOptions {
  // A transaction holds at most this many records, or this many rows read (most rows of an
  // unfiltered export are other workloads').
  size_t records_per_commit = 4096;
  size_t rows_per_commit = 8192;
};

struct ExportImportHooks {
  std::function<bool()> stop_requested;               // polled between transactions
  std::function<void(const ExportProblem&)> problem;  // each bad row, as it is read
  std::function<void(size_t bytes)> committed;        // bytes of the text read and stored
};

struct ExportImportSummary {
  int64_t rows = 0;              // data rows read, good and bad
  int64_t inserted = 0;          // records new to the database
  int64_t duplicates = 0;        // records stored before (same id), or twice in the file
  int64_t other_operations = 0;  // records of operations not collected, skipped
  int64_t bad_rows = 0;          // rows that could not be read
  int64_t quarantined = 0;       // bad records newly quarantined (not quarantined before)
  bool interrupted = false;      // a stop request ended the import before the end of the file
};

ExportImportSummary ImportPurviewExport(Store& store, PurviewExportReader& reader,
                                        const ExportImportOptions& options,
                                        const ExportImportHooks& hooks);

}  // namespace auditsync
