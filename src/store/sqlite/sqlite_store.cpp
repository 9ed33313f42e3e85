#include "store/sqlite/sqlite_store.hpp"

#include <functional>
#include <map>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "core/error.hpp"
#include "core/guid.hpp"
#include "core/log.hpp"
#include "store/page_facts.hpp"
#include "store/sqlite/directory_facts.hpp"
#include "store/sqlite/key_directory.hpp"
#include "store/sqlite/launch_rollup.hpp"
#include "store/sqlite/schema.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/usage_source.hpp"
#include "store/usage_queries.hpp"
#include "store/window_rows.hpp"

namespace auditsync {
namespace {

constexpr std::string_view kLaunch = "LaunchPowerApp";

int64_t Seconds(Instant instant) { return instant.time_since_epoch().count(); }
Instant FromSeconds(int64_t seconds) { return Instant(std::chrono::seconds(seconds)); }
std::optional<int64_t> OptionalSeconds(const std::optional<Instant>& instant) {
  return instant ? std::optional(Seconds(*instant)) : std::nullopt;
}

// A record's dedupe key (schema migration 2): the 16 bytes of its id when the id is a GUID, as
// audit record ids are; otherwise the id's text, which never equals a BLOB.
std::optional<GuidBytes> RecordKeyBytes(std::string_view record_id) { return ParseGuid(record_id); }

// Runs an action at scope exit unless committed: undoes in-memory state that mirrored a
// transaction that did not commit.
class OnRollback {
 public:
  explicit OnRollback(std::function<void()> undo) : undo_(std::move(undo)) {}
  ~OnRollback() {
    if (undo_) undo_();
  }
  OnRollback(const OnRollback&) = delete;
  OnRollback& operator=(const OnRollback&) = delete;
  void Commit() { undo_ = nullptr; }

 private:
  std::function<void()> undo_;
};

void BindRecordKey(sqlite::Statement& statement, int index, std::string_view record_id,
                   const std::optional<GuidBytes>& bytes) {
  if (bytes) {
    statement.BindBlobView(index, bytes->data(), bytes->size());
  } else {
    statement.BindView(index, record_id);
  }
}

// auditsync_record_key(record_id) in SQL, for the migration that introduced the key.
void RecordKeyFunction(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const std::string_view id(text == nullptr ? "" : text,
                            static_cast<size_t>(sqlite3_value_bytes(argv[0])));
  if (const auto bytes = RecordKeyBytes(id)) {
    sqlite3_result_blob(context, bytes->data(), static_cast<int>(bytes->size()), SQLITE_TRANSIENT);
  } else {
    sqlite3_result_text(context, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
  }
}

std::vector<CoveredHour> ReadCoverage(sqlite::Statement& query) {
  std::vector<CoveredHour> hours;
  while (query.Step()) hours.push_back({FromSeconds(query.Int(0)), FromSeconds(query.Int(1))});
  return hours;
}

SyncWindow ReadWindow(const sqlite::Statement& row) {
  SyncWindow window;
  window.id = row.Int(0);
  window.start = FromSeconds(row.Int(1));
  window.end = FromSeconds(row.Int(2));
  window.state = ParseWindowState(row.Text(3)).value_or(WindowState::kPending);
  window.query_id = row.Text(4);
  window.query_name = row.Text(5);
  window.next_link = row.Text(6);
  window.record_count = row.Int(7);
  window.quarantined_count = row.Int(8);
  window.attempts = static_cast<int>(row.Int(9));
  window.last_error = row.Text(10);
  window.last_request_id = row.Text(11);
  window.kind = ParseScanKind(row.Text(12)).value_or(ScanKind::kInitial);
  window.parent_id = row.Int(13);
  window.root_id = row.Int(14);
  window.planned_at = FromSeconds(row.Int(15));
  if (!row.IsNull(16)) window.scanned_at = FromSeconds(row.Int(16));
  window.failures = static_cast<int>(row.Int(17));
  if (!row.IsNull(18)) window.retry_at = FromSeconds(row.Int(18));
  window.lease_owner = row.Text(19);
  if (!row.IsNull(20)) window.lease_expires = FromSeconds(row.Int(20));
  return window;
}

constexpr int64_t kHour = 3600;

// Records are inserted kInsertBatch rows per statement: SQLite's fixed cost per statement
// execution is larger than the cost of one more row.
constexpr size_t kInsertBatch = 50;
constexpr size_t kRecordColumns = 16;

// Launches are folded into the rollups once this many records are unfolded (and when a window
// completes): in batches the rollup rows of a day are rewritten once per batch instead of once
// per page.
constexpr int64_t kFoldBatch = 32768;

}  // namespace

struct SqliteStore::Impl {
  explicit Impl(const std::string& path) : db(path) {
    // 64 KiB pages (the largest): records (about 1.5 KB with their raw auditData) are written with
    // a sixteenth of the system calls of 4 KiB pages; measured 7.1 against 8.2 us CPU per record
    // for 16 KiB. page_size only takes effect on a new database, before WAL.
    db.Execute("PRAGMA page_size=65536");
    db.Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    // Statement journals (a multi-row insert keeps one) stay in memory instead of a temp file.
    db.Execute("PRAGMA temp_store=MEMORY");
    // 32 MiB of page cache: one page of records dirties about 3.5 MiB (table pages and the index
    // leaves of its hour), and SQLite's 2 MiB default spilled it to the WAL mid-transaction,
    // writing pages twice and reading them back (measured: 1M-record ingest 8.7 -> 7.0 us CPU per
    // record). Bounded, so memory stays flat whatever the record count.
    db.Execute("PRAGMA cache_size=-32768");
    if (sqlite3_create_function_v2(db.Handle(), "auditsync_record_key", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, RecordKeyFunction,
                                   nullptr, nullptr, nullptr) != SQLITE_OK) {
      db.Fail("registering auditsync_record_key");
    }
    Migrate();
    insert_quarantine = std::make_unique<sqlite::Statement>(
        db,
        "INSERT INTO quarantine (fingerprint, record_id, reason, window_id, stored_at, raw) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (fingerprint) DO NOTHING");
    // Never moves backwards: each column changes only for newer evidence, so a late or re-scanned
    // record cannot undo what a newer one set. Launches in one second are ordered by record key
    // (TEXT before BLOB, each by its bytes: the RecordOrder of the rollups), so that the apps
    // table and the reports name the same last launch.
    upsert_app = std::make_unique<sqlite::Statement>(db, R"sql(
INSERT INTO apps (app_id, display_name, name_seen_at, environment_id, environment_name,
                  environment_seen_at, first_seen, last_launched_on, last_launched_by,
                  last_launch_record_id, deleted_on)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
ON CONFLICT (app_id) DO UPDATE SET
  display_name = CASE WHEN excluded.name_seen_at >= coalesce(name_seen_at, excluded.name_seen_at)
                      THEN excluded.display_name ELSE display_name END,
  name_seen_at = max(coalesce(name_seen_at, excluded.name_seen_at),
                     coalesce(excluded.name_seen_at, name_seen_at)),
  environment_id = CASE WHEN excluded.environment_seen_at >=
                             coalesce(environment_seen_at, excluded.environment_seen_at)
                        THEN excluded.environment_id ELSE environment_id END,
  environment_name = CASE WHEN excluded.environment_seen_at >=
                               coalesce(environment_seen_at, excluded.environment_seen_at)
                          THEN coalesce(excluded.environment_name,
                                        CASE WHEN excluded.environment_id = environment_id
                                             THEN environment_name END)
                          ELSE environment_name END,
  environment_seen_at = max(coalesce(environment_seen_at, excluded.environment_seen_at),
                            coalesce(excluded.environment_seen_at, environment_seen_at)),
  first_seen = min(coalesce(first_seen, excluded.first_seen), excluded.first_seen),
  last_launched_by = CASE WHEN excluded.last_launched_on IS NOT NULL AND
        (last_launched_on IS NULL OR
         (excluded.last_launched_on, auditsync_record_key(excluded.last_launch_record_id))
           > (last_launched_on, auditsync_record_key(last_launch_record_id)))
      THEN excluded.last_launched_by ELSE last_launched_by END,
  last_launch_record_id = CASE WHEN excluded.last_launched_on IS NOT NULL AND
        (last_launched_on IS NULL OR
         (excluded.last_launched_on, auditsync_record_key(excluded.last_launch_record_id))
           > (last_launched_on, auditsync_record_key(last_launch_record_id)))
      THEN excluded.last_launch_record_id ELSE last_launch_record_id END,
  last_launched_on = max(coalesce(last_launched_on, excluded.last_launched_on),
                         coalesce(excluded.last_launched_on, last_launched_on)),
  deleted_on = max(coalesce(deleted_on, excluded.deleted_on),
                   coalesce(excluded.deleted_on, deleted_on))
)sql");
    users = std::make_unique<sqlite::KeyDirectory>(
        db, "SELECT user_key FROM users WHERE upn = ?1",
        "INSERT INTO users (upn) VALUES (?1) RETURNING user_key");
    apps = std::make_unique<sqlite::KeyDirectory>(db, "SELECT app_key FROM apps WHERE app_id = ?1",
                                                  "");
    save_window = std::make_unique<sqlite::Statement>(
        db,
        "UPDATE sync_windows SET state = ?2, query_id = ?3, query_name = ?4, next_link = ?5, "
        "record_count = ?6, quarantined_count = ?7, attempts = ?8, last_error = ?9, "
        "last_request_id = ?10, updated_at = ?11, planned_at = ?12, scanned_at = ?13, "
        "failures = ?14, retry_at = ?15 WHERE window_id = ?1 AND coalesce(lease_owner, '') = "
        "?16");
  }

  void Migrate() {
    sqlite::Statement version_query(db, "PRAGMA user_version");
    version_query.Step();
    const auto version = static_cast<size_t>(version_query.Int(0));
    version_query.Reset();
    if (version > sqlite::kMigrations.size()) {
      throw StorageError("database " + db.Path() + " has schema version " +
                         std::to_string(version) + ", newer than this auditsync (" +
                         std::to_string(sqlite::kMigrations.size()) +
                         "). Upgrade auditsync; the database was not changed.");
    }
    for (size_t next = version; next < sqlite::kMigrations.size(); ++next) {
      sqlite::Transaction transaction(db);
      db.Execute(sqlite::kMigrations[next]);
      db.Execute("PRAGMA user_version = " + std::to_string(next + 1));
      transaction.Commit();
      spdlog::debug("database {} migrated to schema version {}", db.Path(), next + 1);
    }
  }

  void Save(const SyncWindow& window) {
    save_window->Bind(1, window.id)
        .Bind(2, WindowStateName(window.state))
        .Bind(3, window.query_id)
        .Bind(4, window.query_name)
        .Bind(5, window.next_link)
        .Bind(6, window.record_count)
        .Bind(7, window.quarantined_count)
        .Bind(8, static_cast<int64_t>(window.attempts))
        .Bind(9, window.last_error)
        .Bind(10, window.last_request_id)
        .Bind(11, Seconds(NowUtc()))
        .Bind(12, Seconds(window.planned_at))
        .BindOptional(13, OptionalSeconds(window.scanned_at))
        .Bind(14, static_cast<int64_t>(window.failures))
        .BindOptional(15, OptionalSeconds(window.retry_at))
        .Bind(16, window.lease_owner)
        .Run();
    if (sqlite3_changes(db.Handle()) == 0) throw store::LostLease(window);
  }

  // Called in the transaction that completes `window`: when it was the last unfinished part of
  // its planned window, every whole hour of the planned window is complete as of its plan time.
  void CompleteWindow(SyncWindow& window) {
    window.scanned_at = window.planned_at;
    sqlite::Statement unfinished(db,
                                 "SELECT count(*) FROM sync_windows WHERE root_id = ?1 AND "
                                 "window_id <> ?2 AND state NOT IN ('complete', 'split')");
    unfinished.Bind(1, window.root_id).Bind(2, window.id);
    unfinished.Step();
    if (unfinished.Int(0) > 0) return;
    sqlite::Statement root(db,
                           "UPDATE sync_windows SET scanned_at = planned_at WHERE window_id = ?1 "
                           "RETURNING start_at, end_at, planned_at");
    root.Bind(1, window.root_id);
    if (!root.Step()) return;
    const int64_t start = root.Int(0);
    const int64_t end = root.Int(1);
    const int64_t scanned_at = root.Int(2);
    root.Reset();
    sqlite::Statement cover(db, R"sql(
INSERT INTO coverage (hour_start, scanned_at) VALUES (?1, ?2)
ON CONFLICT (hour_start) DO UPDATE SET scanned_at = max(scanned_at, excluded.scanned_at))sql");
    for (int64_t hour = (start + kHour - 1) / kHour * kHour; hour + kHour <= end; hour += kHour) {
      cover.Bind(1, hour).Bind(2, scanned_at).Run();
    }
  }

  sqlite::Database db;
  std::string installation_id;  // cached: it never changes once made
  // Prepared multi-row inserts, by row count (kInsertBatch, and the sizes of page remainders).
  std::map<size_t, std::unique_ptr<sqlite::Statement>> insert_records;

  sqlite::Statement& InsertRecords(size_t rows) {
    auto& statement = insert_records[rows];
    if (!statement) {
      std::string sql =
          "INSERT OR IGNORE INTO audit_records (record_id, created_at, operation, record_type, "
          "workload, app_id, app_name, environment_id, environment_name, user_upn, window_id, "
          "stored_at, raw, record_key, app_key, user_key) VALUES ";
      for (size_t row = 0; row < rows; ++row) {
        sql += row == 0 ? "(" : ",(";
        for (size_t column = 0; column < kRecordColumns; ++column) sql += column == 0 ? "?" : ",?";
        sql += ")";
      }
      statement = std::make_unique<sqlite::Statement>(db, sql);
    }
    return *statement;
  }
  std::unique_ptr<sqlite::Statement> insert_quarantine;
  std::unique_ptr<sqlite::Statement> upsert_app;
  // Keys of users (by UPN) and apps (by app id); records carry them.
  std::unique_ptr<sqlite::KeyDirectory> users;
  std::unique_ptr<sqlite::KeyDirectory> apps;

  // The launches of the records stored after the rollups' 'rollup_seq': read from the database
  // once (after a restart they are there, not in memory), then kept up to date with each commit.
  // The lock file makes this process the only writer, so memory and database cannot drift apart;
  // should the counts ever disagree, the batch is read again rather than trusted.
  std::optional<sqlite::LaunchBatch> unfolded;
  // Before the batch is read from the database (outside any transaction): a backlog of unfolded
  // records larger than a batch (rollups reset or far behind) is folded chunk by chunk first, so
  // that the batch read stays under kFoldBatch records instead of holding every unfolded launch.
  void CatchUp() {
    if (!unfolded) sqlite::CatchUpRollups(db, kFoldBatch);
  }
  sqlite::LaunchBatch& Unfolded() {
    if (!unfolded || unfolded->Records() != sqlite::UnfoldedRecords(db)) {
      unfolded = sqlite::ReadUnfolded(db);
    }
    return *unfolded;
  }

  // Stores a page's records (50 per INSERT OR IGNORE on the unique key) and quarantined records,
  // and applies the "update data" step to the apps table, in the caller's transaction. The
  // launches of new records go into `launches`; `max_seq` ends as the greatest seq stored.
  PageOutcome StoreRecords(const RecordPage& page, std::optional<int64_t> window_id,
                           sqlite::LaunchBatch& launches, int64_t& max_seq) {
    PageOutcome outcome;
    const int64_t now = Seconds(NowUtc());
    const auto& records = page.records;
    // The apps first: records carry their keys.
    auto& upsert = *upsert_app;
    for (const auto& [app_id, facts] : store::FoldApps(records)) {
      upsert.Bind(1, app_id)
          .BindOptional(2, facts.name)
          .BindOptional(3, facts.name_seen_at)
          .BindOptional(4, facts.environment_id)
          .BindOptional(5, facts.environment_name)
          .BindOptional(6, facts.environment_seen_at)
          .Bind(7, facts.first_seen)
          .BindOptional(8, facts.last_launch)
          .BindOptional(9, facts.last_launch_by)
          .Bind(10, facts.last_launch_id)
          .BindOptional(11, facts.deleted_on);
      if (!facts.last_launch) upsert.BindNull(9).BindNull(10);
      upsert.Run();
    }
    std::vector<std::optional<GuidBytes>> keys(std::min(kInsertBatch, records.size()));
    std::vector<int64_t> app_keys(keys.size());
    std::vector<int64_t> user_keys(keys.size());
    // Records get consecutive seqs after the greatest.
    max_seq = sqlite::MaxSeq(db);
    for (size_t first = 0; first < records.size(); first += kInsertBatch) {
      const size_t rows = std::min(kInsertBatch, records.size() - first);
      auto& insert = InsertRecords(rows);
      for (size_t row = 0; row < rows; ++row) {
        const auto& record = records[first + row];
        const int base = static_cast<int>(row * kRecordColumns);
        keys[row] = RecordKeyBytes(record.id);
        // The page outlives the statement, so its strings are bound without copies.
        insert.BindView(base + 1, record.id)
            .Bind(base + 2, Seconds(record.created))
            .BindView(base + 3, record.operation)
            .Bind(base + 4, static_cast<int64_t>(record.record_type))
            .BindView(base + 5, record.workload)
            .BindView(base + 6, record.app_id)
            .BindView(base + 7, record.app_name)
            .BindView(base + 8, record.environment_id)
            .BindView(base + 9, record.environment_name)
            .BindView(base + 10, record.user_upn)
            .BindOptional(base + 11, window_id)
            .Bind(base + 12, now)
            .BindView(base + 13, record.raw)
            .Bind(base + 15, app_keys[row] = apps->Key(record.app_id))
            .Bind(base + 16,
                  user_keys[row] = record.user_upn.empty() ? 0 : users->Key(record.user_upn));
        BindRecordKey(insert, base + 14, record.id, keys[row]);
      }
      insert.Run();
      // Duplicates within the batch or of stored records are skipped by OR IGNORE (which, unlike
      // ON CONFLICT DO NOTHING, spares a multi-row statement its statement journal); what was new
      // is what the statement changed. OR IGNORE would also skip a NOT NULL violation, but the
      // parser only produces records whose NOT NULL columns are set.
      const auto inserted = static_cast<int64_t>(sqlite3_changes(db.Handle()));
      outcome.inserted += inserted;
      outcome.duplicates += static_cast<int64_t>(rows) - inserted;
      if (inserted == static_cast<int64_t>(rows)) {
        // Every record was new (the usual case): their launches are known without reading back.
        for (size_t row = 0; row < rows; ++row) {
          const auto& record = records[first + row];
          if (record.operation != kLaunch) continue;
          launches.Add(Seconds(record.created), app_keys[row], user_keys[row],
                       store::RecordOrder::Of(record.id, keys[row]).View());
        }
      } else if (inserted > 0) {
        sqlite::AddLaunchesAfter(db, max_seq, launches);
      }
      launches.CountRecords(inserted);
      max_seq += inserted;
    }
    auto& quarantine = *insert_quarantine;
    for (const auto& bad : page.quarantined) {
      quarantine.Bind(1, store::Fingerprint(bad.raw))
          .Bind(2, bad.record_id)
          .Bind(3, bad.reason)
          .BindOptional(4, window_id)
          .Bind(5, now)
          .Bind(6, bad.raw)
          .Run();
      if (sqlite3_changes(db.Handle()) > 0) ++outcome.quarantined;
    }
    return outcome;
  }

  // Stores a page (StoreRecords) and then runs `checkpoint(outcome)`, which saves where
  // collection stands and answers whether to fold the launches into the rollups now, all in one
  // transaction. Launches otherwise wait in memory (`unfolded`) and are folded in batches of
  // kFoldBatch records: a day's rollup rows are then rewritten once per batch, not per page.
  template <typename Checkpoint>
  PageOutcome Commit(const RecordPage& page, std::optional<int64_t> window_id,
                     Checkpoint checkpoint) {
    CatchUp();
    sqlite::Transaction transaction(db);
    // The launches this page adds go straight into the in-memory batch; should the transaction
    // not commit, the batch is dropped and read again from the database when next needed.
    auto& batch = Unfolded();  // before this page's records are added
    OnRollback unfolded_mirrors_database([this] {
      unfolded.reset();
      users->Rollback();
      apps->Rollback();
    });
    int64_t max_seq = 0;
    const auto outcome = StoreRecords(page, window_id, batch, max_seq);
    const bool fold = checkpoint(outcome) || batch.Records() >= kFoldBatch;
    if (fold) sqlite::WriteFold(db, batch, max_seq);
    transaction.Commit();
    unfolded_mirrors_database.Commit();
    users->Commit();
    apps->Commit();
    if (fold) batch.Clear();
    return outcome;
  }

  std::unique_ptr<sqlite::Statement> save_window;

  // The window of `kind` under `parent_id` over [start, end), added as pending if new. A planned
  // window (parent 0) is its own root.
  SyncWindow AddWindow(ScanKind kind, int64_t parent_id, int64_t root_id, Instant start,
                       Instant end, Instant planned_at) {
    sqlite::Statement insert(db, R"sql(
INSERT INTO sync_windows (kind, parent_id, root_id, start_at, end_at, state, updated_at, planned_at)
VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?7)
ON CONFLICT (kind, parent_id, start_at, end_at) DO NOTHING)sql");
    insert.Bind(1, ScanKindName(kind))
        .Bind(2, parent_id)
        .Bind(3, root_id)
        .Bind(4, Seconds(start))
        .Bind(5, Seconds(end))
        .Bind(6, Seconds(NowUtc()))
        .Bind(7, Seconds(planned_at))
        .Run();
    if (parent_id == 0) {
      sqlite::Statement own_root(db,
                                 "UPDATE sync_windows SET root_id = window_id WHERE root_id = 0");
      own_root.Run();
    }
    sqlite::Statement query(db, "SELECT " + std::string(store::kWindowColumns) +
                                    " FROM sync_windows WHERE kind = ?1 AND parent_id = ?2 AND "
                                    "start_at = ?3 AND end_at = ?4");
    query.Bind(1, ScanKindName(kind))
        .Bind(2, parent_id)
        .Bind(3, Seconds(start))
        .Bind(4, Seconds(end));
    query.Step();
    return ReadWindow(query);
  }
};

SqliteStore::SqliteStore(const std::string& path) : impl_(std::make_unique<Impl>(path)) {}
SqliteStore::~SqliteStore() = default;

std::vector<SyncWindow> SqliteStore::UnfinishedWindows() {
  sqlite::Statement query(impl_->db,
                          "SELECT " + std::string(store::kWindowColumns) +
                              " FROM sync_windows WHERE state IN ('pending', 'queued', 'paging', "
                              "'failed') ORDER BY start_at, end_at");
  std::vector<SyncWindow> windows;
  while (query.Step()) windows.push_back(ReadWindow(query));
  return windows;
}

int64_t SqliteStore::CountCompleteWindows() {
  sqlite::Statement query(impl_->db, "SELECT count(*) FROM sync_windows WHERE state = 'complete'");
  query.Step();
  return query.Int(0);
}

std::vector<SyncWindow> SqliteStore::SplitWindow(
    SyncWindow& window, const std::vector<std::pair<Instant, Instant>>& halves) {
  sqlite::Transaction transaction(impl_->db);
  window.state = WindowState::kSplit;
  impl_->Save(window);
  std::vector<SyncWindow> children;
  for (const auto& [start, end] : halves) {
    children.push_back(
        impl_->AddWindow(window.kind, window.id, window.root_id, start, end, window.planned_at));
  }
  // The halves are the window's own work: its lease covers them.
  sqlite::Statement inherit_lease(impl_->db,
                                  "UPDATE sync_windows SET (lease_owner, lease_expires) = "
                                  "(SELECT lease_owner, lease_expires FROM sync_windows WHERE "
                                  "window_id = ?1) WHERE parent_id = ?1");
  inherit_lease.Bind(1, window.id).Run();
  transaction.Commit();
  for (auto& child : children) child.lease_owner = window.lease_owner;
  return children;
}

SyncWindow SqliteStore::PlanWindow(ScanKind kind, Instant start, Instant end, Instant now) {
  sqlite::Transaction transaction(impl_->db);
  auto window = impl_->AddWindow(kind, 0, 0, start, end, now);
  transaction.Commit();
  return window;
}

bool SqliteStore::RestartWindow(SyncWindow& window, Instant now) {
  sqlite::Transaction transaction(impl_->db);
  sqlite::Statement unfinished(impl_->db,
                               "SELECT count(*) FROM sync_windows WHERE root_id = ?1 AND state NOT "
                               "IN ('complete', 'split')");
  unfinished.Bind(1, window.id);
  unfinished.Step();
  if (unfinished.Int(0) > 0) return false;
  unfinished.Reset();
  sqlite::Statement drop(impl_->db,
                         "DELETE FROM sync_windows WHERE root_id = ?1 AND window_id <> ?1");
  drop.Bind(1, window.id).Run();
  BeginNewScan(window, now);
  impl_->Save(window);
  sqlite::Statement unlease(impl_->db,
                            "UPDATE sync_windows SET lease_owner = NULL, lease_expires = NULL "
                            "WHERE window_id = ?1");
  unlease.Bind(1, window.id).Run();
  transaction.Commit();
  window.lease_owner.clear();
  return true;
}

void SqliteStore::SaveWindow(const SyncWindow& window) { impl_->Save(window); }

std::string SqliteStore::InstallationId() {
  if (!impl_->installation_id.empty()) return impl_->installation_id;
  sqlite::Statement query(impl_->db, "SELECT value FROM meta WHERE key = 'installation_id'");
  if (query.Step()) return impl_->installation_id = query.Text(0);
  std::random_device random;
  char id[17];
  std::snprintf(id, sizeof id, "%08x%08x", random(), random());
  sqlite::Statement insert(
      impl_->db, "INSERT OR IGNORE INTO meta (key, value) VALUES ('installation_id', ?1)");
  insert.Bind(1, std::string_view(id)).Run();
  return InstallationId();  // the stored one, should another process have won the race
}

std::optional<Instant> SqliteStore::Frontier() {
  sqlite::Statement query(impl_->db, "SELECT max(end_at) FROM sync_windows WHERE kind = 'initial'");
  query.Step();
  if (query.IsNull(0)) return std::nullopt;
  return FromSeconds(query.Int(0));
}

PageOutcome SqliteStore::CommitPage(SyncWindow& window, const RecordPage& page) {
  return impl_->Commit(page, window.id, [&](const PageOutcome& outcome) {
    window.record_count += outcome.inserted;
    window.quarantined_count += outcome.quarantined;
    const bool complete = window.state == WindowState::kComplete;
    if (complete) impl_->CompleteWindow(window);
    impl_->Save(window);
    // A complete window's launches are folded at once: its days are then read from the rollups.
    return complete;
  });
}

PageOutcome SqliteStore::CommitBlobs(const RecordPage& page, const std::vector<StoredBlob>& blobs,
                                     std::optional<Instant> cursor) {
  return impl_->Commit(page, std::nullopt, [&](const PageOutcome&) {
    const int64_t now = Seconds(NowUtc());
    sqlite::Statement mark(impl_->db, R"sql(
INSERT INTO content_blobs (content_id, content_created, state, records, stored_at)
VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (content_id) DO UPDATE SET state = excluded.state, records = excluded.records,
                                       stored_at = excluded.stored_at)sql");
    for (const auto& blob : blobs) {
      mark.Bind(1, blob.content_id)
          .Bind(2, Seconds(blob.content_created))
          .Bind(3, std::string_view(blob.expired ? "expired" : "stored"))
          .Bind(4, blob.records)
          .Bind(5, now)
          .Run();
    }
    if (!cursor) return false;
    sqlite::Statement save(impl_->db,
                           "INSERT INTO meta (key, value) VALUES ('content_cursor', ?1) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    save.Bind(1, std::to_string(Seconds(*cursor))).Run();
    // Blobs older than the API lists (7 days) cannot come back in a listing: forgotten a day
    // after that.
    sqlite::Statement prune(impl_->db, "DELETE FROM content_blobs WHERE content_created < ?1");
    prune.Bind(1, Seconds(*cursor - std::chrono::days(8))).Run();
    // The cursor moves when a listing window is done: its launches are folded at once.
    return true;
  });
}

PageOutcome SqliteStore::CommitImported(const RecordPage& page) {
  return impl_->Commit(page, std::nullopt, [](const PageOutcome&) { return false; });
}

std::optional<Instant> SqliteStore::ContentCursor() {
  sqlite::Statement query(impl_->db, "SELECT value FROM meta WHERE key = 'content_cursor'");
  if (!query.Step()) return std::nullopt;
  return FromSeconds(std::stoll(query.Text(0)));
}

std::unordered_set<std::string> SqliteStore::BlobsSince(Instant since) {
  sqlite::Statement query(impl_->db,
                          "SELECT content_id FROM content_blobs WHERE content_created >= ?1");
  query.Bind(1, Seconds(since));
  std::unordered_set<std::string> ids;
  while (query.Step()) ids.insert(query.Text(0));
  return ids;
}

void SqliteStore::RecordContentGap(const ContentGap& gap) {
  // A cursor held back (a blob that keeps failing) meets the 7-day limit again at every sync,
  // each time a little later: the gap from that cursor grows, and is kept as one row, found when
  // it was first found. (Rows of one start that older versions kept apart are merged too.)
  sqlite::Transaction transaction(impl_->db);
  int64_t end = Seconds(gap.end);
  int64_t found_at = Seconds(gap.found_at);
  sqlite::Statement known(
      impl_->db, "SELECT max(end_at), min(found_at) FROM content_gaps WHERE start_at = ?1");
  known.Bind(1, Seconds(gap.start));
  if (known.Step() && !known.IsNull(0)) {
    end = std::max(end, known.Int(0));
    found_at = std::min(found_at, known.Int(1));
  }
  sqlite::Statement forget(impl_->db, "DELETE FROM content_gaps WHERE start_at = ?1");
  forget.Bind(1, Seconds(gap.start)).Run();
  sqlite::Statement insert(
      impl_->db, "INSERT INTO content_gaps (start_at, end_at, found_at) VALUES (?1, ?2, ?3)");
  insert.Bind(1, Seconds(gap.start)).Bind(2, end).Bind(3, found_at).Run();
  transaction.Commit();
}

std::vector<ContentGap> SqliteStore::ContentGaps() {
  sqlite::Statement query(impl_->db,
                          "SELECT start_at, end_at, found_at FROM content_gaps ORDER BY start_at");
  std::vector<ContentGap> gaps;
  while (query.Step()) {
    gaps.push_back(
        {FromSeconds(query.Int(0)), FromSeconds(query.Int(1)), FromSeconds(query.Int(2))});
  }
  return gaps;
}

ContentTally SqliteStore::CountBlobs() {
  sqlite::Statement query(impl_->db,
                          "SELECT count(*) FILTER (WHERE state = 'stored'), "
                          "count(*) FILTER (WHERE state = 'expired'), coalesce(sum(records), 0), "
                          "max(content_created) FROM content_blobs");
  query.Step();
  ContentTally tally;
  tally.stored = query.Int(0);
  tally.expired = query.Int(1);
  tally.records_read = query.Int(2);
  if (!query.IsNull(3)) tally.newest = FromSeconds(query.Int(3));
  return tally;
}

void SqliteStore::FoldLaunches() {
  impl_->CatchUp();
  sqlite::Transaction transaction(impl_->db);
  sqlite::WriteFold(impl_->db, impl_->Unfolded(), sqlite::MaxSeq(impl_->db));
  transaction.Commit();
  impl_->Unfolded().Clear();
}

namespace {

class SqliteSnapshot final : public UsageStore::Snapshot {
 public:
  explicit SqliteSnapshot(sqlite::Database& db) : snapshot_(db) {}

 private:
  sqlite::ReadSnapshot snapshot_;
};

}  // namespace

std::unique_ptr<UsageStore::Snapshot> SqliteStore::HoldSnapshot() {
  return std::make_unique<SqliteSnapshot>(impl_->db);
}

std::vector<AppUsage> SqliteStore::QueryAppUsage(const UsageFilter& filter) {
  sqlite::ReadSnapshot snapshot(impl_->db);
  sqlite::SqliteUsageSource source(impl_->db);
  return store::QueryApps(source, filter, use_rollups_);
}

std::vector<UsagePoint> SqliteStore::QueryUsage(const UsageFilter& filter, UsagePeriod period) {
  sqlite::ReadSnapshot snapshot(impl_->db);
  sqlite::SqliteUsageSource source(impl_->db);
  return store::QueryUsage(source, filter, period, use_rollups_);
}

std::vector<UserUsage> SqliteStore::QueryUserUsage(const UsageFilter& filter) {
  sqlite::ReadSnapshot snapshot(impl_->db);
  sqlite::SqliteUsageSource source(impl_->db);
  return store::QueryUsers(source, filter, use_rollups_);
}

UsageSummary SqliteStore::QuerySummary(const UsageFilter& filter) {
  sqlite::ReadSnapshot snapshot(impl_->db);
  sqlite::SqliteUsageSource source(impl_->db);
  return store::QuerySummary(source, filter, use_rollups_);
}

std::vector<UnusedApp> SqliteStore::QueryUnusedApps(Instant since, const UsageFilter& filter) {
  return sqlite::QueryUnused(impl_->db, since, filter);
}

std::vector<CoveredHour> SqliteStore::UnsettledHours(std::chrono::seconds settled_after) {
  sqlite::Statement query(impl_->db,
                          "SELECT hour_start, scanned_at FROM coverage WHERE scanned_at < "
                          "hour_start + ?1 ORDER BY hour_start");
  query.Bind(1, kHour + settled_after.count());
  return ReadCoverage(query);
}

std::vector<CoveredHour> SqliteStore::Coverage(Instant from, Instant to) {
  sqlite::Statement query(impl_->db,
                          "SELECT hour_start, scanned_at FROM coverage WHERE hour_start >= ?1 AND "
                          "hour_start < ?2 ORDER BY hour_start");
  query.Bind(1, Seconds(from)).Bind(2, Seconds(to));
  return ReadCoverage(query);
}

int64_t SqliteStore::SubmissionsSince(Instant since) {
  return static_cast<int64_t>(SubmissionTimesSince(since).size());  // a day's: a few hundred
}

std::vector<Instant> SqliteStore::SubmissionTimesSince(Instant since) {
  sqlite::Statement query(impl_->db,
                          "SELECT submitted_at FROM query_submissions WHERE submitted_at > ?1 "
                          "ORDER BY submitted_at");
  query.Bind(1, Seconds(since));
  std::vector<Instant> times;
  while (query.Step()) times.push_back(FromSeconds(query.Int(0)));
  return times;
}

SubmissionGrant SqliteStore::ReserveSubmission(const SyncWindow& window, Instant at,
                                               const SubmissionLimits& limits) {
  sqlite::Transaction transaction(impl_->db);  // BEGIN IMMEDIATE: one reservation at a time
  sqlite::Statement submitted(impl_->db,
                              "SELECT count(*) FROM query_submissions WHERE submitted_at > ?1");
  submitted.Bind(1, Seconds(at - std::chrono::hours(24))).Step();
  if (submitted.Int(0) >= limits.per_day) return SubmissionGrant::kAllocationSpent;
  sqlite::Statement in_flight(impl_->db,
                              "SELECT count(*) FROM sync_windows WHERE window_id <> ?1 AND " +
                                  std::string(store::kWindowQueryInFlight));
  in_flight.Bind(1, window.id).Step();
  if (in_flight.Int(0) >= limits.in_flight) return SubmissionGrant::kTooManyInFlight;
  sqlite::Statement insert(
      impl_->db, "INSERT INTO query_submissions (submitted_at, window_id) VALUES (?1, ?2)");
  insert.Bind(1, Seconds(at)).Bind(2, window.id).Run();
  // Only the last day counts against the allocation; a week is kept for `status`.
  sqlite::Statement prune(impl_->db, "DELETE FROM query_submissions WHERE submitted_at < ?1");
  prune.Bind(1, Seconds(at - std::chrono::days(7))).Run();
  impl_->Save(window);
  transaction.Commit();
  return SubmissionGrant::kGranted;
}

std::vector<SyncWindow> SqliteStore::LeaseWindows(const LeaseRequest& request) {
  sqlite::Transaction transaction(impl_->db);
  sqlite::Statement query(impl_->db, "SELECT " + std::string(store::kWindowColumns) +
                                         " FROM sync_windows WHERE " + store::LeasableWindow('?') +
                                         " ORDER BY " + std::string(store::kWindowWorkOrder) +
                                         " LIMIT ?5");
  query.Bind(1, request.owner)
      .Bind(2, Seconds(request.now))
      .Bind(3, int64_t{request.new_queries})
      .Bind(4, int64_t{request.ready_pages})
      .Bind(5, static_cast<int64_t>(request.limit));
  std::vector<SyncWindow> windows;
  while (query.Step()) windows.push_back(ReadWindow(query));
  sqlite::Statement lease(impl_->db,
                          "UPDATE sync_windows SET lease_owner = ?2, lease_expires = ?3 WHERE "
                          "window_id = ?1");
  for (auto& window : windows) {
    lease.Bind(1, window.id).Bind(2, request.owner).Bind(3, Seconds(request.until)).Run();
    window.lease_owner = request.owner;
    window.lease_expires = request.until;
  }
  transaction.Commit();
  return windows;
}

void SqliteStore::RenewLeases(const std::string& owner, Instant until) {
  sqlite::Statement renew(impl_->db,
                          "UPDATE sync_windows SET lease_expires = ?2 WHERE lease_owner = ?1");
  renew.Bind(1, owner).Bind(2, Seconds(until)).Run();
}

void SqliteStore::ReleaseLease(const SyncWindow& window) {
  sqlite::Statement release(impl_->db,
                            "UPDATE sync_windows SET lease_owner = NULL, lease_expires = NULL "
                            "WHERE window_id = ?1 AND lease_owner = ?2");
  release.Bind(1, window.id).Bind(2, window.lease_owner).Run();
}

void SqliteStore::ReleaseLeases(const std::string& owner) {
  sqlite::Statement release(impl_->db,
                            "UPDATE sync_windows SET lease_owner = NULL, lease_expires = NULL "
                            "WHERE lease_owner IS NOT NULL AND (?1 = '' OR lease_owner = ?1)");
  release.Bind(1, owner).Run();
}

std::optional<Instant> SqliteStore::ForeignLeaseExpiry(const std::string& owner, Instant now) {
  sqlite::Statement query(
      impl_->db, "SELECT min(lease_expires) FROM sync_windows WHERE " +
                     std::string(store::kUnfinishedWindow) +
                     " AND state <> 'failed' AND lease_owner <> ?1 AND lease_expires > ?2");
  query.Bind(1, owner).Bind(2, Seconds(now)).Step();
  if (query.IsNull(0)) return std::nullopt;
  return FromSeconds(query.Int(0));
}

std::vector<std::string> SqliteStore::UsersToEnrich(Instant stale_before, size_t limit) {
  return sqlite::UsersToEnrich(impl_->db, stale_before, limit);
}

void SqliteStore::SaveUserProfiles(const std::vector<UserProfile>& profiles, Instant at) {
  sqlite::Transaction transaction(impl_->db);
  sqlite::SaveUserProfiles(impl_->db, profiles, at);
  transaction.Commit();
}

InventoryOutcome SqliteStore::ImportInventory(const std::vector<InventoryApp>& apps, Instant at) {
  sqlite::Transaction transaction(impl_->db);
  const auto outcome = sqlite::UpsertInventory(impl_->db, apps, at);
  transaction.Commit();
  return outcome;
}

int64_t SqliteStore::CountRecords() {
  sqlite::Statement query(impl_->db, "SELECT count(*) FROM audit_records");
  query.Step();
  return query.Int(0);
}

int64_t SqliteStore::CountQuarantined() {
  sqlite::Statement query(impl_->db, "SELECT count(*) FROM quarantine");
  query.Step();
  return query.Int(0);
}

}  // namespace auditsync
