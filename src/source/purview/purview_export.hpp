// Reads an audit log export of Microsoft Purview (Audit search, "Export"), or of
// Search-UnifiedAuditLog | Export-Csv: CSV with one audit record per row, whose AuditData column
// holds the record as the unified audit log writes it (the Management Activity API's shape). The
// columns around it differ between export versions (RecordId, CreationDate, RecordType,
// Operation, UserId, AuditData, AssociatedAdminUnits...; or CreationDate, UserIds, Operations,
// AuditData) and only AuditData is read: each cell goes through the one record parser
// (RecordParser::ParseManagementRecord), so an imported record is the record a sync stores.
//
// The text is read a batch of rows at a time, in place (a mapped file): memory holds one batch.
// A row that cannot be read is a problem with its line and reason (never its content: audit
// records hold personal data); the others are read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv.hpp"
#include "record/record_parser.hpp"

namespace auditsync {

struct PurviewHeader {
  size_t columns = 0;     // fields of the header row
  size_t audit_data = 0;  // the field that holds the record
  // Which export it looks like, for the log: "newer Purview export (RecordId, ..., AuditData)".
  std::string kind;
};

// The header of an export, from the names of the first row's fields (matched case-insensitively,
// ignoring spaces and punctuation); nullopt when none of them is AuditData.
std::optional<PurviewHeader> DetectPurviewHeader(const std::vector<std::string>& names);

// A row that could not be read.
struct ExportProblem {
  size_t line = 0;  // 1-based line of the file where the row starts
  std::string reason;
};

struct ExportBatch {
  // Records of the wanted operations, and the records that could not be used (quarantined as a
  // sync quarantines them, their reason naming the line).
  RecordPage page;
  std::vector<ExportProblem> problems;  // every bad row: unreadable CSV and quarantined records
  int64_t rows = 0;                     // data rows read, good and bad
  int64_t other_operations = 0;         // records of operations not wanted, skipped
};

class PurviewExportReader {
 public:
  // `text` (the whole export; it must outlive the reader) names its file `name` in errors.
  // Reads the header: throws ConfigError when the text is no CSV export with an AuditData column
  // (naming the columns an export has), before anything is read.
  PurviewExportReader(std::string_view text, const std::string& name,
                      std::vector<std::string> operations);

  // The next rows, until `max_records` records are kept or `max_rows` rows read; a batch of no
  // rows means the end.
  ExportBatch Next(size_t max_records, size_t max_rows);
  // Bytes of the text read so far (everything before them may be released).
  size_t Consumed() const { return skipped_ + csv_.Position(); }
  const PurviewHeader& Header() const { return header_; }

 private:
  void ReadRow(const CsvRecord& row, ExportBatch& batch);

  CsvReader csv_;
  size_t skipped_;  // the byte order mark before the CSV
  PurviewHeader header_;
  std::vector<std::string> operations_;
  RecordParser parser_;
};

}  // namespace auditsync
