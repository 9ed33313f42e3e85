// Reads audit records into AuditRecords: Microsoft Graph audit log record pages (auditLogRecord
// envelope + auditData), and the records of Office 365 Management Activity API content blobs
// (the auditData object alone, no envelope). The same field extraction serves both, for both
// Power Apps shapes:
//   RecordType 256, Workload PowerPlatform: app and environment in PropertyCollection
//     (Name matched case-insensitively), environment id also top-level EnvironmentId;
//   RecordType 45, Workload PowerApps: AppName = app id, EnvironmentName = environment id,
//     AdditionalInfo = a JSON document inside a string (display names).
// A record that cannot be used is returned as a QuarantinedRecord with the reason; it never
// stops the page.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "record/audit_record.hpp"

namespace simdjson {
class padded_string_view;
}  // namespace simdjson

namespace auditsync {

class RecordParser {
 public:
  RecordParser();
  ~RecordParser();
  RecordParser(const RecordParser&) = delete;
  RecordParser& operator=(const RecordParser&) = delete;

  // Parses a `/records` page. Returns nullopt when the page as a whole is not a valid Graph
  // collection (truncated or garbled body), which the caller treats as a failed request.
  // `body` is read in place when its spare capacity holds simdjson's padding (see kBodySlack in
  // net/http.hpp), and copied otherwise.
  std::optional<RecordPage> ParseGraphPage(const std::string& body);

  // Parses one record of a Management Activity API content blob (microsoft-apis.md §5.8-5.9):
  // the record as the unified audit log writes it, what Graph calls auditData. Appends it to
  // `page.records`, or to `page.quarantined` with the reason when it cannot be used (not JSON,
  // no id, no valid CreationTime, no app). `record` need not outlive the call.
  void ParseManagementRecord(std::string_view record, RecordPage& page);

 private:
  std::optional<RecordPage> ParsePadded(simdjson::padded_string_view padded);
  struct Parsers;
  std::unique_ptr<Parsers> parsers_;
};

// "/providers/Microsoft.PowerApps/apps/6C39E97C-..." -> "6c39e97c-...".
std::string NormalizeAppId(std::string_view value);

}  // namespace auditsync
