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
#include <string>
#include <string_view>
#include <vector>

#include "record/audit_record.hpp"

namespace simdjson {
class padded_string_view;
}  // namespace simdjson

namespace auditsync {

// What became of a record handed to RecordParser::ParseManagementRecord.
enum class RecordFate {
  kKept,            // appended to the page's records
  kQuarantined,     // appended to the page's quarantined records, with the reason
  kOtherOperation,  // a readable record of an operation not wanted: neither
};

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
  RecordFate ParseManagementRecord(std::string_view record, RecordPage& page);
  // The same for a reader that keeps only `operations` (compared as written): a record whose
  // Operation is another one is dropped before any other check (kOtherOperation), so that a
  // record of another workload is never quarantined for lacking what a Power Apps record has.
  // The Management Activity API's BlobReader and the Purview export reader both use it.
  RecordFate ParseManagementRecord(std::string_view record,
                                   const std::vector<std::string>& operations, RecordPage& page);

 private:
  std::optional<RecordPage> ParsePadded(simdjson::padded_string_view padded);
  struct Parsers;
  std::unique_ptr<Parsers> parsers_;
};

// "/providers/Microsoft.PowerApps/apps/6C39E97C-..." -> "6c39e97c-...".
std::string NormalizeAppId(std::string_view value);

}  // namespace auditsync
