// The usage reports' view of a SQLite database (store/usage_queries.hpp): the records up to
// meta 'rollup_seq' are folded into the rollups, those after it are not. Used inside the
// caller's ReadSnapshot, so that the rollups and the records agree. Private to the store module.
#pragma once

#include <unordered_map>

#include <vector>

#include "store/sqlite/sqlite_db.hpp"
#include "store/usage_queries.hpp"

namespace auditsync::sqlite {

class SqliteUsageSource final : public store::UsageSource {
 public:
  explicit SqliteUsageSource(Database& db);

  void VisitRecords(Records which, int64_t from, int64_t to, const store::AppKeys& apps,
                    const store::LaunchVisitor& visit) override;
  void VisitRollup(store::LaunchGrain grain, int64_t from, int64_t to, const store::AppKeys& apps,
                   store::LaunchDetail detail, const store::LaunchVisitor& visit) override;
  bool AnyFolded() override { return rollup_seq_ > 0; }
  void VisitApps(const std::function<void(int64_t, store::AppRow)>& visit) override;
  store::UserRow User(int64_t user_key) override;

 private:
  Database& db_;
  int64_t rollup_seq_;
  std::unordered_map<int64_t, store::UserRow> users_;  // read on first use
  bool users_read_ = false;
};

// Apps not deleted (or launched again after their deletion: restored) whose last launch (ever) is
// before `since`, or that were never launched; of the filter's app or environment only, when it
// names one.
std::vector<UnusedApp> QueryUnused(Database& db, Instant since, const UsageFilter& filter);

}  // namespace auditsync::sqlite
