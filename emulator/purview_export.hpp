// The synthetic tenant's audit log as Microsoft Purview exports an audit search (CSV), for
// testing `auditsync import purview` against the ground truth: every record of the window that
// the Management Activity API's Audit.General content holds (Power Apps launches and deletions,
// second copies of duplicated records, malformed records, and other workloads' records), newest
// first, one per row, the record's JSON in the AuditData column.
//
// Two header versions: `kNew` (RecordId, CreationDate, RecordType, Operation, UserId, AuditData,
// AssociatedAdminUnits, AssociatedAdminUnitsNames; every field quoted, a UTF-8 byte order mark)
// and `kOld` (CreationDate, UserIds, Operations, AuditData; fields quoted only where needed,
// dates as a US-locale spreadsheet writes them). Both end lines with CRLF and double the quotes
// inside quoted fields; one record in sixteen has its AuditData written over several lines (LF
// inside the quoted field, as a spreadsheet re-save keeps it). `broken_rows` extra rows no
// reader can use are spread through the file: a row with a field missing, an AuditData cut in
// half, an AuditData that is not JSON, text after a closing quote. They repeat no record, so the
// truth of the window is unchanged.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "tenant.hpp"

namespace emulator {

enum class ExportFormat { kNew, kOld };

struct PurviewExportOptions {
  std::int64_t from = 0;  // [from, to), Unix seconds
  std::int64_t to = 0;
  std::int64_t now = 0;  // records created after it do not exist yet
  ExportFormat format = ExportFormat::kNew;
  int broken_rows = 0;
};

// What was written, counted by the writer: what a correct import reports.
struct PurviewExportStats {
  std::uint64_t rows = 0;                   // data rows, broken ones included
  std::uint64_t power_apps_rows = 0;        // valid LaunchPowerApp and DeletePowerApp rows
  std::uint64_t second_copies = 0;          // of those, rows repeating a record of an earlier row
  std::uint64_t other_operations = 0;       // rows of other operations
  std::uint64_t malformed_rows = 0;         // Power Apps records a client must quarantine
  std::vector<std::uint64_t> bad_lines;     // lines of the malformed and broken rows, ascending
  std::vector<std::uint64_t> broken_lines;  // lines of the broken rows alone
};

PurviewExportStats WritePurviewExport(const Tenant& tenant, const PurviewExportOptions& options,
                                      std::ostream& out);
nlohmann::json PurviewExportStatsToJson(const PurviewExportStats& stats);

}  // namespace emulator
