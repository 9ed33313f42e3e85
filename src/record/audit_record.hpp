// AuditRecord: one Power Apps audit record as auditsync stores it, whichever API delivered it.
#pragma once

#include <string>
#include <vector>

#include "core/time.hpp"

namespace auditsync {

struct AuditRecord {
  std::string id;  // the unified audit log record id: the dedupe key
  Instant created{};
  std::string operation;  // LaunchPowerApp, DeletePowerApp, ...
  int record_type = 0;    // auditData.RecordType: 256 (PowerPlatform) or 45 (legacy PowerApps)
  std::string workload;
  std::string app_id;  // lowercase; a path is reduced to its last segment
  std::string app_name;
  std::string environment_id;  // lowercase
  std::string environment_name;
  std::string user_upn;  // lowercase: users are compared case-insensitively
  std::string raw;       // the record's auditData JSON as received
};

// A record that could not be read: kept with the reason, counted, never silently dropped.
struct QuarantinedRecord {
  std::string record_id;  // empty when even the id was unreadable
  std::string reason;
  std::string raw;  // the whole record as received
};

struct RecordPage {
  std::vector<AuditRecord> records;
  std::vector<QuarantinedRecord> quarantined;
  std::string next_link;  // @odata.nextLink, empty on the last page
};

}  // namespace auditsync
