// What a page of records says beyond the records themselves, the same for every backend: the
// "update data" facts per app (folded in memory, then upserted so that no column moves
// backwards), and the fingerprint that deduplicates quarantined records. Private to the store
// module.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "record/audit_record.hpp"

namespace auditsync::store {

// What one page says about each app: folded in memory, then one upsert per app. Times are Unix
// seconds; each fact comes from the newest record that carries it.
struct AppFacts {
  std::optional<std::string> name;
  std::optional<int64_t> name_seen_at;
  std::optional<std::string> environment_id;
  std::optional<std::string> environment_name;
  std::optional<int64_t> environment_seen_at;
  int64_t first_seen = INT64_MAX;
  std::optional<int64_t> last_launch;
  std::string last_launch_id;
  std::string last_launch_key;  // RecordOrder form: launches at one second are ordered by it
  std::optional<std::string> last_launch_by;  // nullopt: the launch named no user
  std::optional<int64_t> deleted_on;
};

std::map<std::string, AppFacts> FoldApps(const std::vector<AuditRecord>& records);

// A 64-bit FNV-1a-style hash of `text` (its offset basis is the one stored fingerprints were made
// with, so it stays).
uint64_t Hash64(std::string_view text);

// Hash64 of a quarantined record's raw text, in hex: one row per distinct record.
std::string Fingerprint(std::string_view text);

}  // namespace auditsync::store
