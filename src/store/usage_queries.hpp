// The usage reports (store/usage.hpp) computed over the launch groups of launch_groups.hpp, plus
// the apps and users a backend knows. Private to the store module: each backend's report methods
// call these inside a read snapshot, with a UsageSource over that snapshot.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/launch_groups.hpp"
#include "store/usage.hpp"

namespace auditsync::store {

// An app as the apps table knows it.
struct AppRow {
  std::string app_id;
  std::optional<std::string> name;
  std::optional<std::string> environment_id;
  std::optional<std::string> environment_name;
  bool never_launched_inventory = false;  // listed by an inventory, never launched, not deleted
};

// A user as the users table knows it. Key 0 (launches that named no user) is the empty UPN.
struct UserRow {
  std::string upn;
  std::optional<std::string> display_name;
  std::optional<std::string> department;
  std::optional<std::string> job_title;
  std::optional<std::string> city;
  std::optional<std::string> country;
  std::optional<std::string> user_type;
};

// What the reports read of a backend, besides its launches.
class UsageSource : public LaunchSource {
 public:
  // Every known app (apps number in the thousands, not the millions), with its key.
  virtual void VisitApps(const std::function<void(int64_t app_key, AppRow row)>& visit) = 0;
  // Reads the users table once per source: a report names thousands of users.
  virtual UserRow User(int64_t user_key) = 0;
};

std::vector<AppUsage> QueryApps(UsageSource& source, const UsageFilter& filter, bool use_rollups);
std::vector<UsagePoint> QueryUsage(UsageSource& source, const UsageFilter& filter,
                                   UsagePeriod period, bool use_rollups);
std::vector<UserUsage> QueryUsers(UsageSource& source, const UsageFilter& filter, bool use_rollups);
UsageSummary QuerySummary(UsageSource& source, const UsageFilter& filter, bool use_rollups);

}  // namespace auditsync::store
