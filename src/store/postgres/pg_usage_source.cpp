#include "store/postgres/pg_usage_source.hpp"

namespace auditsync::postgres {
namespace {

int64_t Seconds(Instant instant) { return instant.time_since_epoch().count(); }

}  // namespace

void PgUsageSource::VisitRecords(Records which, int64_t from, int64_t to,
                                 const store::AppKeys& apps, const store::LaunchVisitor& visit) {
  if (which == Records::kUnfolded) return;  // none: see the class comment
  const auto rows = connection_.Exec(R"sql(
SELECT created_at, app_key, user_key, record_key FROM audit_records
WHERE created_at >= $1 AND created_at < $2 AND operation = 'LaunchPowerApp')sql" +
                                         store::AppKeyCondition(apps),
                                     {Int(from), Int(to)});
  store::LaunchGroup group;
  group.launches = 1;
  for (int row = 0; row < rows.Rows(); ++row) {
    group.start = group.first_at = group.last_at = rows.Int(row, 0);
    group.app_key = rows.Int(row, 1);
    group.user_key = rows.Int(row, 2);
    group.last_record = rows.Bytes(row, 3);
    visit(group);
  }
}

void PgUsageSource::VisitRollup(store::LaunchGrain grain, int64_t from, int64_t to,
                                const store::AppKeys& apps, store::LaunchDetail detail,
                                const store::LaunchVisitor& visit) {
  const bool latest = detail == store::LaunchDetail::kWithLatest;
  const auto rows =
      connection_.Exec(store::RollupSql(grain, detail, apps, "$1", "$2"), {Int(from), Int(to)});
  store::LaunchGroup group;
  for (int row = 0; row < rows.Rows(); ++row) {
    group.start = rows.Int(row, 0);
    group.app_key = rows.Int(row, 1);
    group.user_key = rows.Int(row, 2);
    group.launches = rows.Int(row, 3);
    if (latest) {
      group.first_at = rows.Int(row, 4);
      group.last_at = rows.Int(row, 5);
      group.last_record = rows.Bytes(row, 6);
    }
    visit(group);
  }
}

void PgUsageSource::VisitApps(const std::function<void(int64_t, store::AppRow)>& visit) {
  const auto rows = connection_.Exec(R"sql(
SELECT app_key, app_id, display_name, environment_id, environment_name,
       last_launched_on IS NULL AND inventory_at IS NOT NULL AND deleted_on IS NULL
FROM apps)sql");
  for (int row = 0; row < rows.Rows(); ++row) {
    visit(rows.Int(row, 0),
          {std::string(rows.Text(row, 1)), rows.OptionalText(row, 2), rows.OptionalText(row, 3),
           rows.OptionalText(row, 4), rows.Text(row, 5) == "t"});
  }
}

store::UserRow PgUsageSource::User(int64_t user_key) {
  if (!users_read_) {
    const auto rows = connection_.Exec(
        "SELECT user_key, upn, display_name, department, job_title, city, country, user_type "
        "FROM users");
    for (int row = 0; row < rows.Rows(); ++row) {
      users_.emplace(rows.Int(row, 0),
                     store::UserRow{std::string(rows.Text(row, 1)), rows.OptionalText(row, 2),
                                    rows.OptionalText(row, 3), rows.OptionalText(row, 4),
                                    rows.OptionalText(row, 5), rows.OptionalText(row, 6),
                                    rows.OptionalText(row, 7)});
    }
    users_read_ = true;
  }
  const auto it = users_.find(user_key);
  return it == users_.end() ? store::UserRow{} : it->second;
}

std::vector<UnusedApp> QueryUnused(Connection& connection, Instant since,
                                   const UsageFilter& filter) {
  const auto rows = connection.Exec(
      R"sql(
SELECT app_id, display_name, environment_id, environment_name, last_launched_on,
       nullif(last_launched_by, '')  -- '': no user, as stored before NULL was
FROM apps
WHERE (deleted_on IS NULL OR deleted_on < last_launched_on)
  AND (last_launched_on IS NULL OR last_launched_on < $1)
  AND ($2::text IS NULL OR app_id = $2) AND ($3::text IS NULL OR environment_id = $3)
ORDER BY last_launched_on IS NOT NULL, last_launched_on, app_id)sql",
      {Int(Seconds(since)), OptionalText(filter.app_id), OptionalText(filter.environment_id)});
  std::vector<UnusedApp> apps;
  for (int row = 0; row < rows.Rows(); ++row) {
    const auto last = rows.OptionalInt(row, 4);
    apps.push_back({.app_id = std::string(rows.Text(row, 0)),
                    .app_name = rows.OptionalText(row, 1),
                    .environment_id = rows.OptionalText(row, 2),
                    .environment_name = rows.OptionalText(row, 3),
                    .last_launched_on =
                        last ? std::optional(Instant(std::chrono::seconds(*last))) : std::nullopt,
                    .last_launched_by = rows.OptionalText(row, 5)});
  }
  return apps;
}

}  // namespace auditsync::postgres
