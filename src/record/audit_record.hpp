// AuditRecord: one Power Apps audit record as auditsync stores it, whichever API delivered it.
#pragma once

#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "record/text_arena.hpp"

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
  // The record's auditData JSON as received: a view into its RecordPage's `texts` (or a literal).
  std::string_view raw;
};

// A record that could not be read: kept with the reason, counted, never silently dropped.
struct QuarantinedRecord {
  std::string record_id;  // empty when even the id was unreadable
  std::string reason;
  std::string raw;  // the whole record as received
};

// Records move between pages only with Append: their `raw` views live in the page's `texts`.
struct RecordPage {
  std::vector<AuditRecord> records;
  TextArena texts;  // what the records' `raw` views point into
  std::vector<QuarantinedRecord> quarantined;
  std::string next_link;  // @odata.nextLink, empty on the last page

  // Moves the records and quarantined records of `other` (and the texts they need) to the end of
  // this page.
  void Append(RecordPage&& other) {
    texts.Adopt(std::move(other.texts));  // first: records here never view a destroyed arena
    records.insert(records.end(), std::make_move_iterator(other.records.begin()),
                   std::make_move_iterator(other.records.end()));
    quarantined.insert(quarantined.end(), std::make_move_iterator(other.quarantined.begin()),
                       std::make_move_iterator(other.quarantined.end()));
    other.records.clear();
    other.quarantined.clear();
  }
};

}  // namespace auditsync
