#include "store/page_facts.hpp"

#include <cstdio>

#include "core/guid.hpp"
#include "store/launch_groups.hpp"

namespace auditsync::store {
namespace {

constexpr std::string_view kLaunch = "LaunchPowerApp";
constexpr std::string_view kDelete = "DeletePowerApp";

int64_t Seconds(Instant instant) { return instant.time_since_epoch().count(); }

}  // namespace

uint64_t Hash64(std::string_view text) {
  uint64_t hash = 1469598103934665603ULL;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string Fingerprint(std::string_view text) {
  const uint64_t hash = Hash64(text);
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

std::map<std::string, AppFacts> FoldApps(const std::vector<AuditRecord>& records) {
  std::map<std::string, AppFacts> apps;
  for (const auto& record : records) {
    auto& facts = apps[record.app_id];
    const int64_t at = Seconds(record.created);
    facts.first_seen = std::min(facts.first_seen, at);
    if (!record.app_name.empty() && (!facts.name_seen_at || at >= *facts.name_seen_at)) {
      facts.name = record.app_name;
      facts.name_seen_at = at;
    }
    if (!record.environment_id.empty() &&
        (!facts.environment_seen_at || at >= *facts.environment_seen_at)) {
      // A record without the environment's name keeps the name known for the same environment.
      if (!record.environment_name.empty()) {
        facts.environment_name = record.environment_name;
      } else if (facts.environment_id != record.environment_id) {
        facts.environment_name.reset();
      }
      facts.environment_id = record.environment_id;
      facts.environment_seen_at = at;
    }
    if (record.operation == kLaunch) {
      // The rollups' order (record key, not id text), so that the apps table and the reports
      // name the same last launch.
      const auto key = RecordOrder::Of(record.id, ParseGuid(record.id));
      if (!facts.last_launch ||
          IsLater(at, key.View(), *facts.last_launch, facts.last_launch_key)) {
        facts.last_launch = at;
        facts.last_launch_id = record.id;
        facts.last_launch_key = key.View();
        facts.last_launch_by =
            record.user_upn.empty() ? std::nullopt : std::optional(record.user_upn);
      }
    } else if (record.operation == kDelete && (!facts.deleted_on || at > *facts.deleted_on)) {
      facts.deleted_on = at;
    }
  }
  return apps;
}

}  // namespace auditsync::store
