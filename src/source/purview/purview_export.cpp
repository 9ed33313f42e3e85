#include "source/purview/purview_export.hpp"

#include <algorithm>
#include <array>

#include "core/error.hpp"
#include "core/text.hpp"

namespace auditsync {
namespace {

constexpr std::string_view kExpectedColumns =
    "an AuditData column holding each record's JSON, as Purview's export has (RecordId, "
    "CreationDate, RecordType, Operation, UserId, AuditData; older exports: CreationDate, "
    "UserIds, Operations, AuditData)";

// PowerShell's Export-Csv (without -NoTypeInformation) writes "#TYPE Some.Type.Name" first.
bool IsTypeLine(const CsvRecord& record) {
  return !record.fields.empty() && record.fields[0].starts_with("#TYPE");
}

std::string_view Body(std::string_view text) { return StripUtf8Bom(text); }

// The delimiter of the header line, after a #TYPE line if there is one.
char DelimiterOf(std::string_view body) {
  if (body.starts_with("#TYPE")) {
    const auto end = body.find('\n');
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
  }
  return DetectCsvDelimiter(body);
}

}  // namespace

std::optional<PurviewHeader> DetectPurviewHeader(const std::vector<std::string>& names) {
  std::vector<std::string> normalised(names.size());
  std::transform(names.begin(), names.end(), normalised.begin(), NormaliseCsvHeader);
  const auto index = [&](std::string_view name) -> std::optional<size_t> {
    const auto it = std::find(normalised.begin(), normalised.end(), name);
    if (it == normalised.end()) return std::nullopt;
    return static_cast<size_t>(it - normalised.begin());
  };
  const auto audit_data = index("auditdata");
  if (!audit_data) return std::nullopt;
  PurviewHeader header;
  header.columns = names.size();
  header.audit_data = *audit_data;
  if (index("recordid") && index("operation")) {
    header.kind =
        "newer Purview export (RecordId, CreationDate, RecordType, Operation, UserId, "
        "AuditData)";
  } else if (index("userids") && index("operations")) {
    header.kind = "older Purview export (CreationDate, UserIds, Operations, AuditData)";
  } else {
    header.kind = "export with an AuditData column";
  }
  return header;
}

PurviewExportReader::PurviewExportReader(std::string_view text, const std::string& name,
                                         std::vector<std::string> operations)
    : csv_(Body(text), DelimiterOf(Body(text))),
      skipped_(text.size() - Body(text).size()),
      operations_(std::move(operations)) {
  const auto body = Body(text);
  if (body.starts_with("PK\x03\x04")) {
    throw ConfigError(name + " is a zip file (an Excel workbook?), not CSV. Give the CSV file " +
                      "Purview exported, or save the workbook as \"CSV UTF-8\".");
  }
  if (body.substr(0, 4096).find('\0') != std::string_view::npos) {
    throw ConfigError(name + " is not a UTF-8 text file (UTF-16, or binary). Give the CSV file " +
                      "Purview exported, or save it as \"CSV UTF-8\".");
  }
  std::optional<CsvRecord> first;
  while ((first = csv_.Next()) && (IsBlankCsvRecord(*first) || IsTypeLine(*first))) {
  }
  if (!first) throw ConfigError(name + " is empty. Export the audit log search again.");
  const auto header = first->error.empty() ? DetectPurviewHeader(first->fields) : std::nullopt;
  if (!header) {
    // The line itself is not shown: were it a data row, it would hold personal data.
    throw ConfigError(name + " is not a Purview audit log export: its first line (line " +
                      std::to_string(first->line) + ") has no AuditData column. The import " +
                      "needs " + std::string(kExpectedColumns) + ". Nothing was imported.");
  }
  header_ = *header;
}

ExportBatch PurviewExportReader::Next(size_t max_records, size_t max_rows) {
  ExportBatch batch;
  while (batch.page.records.size() < max_records && static_cast<size_t>(batch.rows) < max_rows) {
    const auto row = csv_.Next();
    if (!row) break;
    if (IsBlankCsvRecord(*row)) continue;
    ReadRow(*row, batch);
  }
  return batch;
}

void PurviewExportReader::ReadRow(const CsvRecord& row, ExportBatch& batch) {
  ++batch.rows;
  const auto problem = [&](std::string reason) {
    batch.problems.push_back({row.line, std::move(reason)});
  };
  if (!row.error.empty()) return problem(row.error);
  if (row.fields.size() != header_.columns) {
    return problem("it has " + std::to_string(row.fields.size()) + " fields, the header " +
                   std::to_string(header_.columns) +
                   " (a delimiter or quote inside a value that is not quoted?)");
  }
  const std::string_view cell = Trim(row.fields[header_.audit_data]);
  if (cell.empty()) return problem("its AuditData is empty");
  switch (parser_.ParseManagementRecord(cell, operations_, batch.page)) {
    case RecordFate::kKept:
      return;
    case RecordFate::kOtherOperation:
      ++batch.other_operations;
      return;
    case RecordFate::kQuarantined: {
      auto& quarantined = batch.page.quarantined.back();
      problem("its AuditData: " + quarantined.reason);
      quarantined.reason += " (line " + std::to_string(row.line) + " of a Purview export)";
      return;
    }
  }
}

}  // namespace auditsync
