// Versioned schema of the SQLite store. Migration N brings a database from user_version N-1 to N;
// a database newer than the binary is refused rather than misread.
#pragma once

#include <array>
#include <string_view>

namespace auditsync::sqlite {

inline constexpr std::array<std::string_view, 2> kMigrations = {
    // 1: records, quarantine, apps ("update data"), sync windows.
    R"sql(
CREATE TABLE audit_records (
  record_id        TEXT NOT NULL,
  created_at       INTEGER NOT NULL,  -- Unix seconds, UTC
  operation        TEXT NOT NULL,
  record_type      INTEGER NOT NULL,
  workload         TEXT,
  app_id           TEXT NOT NULL,     -- lowercase GUID
  app_name         TEXT,
  environment_id   TEXT,
  environment_name TEXT,
  user_upn         TEXT NOT NULL,     -- lowercase
  window_id        INTEGER,
  stored_at        INTEGER NOT NULL,
  raw              TEXT NOT NULL      -- auditData as received
);
-- The identity of a record is its id, and a record's id always comes with the same creation
-- time, so the dedupe key leads with the time: consecutive pages insert into neighbouring index
-- pages instead of random ones (a GUID-first index rewrites almost every leaf on each commit once
-- it outgrows the cache), and the same index serves the reports' time ranges.
CREATE UNIQUE INDEX audit_records_identity ON audit_records(created_at, record_id);

CREATE TABLE quarantine (
  fingerprint TEXT PRIMARY KEY,       -- FNV-1a of the raw record: one row per distinct record
  record_id   TEXT,
  reason      TEXT NOT NULL,
  window_id   INTEGER,
  stored_at   INTEGER NOT NULL,
  raw         TEXT NOT NULL
);

CREATE TABLE apps (
  app_id                TEXT PRIMARY KEY,
  display_name          TEXT,
  name_seen_at          INTEGER,      -- time of the record that gave display_name
  environment_id        TEXT,
  environment_name      TEXT,
  environment_seen_at   INTEGER,
  first_seen            INTEGER NOT NULL,
  last_launched_on      INTEGER,
  last_launched_by      TEXT,
  last_launch_record_id TEXT,
  deleted_on            INTEGER
);

-- Facts about this database, such as its installation id (it names the queries it creates).
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE sync_windows (
  window_id         INTEGER PRIMARY KEY,
  start_at          INTEGER NOT NULL,
  end_at            INTEGER NOT NULL,
  state             TEXT NOT NULL,
  query_id          TEXT,
  query_name        TEXT,
  next_link         TEXT,
  record_count      INTEGER NOT NULL DEFAULT 0,
  quarantined_count INTEGER NOT NULL DEFAULT 0,
  attempts          INTEGER NOT NULL DEFAULT 0,
  last_error        TEXT,
  last_request_id   TEXT,
  updated_at        INTEGER NOT NULL,
  UNIQUE (start_at, end_at)
);
)sql",
    // 2: records are deduplicated on record_key: the id's 16 bytes when it is a GUID (as audit
    // record ids are), otherwise its text. Half the size of the 36-character text, the identity
    // index dirties half the pages per commit (1M-record ingest: 9.0 -> 7.8 us CPU per record),
    // and ids that differ only in letter case are one record. auditsync_record_key() is the
    // store's own SQL function (sqlite_store.cpp). Copies that the old text key told apart by case
    // are merged before the new index is built.
    R"sql(
ALTER TABLE audit_records ADD COLUMN record_key BLOB NOT NULL DEFAULT x'';
UPDATE audit_records SET record_key = auditsync_record_key(record_id);
DELETE FROM audit_records WHERE rowid NOT IN
  (SELECT min(rowid) FROM audit_records GROUP BY created_at, record_key);
DROP INDEX audit_records_identity;
CREATE UNIQUE INDEX audit_records_identity ON audit_records(created_at, record_key);
)sql",
};

}  // namespace auditsync::sqlite
