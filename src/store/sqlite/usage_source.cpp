#include "store/sqlite/usage_source.hpp"

#include "store/sqlite/launch_rollup.hpp"

namespace auditsync::sqlite {
namespace {

int64_t Seconds(Instant instant) { return instant.time_since_epoch().count(); }
Instant FromSeconds(int64_t seconds) { return Instant(std::chrono::seconds(seconds)); }

void VisitLaunchRows(Statement& query, const store::LaunchVisitor& visit) {
  store::LaunchGroup group;
  group.launches = 1;
  while (query.Step()) {
    group.start = group.first_at = group.last_at = query.Int(0);
    group.app_key = query.Int(1);
    group.user_key = query.Int(2);
    group.last_record = RecordOrderOf(query, 3).View();
    visit(group);
  }
}

}  // namespace

SqliteUsageSource::SqliteUsageSource(Database& db) : db_(db), rollup_seq_(ReadRollupSeq(db)) {}

void SqliteUsageSource::VisitRecords(Records which, int64_t from, int64_t to,
                                     const store::AppKeys& apps,
                                     const store::LaunchVisitor& visit) {
  // The unfolded records are the short range of `seq` after the rollups: `+created_at` keeps
  // SQLite on it instead of the window's (possibly years of) records by time. The folded ones
  // are read through the identity index on created_at: `+seq` keeps SQLite from walking the
  // whole table by seq instead.
  std::string sql;
  switch (which) {
    case Records::kUnfolded:
      sql = R"sql(
SELECT created_at, app_key, user_key, record_key FROM audit_records
WHERE seq > ?3 AND +created_at >= ?1 AND +created_at < ?2 AND operation = 'LaunchPowerApp')sql";
      break;
    case Records::kFolded:
      sql = R"sql(
SELECT created_at, app_key, user_key, record_key FROM audit_records
WHERE created_at >= ?1 AND created_at < ?2 AND +seq <= ?3 AND operation = 'LaunchPowerApp')sql";
      break;
    case Records::kAll:
      sql = R"sql(
SELECT created_at, app_key, user_key, record_key FROM audit_records
WHERE created_at >= ?1 AND created_at < ?2 AND operation = 'LaunchPowerApp')sql";
      break;
  }
  Statement query(db_, sql + store::AppKeyCondition(apps));
  query.Bind(1, from).Bind(2, to);
  if (which != Records::kAll) query.Bind(3, rollup_seq_);
  VisitLaunchRows(query, visit);
}

void SqliteUsageSource::VisitRollup(store::LaunchGrain grain, int64_t from, int64_t to,
                                    const store::AppKeys& apps, store::LaunchDetail detail,
                                    const store::LaunchVisitor& visit) {
  const bool latest = detail == store::LaunchDetail::kWithLatest;
  Statement query(db_, store::RollupSql(grain, detail, apps, "?1", "?2"));
  query.Bind(1, from).Bind(2, to);
  store::LaunchGroup group;
  while (query.Step()) {
    group.start = query.Int(0);
    group.app_key = query.Int(1);
    group.user_key = query.Int(2);
    group.launches = query.Int(3);
    if (latest) {
      group.first_at = query.Int(4);
      group.last_at = query.Int(5);
      group.last_record.assign(query.Bytes(6));
    }
    visit(group);
  }
}

void SqliteUsageSource::VisitApps(const std::function<void(int64_t, store::AppRow)>& visit) {
  Statement query(db_, R"sql(
SELECT app_key, app_id, display_name, environment_id, environment_name,
       last_launched_on IS NULL AND inventory_at IS NOT NULL AND deleted_on IS NULL
FROM apps)sql");
  while (query.Step()) {
    visit(query.Int(0), {query.Text(1), query.OptionalText(2), query.OptionalText(3),
                         query.OptionalText(4), query.Int(5) != 0});
  }
}

store::UserRow SqliteUsageSource::User(int64_t user_key) {
  if (!users_read_) {
    Statement query(db_, R"sql(
SELECT user_key, upn, display_name, department, job_title, city, country, user_type
FROM users)sql");
    while (query.Step()) {
      users_.emplace(query.Int(0),
                     store::UserRow{query.Text(1), query.OptionalText(2), query.OptionalText(3),
                                    query.OptionalText(4), query.OptionalText(5),
                                    query.OptionalText(6), query.OptionalText(7)});
    }
    users_read_ = true;
  }
  const auto it = users_.find(user_key);
  return it == users_.end() ? store::UserRow{} : it->second;
}

std::vector<UnusedApp> QueryUnused(Database& db, Instant since, const UsageFilter& filter) {
  Statement query(db, R"sql(
SELECT app_id, display_name, environment_id, environment_name, last_launched_on,
       nullif(last_launched_by, '')  -- '': no user, as stored before NULL was
FROM apps
WHERE (deleted_on IS NULL OR deleted_on < last_launched_on)
  AND (last_launched_on IS NULL OR last_launched_on < ?1)
  AND (?2 IS NULL OR app_id = ?2) AND (?3 IS NULL OR environment_id = ?3)
ORDER BY last_launched_on IS NOT NULL, last_launched_on, app_id)sql");
  query.Bind(1, Seconds(since))
      .BindOptional(2, filter.app_id)
      .BindOptional(3, filter.environment_id);
  std::vector<UnusedApp> rows;
  while (query.Step()) {
    rows.push_back({.app_id = query.Text(0),
                    .app_name = query.OptionalText(1),
                    .environment_id = query.OptionalText(2),
                    .environment_name = query.OptionalText(3),
                    .last_launched_on =
                        query.IsNull(4) ? std::nullopt : std::optional(FromSeconds(query.Int(4))),
                    .last_launched_by = query.OptionalText(5)});
  }
  return rows;
}

}  // namespace auditsync::sqlite
