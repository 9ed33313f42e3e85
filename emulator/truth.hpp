// Ground truth: what a correct client must report for a window, computed from the generator's
// own model (canonical ids and names), never by parsing the JSON the server renders.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "query.hpp"
#include "tenant.hpp"

namespace emulator {

struct AppTruth {
  std::string app_id;  // lowercase GUID
  std::string app_name;
  std::string environment_id;  // lowercase GUID
  std::string environment_name;
  std::uint64_t launches = 0;      // distinct valid LaunchPowerApp record ids
  std::uint64_t unique_users = 0;  // distinct lowercased UPNs
  std::int64_t last_launched_on = 0;
  std::string last_launched_by;  // lowercased UPN
  std::string last_record_id;    // tie-break for equal times: the greater record id wins
};

// Apps with at least one valid launch in [from, to) that the snapshot sees (a duplicated launch
// when either copy is seen), sorted by launches descending, then app id ascending.
std::vector<AppTruth> ComputeTruth(const Tenant& tenant, std::int64_t from, std::int64_t to,
                                   const Snapshot& snapshot);
nlohmann::json TruthToJson(const std::vector<AppTruth>& apps);

// Distinct records the snapshot sees (either copy of a duplicate), by kind; a duplicate
// delivery is a record whose two copies are both seen.
struct TruthSummary {
  std::uint64_t launch_records = 0;
  std::uint64_t delete_records = 0;
  std::uint64_t duplicate_deliveries = 0;
  std::uint64_t malformed_records = 0;
  std::uint64_t noise_records = 0;
  // Everything a query with operationFilters [LaunchPowerApp, DeletePowerApp] serves.
  std::uint64_t total_served = 0;
};

TruthSummary ComputeSummary(const Tenant& tenant, std::int64_t from, std::int64_t to,
                            const Snapshot& snapshot);
nlohmann::json SummaryToJson(const TruthSummary& summary);

// The Management Activity API's Audit.General content of the hours starting in [from, to): the
// blobs, and the records they hold (every workload, second copies included).
struct ContentSummary {
  std::uint64_t blobs = 0;
  std::uint64_t records = 0;
};
ContentSummary ComputeContentSummary(const Tenant& tenant, std::int64_t from, std::int64_t to);
nlohmann::json ContentSummaryToJson(const ContentSummary& summary);

}  // namespace emulator
