// The usage reports (store/usage.hpp) computed over the launch groups of launch_rollup.hpp, plus
// the apps table. Private to the store module: SqliteStore's report methods call these inside a
// ReadSnapshot.
#pragma once

#include <vector>

#include "store/sqlite/sqlite_db.hpp"
#include "store/usage.hpp"

namespace auditsync::sqlite {

std::vector<AppUsage> QueryApps(Database& db, const UsageFilter& filter, bool use_rollups);
std::vector<UsagePoint> QueryUsage(Database& db, const UsageFilter& filter, UsagePeriod period,
                                   bool use_rollups);
std::vector<UserUsage> QueryUsers(Database& db, const UsageFilter& filter, bool use_rollups);
UsageSummary QuerySummary(Database& db, const UsageFilter& filter, bool use_rollups);
// Apps not deleted whose last launch (ever) is before `since`, or that were never launched; of
// the filter's app or environment only, when it names one.
std::vector<UnusedApp> QueryUnused(Database& db, Instant since, const UsageFilter& filter);

}  // namespace auditsync::sqlite
