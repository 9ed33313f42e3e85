#include "truth.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>

#include "content.hpp"
#include "core/time.hpp"
#include "query.hpp"

namespace emulator {
namespace {

constexpr std::int64_t FloorHour(std::int64_t seconds) {
  return seconds >= 0 ? seconds / 3600 : -((-seconds + 3599) / 3600);
}

// Calls `visit(record, both_copies_seen)` for every distinct record (base slots and app
// deletions) created in [from, to) of which the snapshot sees at least one copy.
void ForEachRecord(const Tenant& tenant, std::int64_t from, std::int64_t to,
                   const Snapshot& snapshot, const std::function<void(const Slot&, bool)>& visit) {
  const std::int64_t limit = std::min(to, snapshot.created_by + 1);
  if (limit <= from) return;
  auto consider = [&](const Slot& slot) {
    if (slot.time < from || slot.time >= limit) return;
    const bool first = snapshot.Sees(tenant, slot);
    bool second = false;
    if (slot.duplicated) {
      Slot copy = slot;
      copy.copy = true;
      second = snapshot.Sees(tenant, copy);
    }
    if (first || second) visit(slot, first && second);
  };
  for (std::int64_t hour = FloorHour(from); hour <= FloorHour(limit - 1); ++hour) {
    const std::uint32_t n = tenant.BaseCount(hour);
    for (std::uint32_t i = 0; i < n; ++i) consider(tenant.DecodeBase(hour, i));
    for (const Slot& slot : tenant.AppDeletions(hour)) consider(slot);
  }
}

std::string Iso(std::int64_t seconds) {
  return auditsync::FormatIso8601(auditsync::Instant{std::chrono::seconds{seconds}});
}

}  // namespace

std::vector<AppTruth> ComputeTruth(const Tenant& tenant, std::int64_t from, std::int64_t to,
                                   const Snapshot& snapshot) {
  struct Accumulator {
    AppTruth truth;
    std::set<std::uint32_t> users;  // user indexes: distinct users have distinct lowercase UPNs
    std::uint32_t last_user = 0;
  };
  std::map<std::string, Accumulator> apps;

  ForEachRecord(tenant, from, to, snapshot, [&](const Slot& slot, bool) {
    if (slot.kind != Kind::kLaunch || !slot.IsValid()) return;
    AppInfo app = tenant.AppOf(slot);
    auto [it, inserted] = apps.try_emplace(app.id);
    Accumulator& acc = it->second;
    if (inserted) {
      const Environment& env = tenant.environments()[app.environment];
      acc.truth.app_id = app.id;
      acc.truth.app_name = std::move(app.name);
      acc.truth.environment_id = env.id;
      acc.truth.environment_name = env.name;
    }
    ++acc.truth.launches;
    acc.users.insert(slot.user);
    // Only compute the record id when it can decide the latest launch.
    if (acc.truth.launches == 1 || slot.time >= acc.truth.last_launched_on) {
      std::string id = tenant.RecordId(slot);
      if (acc.truth.launches == 1 || slot.time > acc.truth.last_launched_on ||
          id > acc.truth.last_record_id) {
        acc.truth.last_launched_on = slot.time;
        acc.truth.last_record_id = std::move(id);
        acc.last_user = slot.user;
      }
    }
  });

  std::vector<AppTruth> result;
  result.reserve(apps.size());
  for (auto& [id, acc] : apps) {
    acc.truth.unique_users = acc.users.size();
    acc.truth.last_launched_by = tenant.users()[acc.last_user].upn_lower;
    result.push_back(std::move(acc.truth));
  }
  std::sort(result.begin(), result.end(), [](const AppTruth& a, const AppTruth& b) {
    if (a.launches != b.launches) return a.launches > b.launches;
    return a.app_id < b.app_id;
  });
  return result;
}

nlohmann::json TruthToJson(const std::vector<AppTruth>& apps) {
  nlohmann::json array = nlohmann::json::array();
  for (const AppTruth& app : apps) {
    array.push_back({
        {"app_id", app.app_id},
        {"app_name", app.app_name},
        {"environment_id", app.environment_id},
        {"environment_name", app.environment_name},
        {"launches", app.launches},
        {"unique_users", app.unique_users},
        {"last_launched_on", Iso(app.last_launched_on)},
        {"last_launched_by", app.last_launched_by},
    });
  }
  return array;
}

TruthSummary ComputeSummary(const Tenant& tenant, std::int64_t from, std::int64_t to,
                            const Snapshot& snapshot) {
  TruthSummary summary;
  ForEachRecord(tenant, from, to, snapshot, [&](const Slot& slot, bool both_copies_seen) {
    if (slot.kind == Kind::kNoise) {
      ++summary.noise_records;
    } else if (slot.malformed != Malformed::kNone) {
      ++summary.malformed_records;
    } else if (slot.kind == Kind::kLaunch) {
      ++summary.launch_records;
    } else {
      ++summary.delete_records;
    }
    if (both_copies_seen) ++summary.duplicate_deliveries;
  });
  // Counted by the serving code itself, so that this figure is what `serve` really returns.
  QueryFilters filters;
  filters.start = from;
  filters.end = to;
  filters.operations = {"LaunchPowerApp", "DeletePowerApp"};
  summary.total_served = CountMatches(tenant, filters, snapshot);
  return summary;
}

nlohmann::json SummaryToJson(const TruthSummary& summary) {
  return {
      {"launch_records", summary.launch_records},
      {"delete_records", summary.delete_records},
      {"duplicate_deliveries", summary.duplicate_deliveries},
      {"malformed_records", summary.malformed_records},
      {"noise_records", summary.noise_records},
      {"total_served", summary.total_served},
  };
}

ContentSummary ComputeContentSummary(const Tenant& tenant, std::int64_t from, std::int64_t to) {
  // Counted by the serving code itself, so that the figures are what `serve` really delivers.
  const ContentModel content(tenant);
  ContentSummary summary;
  for (std::int64_t hour = FloorHour(from + 3599); hour * 3600 < to; ++hour) {
    summary.blobs += content.BlobCount(hour);
    summary.records += content.RecordCount(hour);
  }
  return summary;
}

nlohmann::json ContentSummaryToJson(const ContentSummary& summary) {
  return {{"blobs", summary.blobs}, {"records", summary.records}};
}

}  // namespace emulator
