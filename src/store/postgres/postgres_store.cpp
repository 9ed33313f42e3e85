#include "store/postgres/postgres_store.hpp"

#include <random>
#include <thread>

#include "core/error.hpp"
#include "core/guid.hpp"
#include "core/log.hpp"
#include "store/launch_groups.hpp"
#include "store/page_facts.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_schema.hpp"
#include "store/postgres/pg_usage_source.hpp"
#include "store/window_rows.hpp"

namespace auditsync {
namespace {

using postgres::Bytes;
using postgres::Connection;
using postgres::Int;
using postgres::OptionalInt;
using postgres::OptionalText;
using postgres::Result;
using postgres::Text;
using postgres::Transaction;

int64_t Seconds(Instant instant) { return instant.time_since_epoch().count(); }
Instant FromSeconds(int64_t seconds) { return Instant(std::chrono::seconds(seconds)); }
std::optional<int64_t> OptionalSeconds(const std::optional<Instant>& instant) {
  return instant ? std::optional(Seconds(*instant)) : std::nullopt;
}

constexpr int64_t kHour = 3600;

// pg_advisory_xact_lock key held while the schema is checked and migrated: two processes starting
// at once never both create or migrate it. ("auditsch" in ASCII.)
constexpr int64_t kMigrationLock = 0x6175646974736368;

// How many times a page's transaction runs when it loses a conflict with another process's.
constexpr int kCommitAttempts = 5;

// A few random bits, so that two processes that deadlocked do not retry in step.
unsigned Jitter() {
  thread_local std::minstd_rand random(std::random_device{}());
  return static_cast<unsigned>(random());
}

// pg_advisory_xact_lock key held while a query submission is counted against the tenant-wide
// limits, so that two processes reserving at once see each other ("auditsub" in ASCII).
constexpr int64_t kSubmissionLock = 0x6175646974737562;

SyncWindow ReadWindow(const Result& rows, int row) {
  SyncWindow window;
  window.id = rows.Int(row, 0);
  window.start = FromSeconds(rows.Int(row, 1));
  window.end = FromSeconds(rows.Int(row, 2));
  window.state = ParseWindowState(rows.Text(row, 3)).value_or(WindowState::kPending);
  window.query_id = rows.Text(row, 4);
  window.query_name = rows.Text(row, 5);
  window.next_link = rows.Text(row, 6);
  window.record_count = rows.Int(row, 7);
  window.quarantined_count = rows.Int(row, 8);
  window.attempts = static_cast<int>(rows.Int(row, 9));
  window.last_error = rows.Text(row, 10);
  window.last_request_id = rows.Text(row, 11);
  window.kind = ParseScanKind(rows.Text(row, 12)).value_or(ScanKind::kInitial);
  window.parent_id = rows.Int(row, 13);
  window.root_id = rows.Int(row, 14);
  window.planned_at = FromSeconds(rows.Int(row, 15));
  if (!rows.IsNull(row, 16)) window.scanned_at = FromSeconds(rows.Int(row, 16));
  window.failures = static_cast<int>(rows.Int(row, 17));
  if (!rows.IsNull(row, 18)) window.retry_at = FromSeconds(rows.Int(row, 18));
  window.lease_owner = rows.Text(row, 19);
  if (!rows.IsNull(row, 20)) window.lease_expires = FromSeconds(rows.Int(row, 20));
  return window;
}

std::vector<CoveredHour> ReadCoverage(const Result& rows) {
  std::vector<CoveredHour> hours;
  hours.reserve(static_cast<size_t>(rows.Rows()));
  for (int row = 0; row < rows.Rows(); ++row) {
    hours.push_back({FromSeconds(rows.Int(row, 0)), FromSeconds(rows.Int(row, 1))});
  }
  return hours;
}

// The staging tables of a page, one set per connection, emptied by each commit.
constexpr std::string_view kStagingTables = R"sql(
CREATE TEMP TABLE page_records (
  ord              integer NOT NULL,
  record_id        text COLLATE "C" NOT NULL,
  record_key       bytea NOT NULL,
  created_at       bigint NOT NULL,
  operation        text NOT NULL,
  record_type      integer NOT NULL,
  workload         text,
  app_id           text COLLATE "C" NOT NULL,
  app_name         text,
  environment_id   text,
  environment_name text,
  user_upn         text COLLATE "C" NOT NULL,
  raw              text NOT NULL
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE page_apps (
  app_id                text COLLATE "C" NOT NULL,
  display_name          text,
  name_seen_at          bigint,
  environment_id        text COLLATE "C",
  environment_name      text,
  environment_seen_at   bigint,
  first_seen            bigint NOT NULL,
  last_launched_on      bigint,
  last_launched_by      text COLLATE "C",
  last_launch_record_id text COLLATE "C",
  deleted_on            bigint
) ON COMMIT DELETE ROWS;
)sql";

// The record key (RecordOrder form, store/launch_groups.hpp) of the record id in `column`, as
// the rollups and audit_records hold it: 0x02 and the 16 bytes of a canonical GUID (either case),
// 0x01 and the bytes of any other id. The apps table keeps ids, not keys.
std::string RecordKeyOf(std::string_view column) {
  const std::string id(column);
  return "CASE WHEN " + id +
         " ~ '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$' "
         "THEN '\\x02'::bytea || decode(replace(" +
         id + ", '-', ''), 'hex') ELSE '\\x01'::bytea || convert_to(" + id + ", 'UTF8') END";
}

// The "update data" step: each column changes only for newer evidence, so a late or re-scanned
// record cannot undo what a newer one set (the SQLite store's upsert, in PostgreSQL's words).
// Launches in one second are ordered by record key, as in the rollups, so that the apps table and
// the reports name the same last launch.
std::string UpsertAppsSql() {
  const std::string newer_launch =
      "excluded.last_launched_on IS NOT NULL AND (a.last_launched_on IS NULL OR "
      "(excluded.last_launched_on, " +
      RecordKeyOf("excluded.last_launch_record_id") + ") > (a.last_launched_on, " +
      RecordKeyOf("a.last_launch_record_id") + "))";
  return R"sql(
INSERT INTO apps AS a (app_id, display_name, name_seen_at, environment_id, environment_name,
                       environment_seen_at, first_seen, last_launched_on, last_launched_by,
                       last_launch_record_id, deleted_on)
SELECT app_id, display_name, name_seen_at, environment_id, environment_name, environment_seen_at,
       first_seen, last_launched_on, last_launched_by, last_launch_record_id, deleted_on
FROM page_apps ORDER BY app_id
ON CONFLICT (app_id) DO UPDATE SET
  display_name = CASE WHEN excluded.name_seen_at >= coalesce(a.name_seen_at, excluded.name_seen_at)
                      THEN excluded.display_name ELSE a.display_name END,
  name_seen_at = greatest(a.name_seen_at, excluded.name_seen_at),
  environment_id = CASE WHEN excluded.environment_seen_at >=
                             coalesce(a.environment_seen_at, excluded.environment_seen_at)
                        THEN excluded.environment_id ELSE a.environment_id END,
  environment_name = CASE WHEN excluded.environment_seen_at >=
                               coalesce(a.environment_seen_at, excluded.environment_seen_at)
                          THEN coalesce(excluded.environment_name,
                                        CASE WHEN excluded.environment_id = a.environment_id
                                             THEN a.environment_name END)
                          ELSE a.environment_name END,
  environment_seen_at = greatest(a.environment_seen_at, excluded.environment_seen_at),
  first_seen = least(a.first_seen, excluded.first_seen),
  last_launched_by = CASE WHEN )sql" +
         newer_launch + R"sql( THEN excluded.last_launched_by ELSE a.last_launched_by END,
  last_launch_record_id = CASE WHEN )sql" +
         newer_launch + R"sql( THEN excluded.last_launch_record_id
                                    ELSE a.last_launch_record_id END,
  last_launched_on = greatest(a.last_launched_on, excluded.last_launched_on),
  deleted_on = greatest(a.deleted_on, excluded.deleted_on)
)sql";
}

// New users in the order of their UPNs: processes committing pages at once that name the same
// new users then wait for each other in one order instead of deadlocking.
constexpr std::string_view kInsertUsers = R"sql(
INSERT INTO users (upn)
SELECT DISTINCT user_upn FROM page_records WHERE user_upn <> '' ORDER BY user_upn
ON CONFLICT (upn) DO NOTHING
)sql";

// Adds the launches of the CTE `launches` to a rollup table, grouped by `period` (its column,
// computed from the CTE's column of the same name): counts add up, the first launch is the
// earliest, the last the latest (ties to the greater record key). Rows are written in key order,
// so that processes committing pages at once lock shared rows (a month's) in one order.
std::string RollupUpsert(std::string_view table, std::string_view period) {
  const std::string t(table);
  const std::string p(period);
  return "INSERT INTO " + t + " AS r (" + p +
         ", app_key, user_key, launches, first_at, last_at, last_record)\n"
         "  SELECT " +
         p + R"sql(, app_key, user_key, count(*), min(created_at), max(created_at),
         (array_agg(record_key ORDER BY created_at DESC, record_key DESC))[1]
  FROM launches GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT ()sql" +
         p + R"sql(, app_key, user_key) DO UPDATE SET
    launches = r.launches + excluded.launches,
    first_at = least(r.first_at, excluded.first_at),
    last_record = CASE WHEN (excluded.last_at, excluded.last_record) > (r.last_at, r.last_record)
                       THEN excluded.last_record ELSE r.last_record END,
    last_at = greatest(r.last_at, excluded.last_at))sql";
}

// The records new to the database (ON CONFLICT DO NOTHING on their key; the first copy in the
// page wins) and, from exactly those, their launches added to the day and month rollups. One
// statement: the data-modifying CTEs all run, and the answer is the count stored. Inserted in
// key order, so that two processes storing the same records (a settle scan and a first scan of
// one hour) wait for each other in one order instead of deadlocking.
std::string InsertRecordsSql() {
  return R"sql(
WITH inserted AS (
  INSERT INTO audit_records (record_id, record_key, created_at, operation, record_type, workload,
                             app_id, app_key, app_name, environment_id, environment_name,
                             user_upn, user_key, window_id, stored_at, raw)
  SELECT p.record_id, p.record_key, p.created_at, p.operation, p.record_type, p.workload,
         p.app_id, a.app_key, p.app_name, p.environment_id, p.environment_name, p.user_upn,
         coalesce(u.user_key, 0), $1::bigint, $2::bigint, p.raw
  FROM page_records p JOIN apps a ON a.app_id = p.app_id
  LEFT JOIN users u ON u.upn = p.user_upn AND p.user_upn <> ''
  ORDER BY p.created_at, p.record_key, p.ord
  ON CONFLICT (created_at, record_key) DO NOTHING
  RETURNING created_at, app_key, user_key, record_key, operation
), launches AS (
  SELECT created_at, app_key, user_key, record_key, created_at - created_at % 86400 AS day,
         extract(epoch FROM date_trunc('month', to_timestamp(created_at) AT TIME ZONE 'UTC'))::bigint
           AS month
  FROM inserted WHERE operation = 'LaunchPowerApp'
), days AS (
)sql" + RollupUpsert("launch_days", "day") +
         "\n), months AS (\n" + RollupUpsert("launch_months", "month") +
         "\n)\nSELECT count(*) FROM inserted";
}

}  // namespace

struct PostgresStore::Impl {
  explicit Impl(const postgres::ConnectionTarget& target)
      : db(target), insert_records(InsertRecordsSql()), upsert_apps(UpsertAppsSql()) {
    Migrate(target.schema);
    db.Exec(kStagingTables);
  }

  void Migrate(const std::string& schema) {
    Transaction transaction(db);
    db.Exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")");
    if (!schema.empty()) db.Exec("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"");
    db.Exec("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)");
    const auto current = db.Exec("SELECT max(version) FROM schema_version");
    int version = static_cast<int>(current.Int(0, 0));
    if (version > postgres::kLatestVersion) {
      throw StorageError("database " + db.Shown() + " has schema version " +
                         std::to_string(version) + ", newer than this auditsync (" +
                         std::to_string(postgres::kLatestVersion) +
                         "). Upgrade auditsync; the database was not changed.");
    }
    if (version == postgres::kLatestVersion) return;  // rolled back: nothing was written
    if (version < postgres::kBaseVersion) {
      db.Exec(postgres::kBaseSchema);
      version = postgres::kBaseVersion;
    }
    for (; version < postgres::kLatestVersion; ++version) {
      db.Exec(postgres::kMigrations[static_cast<size_t>(version - postgres::kBaseVersion)]);
    }
    db.Exec("DELETE FROM schema_version");
    db.Exec("INSERT INTO schema_version (version) VALUES ($1)", {Int(version)});
    transaction.Commit();
    spdlog::debug("database {} migrated to schema version {}", db.Shown(), version);
  }

  void Save(const SyncWindow& window) {
    const auto result = db.Exec(
        "UPDATE sync_windows SET state = $2, query_id = $3, query_name = $4, next_link = $5, "
        "record_count = $6, quarantined_count = $7, attempts = $8, last_error = $9, "
        "last_request_id = $10, updated_at = $11, planned_at = $12, scanned_at = $13, "
        "failures = $14, retry_at = $15 WHERE window_id = $1 AND coalesce(lease_owner, '') = $16",
        {Int(window.id), Text(WindowStateName(window.state)), Text(window.query_id),
         Text(window.query_name), Text(window.next_link), Int(window.record_count),
         Int(window.quarantined_count), Int(window.attempts), Text(window.last_error),
         Text(window.last_request_id), Int(Seconds(NowUtc())), Int(Seconds(window.planned_at)),
         OptionalInt(OptionalSeconds(window.scanned_at)), Int(window.failures),
         OptionalInt(OptionalSeconds(window.retry_at)), Text(window.lease_owner)});
    if (result.Affected() == 0) throw store::LostLease(window);
  }

  // Called in the transaction that completes `window`: when it was the last unfinished part of
  // its planned window, every whole hour of the planned window is complete as of its plan time.
  void CompleteWindow(SyncWindow& window) {
    window.scanned_at = window.planned_at;
    // Halves of one planned window may complete in two processes at once: the planned window's
    // row lock makes the second see the first's completion.
    db.Exec("SELECT 1 FROM sync_windows WHERE window_id = $1 FOR UPDATE", {Int(window.root_id)});
    const auto unfinished = db.Exec(
        "SELECT count(*) FROM sync_windows WHERE root_id = $1 AND window_id <> $2 AND state NOT "
        "IN ('complete', 'split')",
        {Int(window.root_id), Int(window.id)});
    if (unfinished.Int(0, 0) > 0) return;
    db.Exec(R"sql(
WITH root AS (
  UPDATE sync_windows SET scanned_at = planned_at WHERE window_id = $1
  RETURNING start_at, end_at, planned_at
)
INSERT INTO coverage (hour_start, scanned_at)
SELECT hour, root.planned_at FROM root,
       generate_series((root.start_at + 3599) / 3600 * 3600, root.end_at - 3600, 3600) AS hour
ON CONFLICT (hour_start) DO UPDATE SET scanned_at = greatest(coverage.scanned_at,
                                                             excluded.scanned_at))sql",
            {Int(window.root_id)});
  }

  // Stores a page's records and quarantined records with the "update data" step and the launch
  // rollups, in the caller's transaction.
  PageOutcome StoreRecords(const RecordPage& page, std::optional<int64_t> window_id) {
    PageOutcome outcome;
    const int64_t now = Seconds(NowUtc());
    const auto& records = page.records;
    if (!records.empty()) {
      postgres::CopyRows rows;
      for (size_t i = 0; i < records.size(); ++i) {
        const auto& record = records[i];
        rows.Row(13)
            .Int4(static_cast<int32_t>(i))
            .Text(record.id)
            .Bytes(store::RecordOrder::Of(record.id, ParseGuid(record.id)).View())
            .Int8(Seconds(record.created))
            .Text(record.operation)
            .Int4(record.record_type)
            .Text(record.workload)
            .Text(record.app_id)
            .Text(record.app_name)
            .Text(record.environment_id)
            .Text(record.environment_name)
            .Text(record.user_upn)
            .Text(record.raw);
      }
      db.CopyIn(
          "COPY page_records (ord, record_id, record_key, created_at, operation, record_type, "
          "workload, app_id, app_name, environment_id, environment_name, user_upn, raw) FROM "
          "STDIN (FORMAT binary)",
          rows.Finish());
      postgres::CopyRows apps;
      for (const auto& [app_id, facts] : store::FoldApps(records)) {
        apps.Row(11)
            .Text(app_id)
            .OptionalText(facts.name)
            .OptionalInt8(facts.name_seen_at)
            .OptionalText(facts.environment_id)
            .OptionalText(facts.environment_name)
            .OptionalInt8(facts.environment_seen_at)
            .Int8(facts.first_seen)
            .OptionalInt8(facts.last_launch);
        if (facts.last_launch) {
          apps.OptionalText(facts.last_launch_by).Text(facts.last_launch_id);
        } else {
          apps.Null().Null();
        }
        apps.OptionalInt8(facts.deleted_on);
      }
      db.CopyIn(
          "COPY page_apps (app_id, display_name, name_seen_at, environment_id, environment_name, "
          "environment_seen_at, first_seen, last_launched_on, last_launched_by, "
          "last_launch_record_id, deleted_on) FROM STDIN (FORMAT binary)",
          apps.Finish());
      db.Exec(upsert_apps);
      db.Exec(kInsertUsers);
      outcome.inserted = db.Exec(insert_records, {OptionalInt(window_id), Int(now)}).Int(0, 0);
      outcome.duplicates = static_cast<int64_t>(records.size()) - outcome.inserted;
    }
    for (const auto& bad : page.quarantined) {
      outcome.quarantined +=
          db.Exec(
                "INSERT INTO quarantine (fingerprint, record_id, reason, window_id, stored_at, "
                "raw) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (fingerprint) DO NOTHING",
                {Text(store::Fingerprint(bad.raw)), Text(bad.record_id), Text(bad.reason),
                 OptionalInt(window_id), Int(now), Text(bad.raw)})
              .Affected();
    }
    return outcome;
  }

  // Stores a page and then runs `checkpoint(outcome)`, which saves where collection stands, in
  // one transaction. Processes committing at once may deadlock (two pages naming the same new
  // users in another order); the server then rolls one back, and its whole transaction runs
  // again (`checkpoint` too: it must change nothing outside the transaction).
  template <typename Checkpoint>
  PageOutcome Commit(const RecordPage& page, std::optional<int64_t> window_id,
                     Checkpoint checkpoint) {
    for (int attempt = 1;; ++attempt) {
      try {
        Transaction transaction(db);
        const auto outcome = StoreRecords(page, window_id);
        checkpoint(outcome);
        transaction.Commit();
        return outcome;
      } catch (const postgres::TransactionConflict& conflict) {
        if (attempt == kCommitAttempts) throw;
        spdlog::debug("{}; committing the page again", conflict.what());
        std::this_thread::sleep_for(std::chrono::milliseconds(5 + Jitter() % (20 * attempt)));
      }
    }
  }

  // The window of `kind` under `parent_id` over [start, end), added as pending if new. A planned
  // window (parent 0) is its own root.
  SyncWindow AddWindow(ScanKind kind, int64_t parent_id, int64_t root_id, Instant start,
                       Instant end, Instant planned_at) {
    db.Exec(R"sql(
INSERT INTO sync_windows (kind, parent_id, root_id, start_at, end_at, state, updated_at, planned_at)
VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)
ON CONFLICT (kind, parent_id, start_at, end_at) DO NOTHING)sql",
            {Text(ScanKindName(kind)), Int(parent_id), Int(root_id), Int(Seconds(start)),
             Int(Seconds(end)), Int(Seconds(NowUtc())), Int(Seconds(planned_at))});
    if (parent_id == 0) db.Exec("UPDATE sync_windows SET root_id = window_id WHERE root_id = 0");
    const auto rows =
        db.Exec("SELECT " + std::string(store::kWindowColumns) +
                    " FROM sync_windows WHERE kind = $1 AND parent_id = $2 AND start_at = $3 AND "
                    "end_at = $4",
                {Text(ScanKindName(kind)), Int(parent_id), Int(Seconds(start)), Int(Seconds(end))});
    return ReadWindow(rows, 0);
  }

  int64_t Count(std::string_view sql) { return db.Exec(sql).Int(0, 0); }

  Connection db;
  const std::string insert_records;
  const std::string upsert_apps;
  std::string installation_id;  // cached: it never changes once made
};

PostgresStore::PostgresStore(const postgres::ConnectionTarget& target)
    : impl_(std::make_unique<Impl>(target)) {}
PostgresStore::~PostgresStore() = default;

std::vector<SyncWindow> PostgresStore::UnfinishedWindows() {
  const auto rows = impl_->db.Exec("SELECT " + std::string(store::kWindowColumns) +
                                   " FROM sync_windows WHERE state IN ('pending', 'queued', "
                                   "'paging', 'failed') ORDER BY start_at, end_at, window_id");
  std::vector<SyncWindow> windows;
  windows.reserve(static_cast<size_t>(rows.Rows()));
  for (int row = 0; row < rows.Rows(); ++row) windows.push_back(ReadWindow(rows, row));
  return windows;
}

int64_t PostgresStore::CountCompleteWindows() {
  return impl_->Count("SELECT count(*) FROM sync_windows WHERE state = 'complete'");
}

std::vector<SyncWindow> PostgresStore::SplitWindow(
    SyncWindow& window, const std::vector<std::pair<Instant, Instant>>& halves) {
  Transaction transaction(impl_->db);
  window.state = WindowState::kSplit;
  impl_->Save(window);
  std::vector<SyncWindow> children;
  children.reserve(halves.size());
  for (const auto& [start, end] : halves) {
    children.push_back(
        impl_->AddWindow(window.kind, window.id, window.root_id, start, end, window.planned_at));
  }
  // The halves are the window's own work: its lease covers them.
  impl_->db.Exec(
      "UPDATE sync_windows h SET lease_owner = w.lease_owner, lease_expires = w.lease_expires "
      "FROM sync_windows w WHERE w.window_id = $1 AND h.parent_id = $1",
      {Int(window.id)});
  transaction.Commit();
  for (auto& child : children) child.lease_owner = window.lease_owner;
  return children;
}

SyncWindow PostgresStore::PlanWindow(ScanKind kind, Instant start, Instant end, Instant now) {
  Transaction transaction(impl_->db);
  auto window = impl_->AddWindow(kind, 0, 0, start, end, now);
  transaction.Commit();
  return window;
}

bool PostgresStore::RestartWindow(SyncWindow& window, Instant now) {
  Transaction transaction(impl_->db);
  const auto unfinished = impl_->db.Exec(
      "SELECT count(*) FROM sync_windows WHERE root_id = $1 AND state NOT IN ('complete', "
      "'split')",
      {Int(window.id)});
  if (unfinished.Int(0, 0) > 0) return false;
  impl_->db.Exec("DELETE FROM sync_windows WHERE root_id = $1 AND window_id <> $1",
                 {Int(window.id)});
  BeginNewScan(window, now);
  impl_->Save(window);
  impl_->db.Exec(
      "UPDATE sync_windows SET lease_owner = NULL, lease_expires = NULL WHERE window_id = $1",
      {Int(window.id)});
  transaction.Commit();
  window.lease_owner.clear();
  return true;
}

void PostgresStore::SaveWindow(const SyncWindow& window) { impl_->Save(window); }

std::string PostgresStore::InstallationId() {
  if (!impl_->installation_id.empty()) return impl_->installation_id;
  const auto rows = impl_->db.Exec("SELECT value FROM meta WHERE key = 'installation_id'");
  if (rows.Rows() > 0) return impl_->installation_id = rows.Text(0, 0);
  std::random_device random;
  char id[17];
  std::snprintf(id, sizeof id, "%08x%08x", random(), random());
  impl_->db.Exec(
      "INSERT INTO meta (key, value) VALUES ('installation_id', $1) ON CONFLICT (key) DO NOTHING",
      {Text(id)});
  return InstallationId();  // the stored one, should another process have won the race
}

std::optional<Instant> PostgresStore::Frontier() {
  const auto rows = impl_->db.Exec("SELECT max(end_at) FROM sync_windows WHERE kind = 'initial'");
  if (rows.IsNull(0, 0)) return std::nullopt;
  return FromSeconds(rows.Int(0, 0));
}

PageOutcome PostgresStore::CommitPage(SyncWindow& window, const RecordPage& page) {
  SyncWindow committed;
  const auto outcome = impl_->Commit(page, window.id, [&](const PageOutcome& stored) {
    committed = window;  // afresh for each attempt
    committed.record_count += stored.inserted;
    committed.quarantined_count += stored.quarantined;
    if (committed.state == WindowState::kComplete) impl_->CompleteWindow(committed);
    impl_->Save(committed);
  });
  window = std::move(committed);
  return outcome;
}

PageOutcome PostgresStore::CommitBlobs(const RecordPage& page, const std::vector<StoredBlob>& blobs,
                                       std::optional<Instant> cursor) {
  return impl_->Commit(page, std::nullopt, [&](const PageOutcome&) {
    const int64_t now = Seconds(NowUtc());
    for (const auto& blob : blobs) {
      impl_->db.Exec(R"sql(
INSERT INTO content_blobs (content_id, content_created, state, records, stored_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (content_id) DO UPDATE SET state = excluded.state, records = excluded.records,
                                       stored_at = excluded.stored_at)sql",
                     {Text(blob.content_id), Int(Seconds(blob.content_created)),
                      Text(blob.expired ? "expired" : "stored"), Int(blob.records), Int(now)});
    }
    if (!cursor) return;
    impl_->db.Exec(
        "INSERT INTO meta (key, value) VALUES ('content_cursor', $1) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        {Int(Seconds(*cursor))});
    // Blobs older than the API lists (7 days) cannot come back in a listing: forgotten a day
    // after that.
    impl_->db.Exec("DELETE FROM content_blobs WHERE content_created < $1",
                   {Int(Seconds(*cursor - std::chrono::days(8)))});
  });
}

PageOutcome PostgresStore::CommitImported(const RecordPage& page) {
  return impl_->Commit(page, std::nullopt, [](const PageOutcome&) {});
}

std::optional<Instant> PostgresStore::ContentCursor() {
  const auto rows = impl_->db.Exec("SELECT value FROM meta WHERE key = 'content_cursor'");
  if (rows.Rows() == 0) return std::nullopt;
  return FromSeconds(rows.Int(0, 0));
}

std::unordered_set<std::string> PostgresStore::BlobsSince(Instant since) {
  const auto rows = impl_->db.Exec(
      "SELECT content_id FROM content_blobs WHERE content_created >= $1", {Int(Seconds(since))});
  std::unordered_set<std::string> ids;
  for (int row = 0; row < rows.Rows(); ++row) ids.emplace(rows.Text(row, 0));
  return ids;
}

void PostgresStore::RecordContentGap(const ContentGap& gap) {
  // A cursor held back (a blob that keeps failing) meets the 7-day limit again at every sync,
  // each time a little later: the gap from that cursor grows, and is kept as one row, found when
  // it was first found (as SqliteStore does).
  Transaction transaction(impl_->db);
  const auto known =
      impl_->db.Exec("SELECT max(end_at), min(found_at) FROM content_gaps WHERE start_at = $1",
                     {Int(Seconds(gap.start))});
  int64_t end = Seconds(gap.end);
  int64_t found_at = Seconds(gap.found_at);
  if (known.Rows() > 0 && !known.IsNull(0, 0)) {
    end = std::max(end, known.Int(0, 0));
    found_at = std::min(found_at, known.Int(0, 1));
  }
  impl_->db.Exec("DELETE FROM content_gaps WHERE start_at = $1", {Int(Seconds(gap.start))});
  impl_->db.Exec("INSERT INTO content_gaps (start_at, end_at, found_at) VALUES ($1, $2, $3)",
                 {Int(Seconds(gap.start)), Int(end), Int(found_at)});
  transaction.Commit();
}

std::vector<ContentGap> PostgresStore::ContentGaps() {
  const auto rows =
      impl_->db.Exec("SELECT start_at, end_at, found_at FROM content_gaps ORDER BY start_at");
  std::vector<ContentGap> gaps;
  gaps.reserve(static_cast<size_t>(rows.Rows()));
  for (int row = 0; row < rows.Rows(); ++row) {
    gaps.push_back({FromSeconds(rows.Int(row, 0)), FromSeconds(rows.Int(row, 1)),
                    FromSeconds(rows.Int(row, 2))});
  }
  return gaps;
}

ContentTally PostgresStore::CountBlobs() {
  const auto rows = impl_->db.Exec(
      "SELECT count(*) FILTER (WHERE state = 'stored'), count(*) FILTER (WHERE state = "
      "'expired'), coalesce(sum(records), 0), max(content_created) FROM content_blobs");
  ContentTally tally;
  tally.stored = rows.Int(0, 0);
  tally.expired = rows.Int(0, 1);
  tally.records_read = rows.Int(0, 2);
  if (!rows.IsNull(0, 3)) tally.newest = FromSeconds(rows.Int(0, 3));
  return tally;
}

namespace {

// Runs a report in one REPEATABLE READ snapshot, so that the rollups and the records it reads
// agree whatever commits meanwhile.
template <typename Report>
auto InSnapshot(Connection& db, Report report) {
  const postgres::ReadSnapshot snapshot(db);
  postgres::PgUsageSource source(db);
  return report(source);
}

class PostgresSnapshot final : public UsageStore::Snapshot {
 public:
  explicit PostgresSnapshot(Connection& db) : snapshot_(db) {}

 private:
  postgres::ReadSnapshot snapshot_;
};

}  // namespace

std::unique_ptr<UsageStore::Snapshot> PostgresStore::HoldSnapshot() {
  return std::make_unique<PostgresSnapshot>(impl_->db);
}

std::vector<AppUsage> PostgresStore::QueryAppUsage(const UsageFilter& filter) {
  return InSnapshot(impl_->db, [&](store::UsageSource& source) {
    return store::QueryApps(source, filter, use_rollups_);
  });
}

std::vector<UsagePoint> PostgresStore::QueryUsage(const UsageFilter& filter, UsagePeriod period) {
  return InSnapshot(impl_->db, [&](store::UsageSource& source) {
    return store::QueryUsage(source, filter, period, use_rollups_);
  });
}

std::vector<UserUsage> PostgresStore::QueryUserUsage(const UsageFilter& filter) {
  return InSnapshot(impl_->db, [&](store::UsageSource& source) {
    return store::QueryUsers(source, filter, use_rollups_);
  });
}

UsageSummary PostgresStore::QuerySummary(const UsageFilter& filter) {
  return InSnapshot(impl_->db, [&](store::UsageSource& source) {
    return store::QuerySummary(source, filter, use_rollups_);
  });
}

std::vector<UnusedApp> PostgresStore::QueryUnusedApps(Instant since, const UsageFilter& filter) {
  return postgres::QueryUnused(impl_->db, since, filter);
}

std::vector<CoveredHour> PostgresStore::UnsettledHours(std::chrono::seconds settled_after) {
  return ReadCoverage(impl_->db.Exec(
      "SELECT hour_start, scanned_at FROM coverage WHERE scanned_at < hour_start + $1 ORDER BY "
      "hour_start",
      {Int(kHour + settled_after.count())}));
}

std::vector<CoveredHour> PostgresStore::Coverage(Instant from, Instant to) {
  return ReadCoverage(impl_->db.Exec(
      "SELECT hour_start, scanned_at FROM coverage WHERE hour_start >= $1 AND hour_start < $2 "
      "ORDER BY hour_start",
      {Int(Seconds(from)), Int(Seconds(to))}));
}

int64_t PostgresStore::SubmissionsSince(Instant since) {
  return static_cast<int64_t>(SubmissionTimesSince(since).size());  // a day's: a few hundred
}

std::vector<Instant> PostgresStore::SubmissionTimesSince(Instant since) {
  const auto rows = impl_->db.Exec(
      "SELECT submitted_at FROM query_submissions WHERE submitted_at > $1 ORDER BY submitted_at",
      {Int(Seconds(since))});
  std::vector<Instant> times;
  times.reserve(static_cast<size_t>(rows.Rows()));
  for (int row = 0; row < rows.Rows(); ++row) times.push_back(FromSeconds(rows.Int(row, 0)));
  return times;
}

SubmissionGrant PostgresStore::ReserveSubmission(const SyncWindow& window, Instant at,
                                                 const SubmissionLimits& limits) {
  auto& db = impl_->db;
  Transaction transaction(db);
  db.Exec("SELECT pg_advisory_xact_lock($1)", {Int(kSubmissionLock)});
  const auto submitted = db.Exec("SELECT count(*) FROM query_submissions WHERE submitted_at > $1",
                                 {Int(Seconds(at - std::chrono::hours(24)))});
  if (submitted.Int(0, 0) >= limits.per_day) return SubmissionGrant::kAllocationSpent;
  const auto in_flight = db.Exec("SELECT count(*) FROM sync_windows WHERE window_id <> $1 AND " +
                                     std::string(store::kWindowQueryInFlight),
                                 {Int(window.id)});
  if (in_flight.Int(0, 0) >= limits.in_flight) return SubmissionGrant::kTooManyInFlight;
  db.Exec("INSERT INTO query_submissions (submitted_at, window_id) VALUES ($1, $2)",
          {Int(Seconds(at)), Int(window.id)});
  // Only the last day counts against the allocation; a week is kept for `status`.
  db.Exec("DELETE FROM query_submissions WHERE submitted_at < $1",
          {Int(Seconds(at - std::chrono::days(7)))});
  impl_->Save(window);
  transaction.Commit();
  return SubmissionGrant::kGranted;
}

std::vector<SyncWindow> PostgresStore::LeaseWindows(const LeaseRequest& request) {
  auto& db = impl_->db;
  Transaction transaction(db);
  // SKIP LOCKED: windows another process is leasing at this moment are passed over, not waited
  // for; its lease is seen once it commits.
  const auto rows = db.Exec(
      "SELECT " + std::string(store::kWindowColumns) + " FROM sync_windows WHERE " +
          store::LeasableWindow('$') + " ORDER BY " + std::string(store::kWindowWorkOrder) +
          " LIMIT $5 FOR UPDATE SKIP LOCKED",
      {Text(request.owner), Int(Seconds(request.now)), Text(request.new_queries ? "true" : "false"),
       Text(request.ready_pages ? "true" : "false"), Int(static_cast<int64_t>(request.limit))});
  std::vector<SyncWindow> windows;
  windows.reserve(static_cast<size_t>(rows.Rows()));
  std::string ids = "{";
  for (int row = 0; row < rows.Rows(); ++row) {
    windows.push_back(ReadWindow(rows, row));
    windows.back().lease_owner = request.owner;
    windows.back().lease_expires = request.until;
    ids += (row == 0 ? "" : ",") + std::to_string(windows.back().id);
  }
  ids += "}";
  db.Exec(
      "UPDATE sync_windows SET lease_owner = $1, lease_expires = $2 WHERE window_id = "
      "ANY($3::bigint[])",
      {Text(request.owner), Int(Seconds(request.until)), Text(ids)});
  transaction.Commit();
  return windows;
}

void PostgresStore::RenewLeases(const std::string& owner, Instant until) {
  impl_->db.Exec("UPDATE sync_windows SET lease_expires = $2 WHERE lease_owner = $1",
                 {Text(owner), Int(Seconds(until))});
}

void PostgresStore::ReleaseLease(const SyncWindow& window) {
  impl_->db.Exec(
      "UPDATE sync_windows SET lease_owner = NULL, lease_expires = NULL WHERE window_id = $1 AND "
      "lease_owner = $2",
      {Int(window.id), Text(window.lease_owner)});
}

void PostgresStore::ReleaseLeases(const std::string& owner) {
  impl_->db.Exec(
      "UPDATE sync_windows SET lease_owner = NULL, lease_expires = NULL WHERE lease_owner IS NOT "
      "NULL AND ($1 = '' OR lease_owner = $1)",
      {Text(owner)});
}

std::optional<Instant> PostgresStore::ForeignLeaseExpiry(const std::string& owner, Instant now) {
  const auto rows = impl_->db.Exec(
      "SELECT min(lease_expires) FROM sync_windows WHERE " + std::string(store::kUnfinishedWindow) +
          " AND state <> 'failed' AND lease_owner <> $1 AND lease_expires > $2",
      {Text(owner), Int(Seconds(now))});
  if (rows.IsNull(0, 0)) return std::nullopt;
  return FromSeconds(rows.Int(0, 0));
}

std::vector<std::string> PostgresStore::UsersToEnrich(Instant stale_before, size_t limit) {
  // Never read first, then the least recently read: a sync cut short by the limit (or a stop)
  // leaves the freshest profiles for later.
  const auto rows = impl_->db.Exec(R"sql(
SELECT upn FROM users
WHERE enriched_at IS NULL OR enriched_at < $1
ORDER BY enriched_at IS NOT NULL, enriched_at, user_key
LIMIT $2)sql",
                                   {Int(Seconds(stale_before)), Int(static_cast<int64_t>(limit))});
  std::vector<std::string> upns;
  upns.reserve(static_cast<size_t>(rows.Rows()));
  for (int row = 0; row < rows.Rows(); ++row) upns.emplace_back(rows.Text(row, 0));
  return upns;
}

void PostgresStore::SaveUserProfiles(const std::vector<UserProfile>& profiles, Instant at) {
  // A user the directory no longer knows (deleted since) keeps the profile read before; either
  // way enriched_at moves on, so that the user is not asked again before the profile is stale.
  Transaction transaction(impl_->db);
  for (const auto& profile : profiles) {
    if (profile.found) {
      impl_->db.Exec(
          R"sql(
UPDATE users SET display_name = $2, department = $3, job_title = $4, city = $5, country = $6,
                 user_type = $7, enriched_at = $8
WHERE upn = $1)sql",
          {Text(profile.upn), OptionalText(profile.display_name), OptionalText(profile.department),
           OptionalText(profile.job_title), OptionalText(profile.city),
           OptionalText(profile.country), OptionalText(profile.user_type), Int(Seconds(at))});
    } else {
      impl_->db.Exec("UPDATE users SET enriched_at = $2 WHERE upn = $1",
                     {Text(profile.upn), Int(Seconds(at))});
    }
  }
  transaction.Commit();
}

InventoryOutcome PostgresStore::ImportInventory(const std::vector<InventoryApp>& apps, Instant at) {
  // As in the SQLite store (directory_facts.cpp): a name or an environment only where no record
  // gave one; record-derived facts never touched; owner and creation time from the newest list.
  Transaction transaction(impl_->db);
  const int64_t before = impl_->Count("SELECT count(*) FROM apps");
  std::unordered_set<std::string_view> listed;
  for (const auto& app : apps) {
    impl_->db.Exec(R"sql(
INSERT INTO apps AS a (app_id, display_name, environment_id, environment_name, owner, created_on,
                       inventory_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (app_id) DO UPDATE SET
  display_name = coalesce(a.display_name, excluded.display_name),
  environment_name = CASE WHEN a.environment_id IS NULL OR
                               (a.environment_id = excluded.environment_id AND
                                a.environment_name IS NULL)
                          THEN coalesce(excluded.environment_name, a.environment_name)
                          ELSE a.environment_name END,
  environment_id = coalesce(a.environment_id, excluded.environment_id),
  owner = coalesce(excluded.owner, a.owner),
  created_on = coalesce(excluded.created_on, a.created_on),
  inventory_at = excluded.inventory_at)sql",
                   {Text(app.app_id), OptionalText(app.name), OptionalText(app.environment_id),
                    OptionalText(app.environment_name), OptionalText(app.owner),
                    OptionalInt(OptionalSeconds(app.created)), Int(Seconds(at))});
    listed.insert(app.app_id);
  }
  InventoryOutcome outcome;
  outcome.added = impl_->Count("SELECT count(*) FROM apps") - before;
  outcome.updated = static_cast<int64_t>(listed.size()) - outcome.added;
  transaction.Commit();
  return outcome;
}

int64_t PostgresStore::CountRecords() { return impl_->Count("SELECT count(*) FROM audit_records"); }

int64_t PostgresStore::CountQuarantined() {
  return impl_->Count("SELECT count(*) FROM quarantine");
}

}  // namespace auditsync
