// The usage reports' view of a PostgreSQL database (store/usage_queries.hpp). Every stored record
// is folded (the rollups are written with each page), so whole days and months come from the
// rollups and only partial days from the records. Used inside a REPEATABLE READ transaction, so
// that the rollups and the records agree. Private to the store module.
#pragma once

#include <unordered_map>
#include <vector>

#include "store/postgres/pg_connection.hpp"
#include "store/usage_queries.hpp"

namespace auditsync::postgres {

class PgUsageSource final : public store::UsageSource {
 public:
  explicit PgUsageSource(Connection& connection) : connection_(connection) {}

  void VisitRecords(Records which, int64_t from, int64_t to, const store::AppKeys& apps,
                    const store::LaunchVisitor& visit) override;
  void VisitRollup(store::LaunchGrain grain, int64_t from, int64_t to, const store::AppKeys& apps,
                   store::LaunchDetail detail, const store::LaunchVisitor& visit) override;
  bool AnyFolded() override { return true; }
  void VisitApps(const std::function<void(int64_t, store::AppRow)>& visit) override;
  store::UserRow User(int64_t user_key) override;

 private:
  Connection& connection_;
  // Read at the first User(): one query instead of one per row of a report.
  std::unordered_map<int64_t, store::UserRow> users_;
  bool users_read_ = false;
};

// Apps not deleted (or launched again after their deletion: restored) whose last launch (ever) is
// before `since`, or that were never launched; of the filter's app or environment only, when it
// names one.
std::vector<UnusedApp> QueryUnused(Connection& connection, Instant since,
                                   const UsageFilter& filter);

}  // namespace auditsync::postgres
