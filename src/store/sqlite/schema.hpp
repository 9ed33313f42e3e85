// Versioned schema of the SQLite store. Migration N brings a database from user_version N-1 to N;
// a database newer than the binary is refused rather than misread.
#pragma once

#include <array>
#include <string_view>

namespace auditsync::sqlite {

inline constexpr std::array<std::string_view, 8> kMigrations = {
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
    // 3: windows scanned again for records published late ("settle" scans), the halves of a split
    // window linked to it, the hours known complete, and the query submissions counted against
    // the tenant's allocation. Windows of version 2 keep their ids; their halves are linked by
    // containment, and the hours they completed are marked scanned as of their end, so that every
    // settle scan is still due for them.
    R"sql(
CREATE TABLE sync_windows_v3 (
  -- AUTOINCREMENT: ids are never reused (query names carry them) after a re-scan drops halves.
  window_id         INTEGER PRIMARY KEY AUTOINCREMENT,
  kind              TEXT NOT NULL,              -- 'initial' or 'settle'
  parent_id         INTEGER NOT NULL,           -- the window this is a half of; 0 when planned
  root_id           INTEGER NOT NULL,           -- the planned window this belongs to
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
  planned_at        INTEGER NOT NULL,           -- the scan holds every record published by then
  scanned_at        INTEGER,                    -- planned_at of its last complete scan
  UNIQUE (kind, parent_id, start_at, end_at)
);
INSERT INTO sync_windows_v3 (window_id, kind, parent_id, root_id, start_at, end_at, state,
    query_id, query_name, next_link, record_count, quarantined_count, attempts, last_error,
    last_request_id, updated_at, planned_at, scanned_at)
  SELECT window_id, 'initial', coalesce((SELECT p.window_id FROM sync_windows p
                                         WHERE p.state = 'split' AND p.window_id <> w.window_id
                                           AND p.start_at <= w.start_at AND w.end_at <= p.end_at
                                         ORDER BY p.end_at - p.start_at LIMIT 1), 0),
         coalesce((SELECT p.window_id FROM sync_windows p
                   WHERE p.state = 'split' AND p.window_id <> w.window_id
                     AND p.start_at <= w.start_at AND w.end_at <= p.end_at
                   ORDER BY p.end_at - p.start_at DESC LIMIT 1), w.window_id),
         start_at, end_at, state, query_id, query_name, next_link, record_count,
         quarantined_count, attempts, last_error, last_request_id, updated_at, end_at,
         CASE WHEN state = 'complete' THEN end_at END
  FROM sync_windows w;
DROP TABLE sync_windows;
ALTER TABLE sync_windows_v3 RENAME TO sync_windows;
CREATE INDEX sync_windows_root ON sync_windows(root_id);

-- Hours whose records are all stored, as far as they were published by scanned_at.
CREATE TABLE coverage (
  hour_start INTEGER PRIMARY KEY,   -- Unix seconds, a whole hour
  scanned_at INTEGER NOT NULL
);
WITH RECURSIVE hours(hour_start, end_at) AS (
  SELECT (start_at + 3599) / 3600 * 3600, end_at FROM sync_windows WHERE state = 'complete'
  UNION ALL
  SELECT hour_start + 3600, end_at FROM hours WHERE hour_start + 3600 < end_at
)
INSERT OR IGNORE INTO coverage (hour_start, scanned_at)
  SELECT hour_start, hour_start + 3600 FROM hours WHERE hour_start + 3600 <= end_at;

-- Audit log query submissions: the tenant may make a limited number per rolling 24 hours.
CREATE TABLE query_submissions (
  submitted_at INTEGER NOT NULL,
  window_id    INTEGER NOT NULL
);
CREATE INDEX query_submissions_time ON query_submissions(submitted_at);
)sql",
    // 4: a window that keeps failing waits longer and longer for its next query, so that a
    // hopeless window cannot spend the tenant's query allocation: its failures in a row, and the
    // time before which it is not submitted again. A window failing now has failed at least once.
    R"sql(
ALTER TABLE sync_windows ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_windows ADD COLUMN retry_at INTEGER;
UPDATE sync_windows SET failures = 1 WHERE state = 'failed';
)sql",
    // 5: usage reports. Apps and users get small integer keys; records carry them and an explicit
    // storage sequence (`seq`: VACUUM may renumber an implicit rowid, and the rollups count the
    // launches up to a `seq`); launches are rolled up per day and per month, app and user
    // (launch_rollup.hpp); apps can come from an imported inventory. The rollups are filled by
    // the next write (FoldLaunches), and until then reports read the records instead.
    R"sql(
CREATE TABLE users (
  user_key     INTEGER PRIMARY KEY,
  upn          TEXT NOT NULL UNIQUE,  -- lowercase
  -- From Microsoft Graph /users when enrich_users is on; enriched_at says when.
  display_name TEXT,
  department   TEXT,
  job_title    TEXT,
  city         TEXT,
  country      TEXT,
  user_type    TEXT,                  -- Member or Guest
  enriched_at  INTEGER
);
INSERT INTO users (upn) SELECT DISTINCT user_upn FROM audit_records WHERE user_upn <> ''
  ORDER BY user_upn;

CREATE TABLE apps_v4 (
  app_key               INTEGER PRIMARY KEY,
  app_id                TEXT NOT NULL UNIQUE,
  display_name          TEXT,
  name_seen_at          INTEGER,
  environment_id        TEXT,
  environment_name      TEXT,
  environment_seen_at   INTEGER,
  first_seen            INTEGER,    -- NULL for an inventory app no record has named yet
  last_launched_on      INTEGER,
  last_launched_by      TEXT,
  last_launch_record_id TEXT,
  deleted_on            INTEGER,
  owner                 TEXT,       -- from an imported inventory
  created_on            INTEGER,    -- from an imported inventory
  inventory_at          INTEGER     -- when an imported inventory last listed the app
);
INSERT INTO apps_v4 (app_id, display_name, name_seen_at, environment_id, environment_name,
                     environment_seen_at, first_seen, last_launched_on, last_launched_by,
                     last_launch_record_id, deleted_on)
  SELECT app_id, display_name, name_seen_at, environment_id, environment_name,
         environment_seen_at, first_seen, last_launched_on, last_launched_by,
         last_launch_record_id, deleted_on
  FROM apps ORDER BY app_id;
DROP TABLE apps;
ALTER TABLE apps_v4 RENAME TO apps;
-- Every record's app has a row (update data made one for each), but a key must exist regardless.
INSERT OR IGNORE INTO apps (app_id, first_seen)
  SELECT app_id, min(created_at) FROM audit_records GROUP BY app_id;

CREATE TABLE audit_records_v4 (
  seq              INTEGER PRIMARY KEY,  -- order of storage
  record_id        TEXT NOT NULL,
  record_key       BLOB NOT NULL,        -- see migration 2
  created_at       INTEGER NOT NULL,
  operation        TEXT NOT NULL,
  record_type      INTEGER NOT NULL,
  workload         TEXT,
  app_id           TEXT NOT NULL,
  app_key          INTEGER NOT NULL,     -- apps.app_key
  app_name         TEXT,
  environment_id   TEXT,
  environment_name TEXT,
  user_upn         TEXT NOT NULL,
  user_key         INTEGER NOT NULL,     -- users.user_key; 0 when the record names no user
  window_id        INTEGER,
  stored_at        INTEGER NOT NULL,
  raw              TEXT NOT NULL         -- last: the narrow columns come first in each row
);
INSERT INTO audit_records_v4 (seq, record_id, record_key, created_at, operation, record_type,
                              workload, app_id, app_key, app_name, environment_id,
                              environment_name, user_upn, user_key, window_id, stored_at, raw)
  SELECT r.rowid, r.record_id, r.record_key, r.created_at, r.operation, r.record_type, r.workload,
         r.app_id, a.app_key, r.app_name, r.environment_id, r.environment_name, r.user_upn,
         coalesce(u.user_key, 0), r.window_id, r.stored_at, r.raw
  FROM audit_records r JOIN apps a ON a.app_id = r.app_id
  LEFT JOIN users u ON u.upn = r.user_upn
  ORDER BY r.rowid;
DROP TABLE audit_records;
ALTER TABLE audit_records_v4 RENAME TO audit_records;
CREATE UNIQUE INDEX audit_records_identity ON audit_records(created_at, record_key);

-- Launches per UTC day (launch_days) and calendar month (launch_months), app and user, of the
-- records up to meta 'rollup_seq'. last_record is the record key of the last launch: ties on
-- last_at go to the greater key, as in the records.
CREATE TABLE launch_days (
  day         INTEGER NOT NULL,     -- Unix seconds of 00:00 UTC
  app_key     INTEGER NOT NULL,
  user_key    INTEGER NOT NULL,
  launches    INTEGER NOT NULL,
  first_at    INTEGER NOT NULL,
  last_at     INTEGER NOT NULL,
  last_record BLOB NOT NULL,
  PRIMARY KEY (day, app_key, user_key)
) WITHOUT ROWID;
CREATE TABLE launch_months (
  month       INTEGER NOT NULL,     -- Unix seconds of the 1st, 00:00 UTC
  app_key     INTEGER NOT NULL,
  user_key    INTEGER NOT NULL,
  launches    INTEGER NOT NULL,
  first_at    INTEGER NOT NULL,
  last_at     INTEGER NOT NULL,
  last_record BLOB NOT NULL,
  PRIMARY KEY (month, app_key, user_key)
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('rollup_seq', '0');
)sql",
    // 6: the Office 365 Management Activity API path (use_graph_api = no). Its checkpoint is the
    // content cursor (meta 'content_cursor', Unix seconds: every blob listed with a contentCreated
    // before it is stored) and the blobs finished, committed in the transaction of their records,
    // so that a restart neither fetches a finished blob again nor skips an unfinished one. A blob
    // that expired before it could be read (AF20051) is finished too, as lost. Ranges of content
    // that could no longer be read (the API keeps it 7 days) are kept for `status`.
    R"sql(
CREATE TABLE content_blobs (
  content_id      TEXT PRIMARY KEY,
  content_created INTEGER NOT NULL,  -- Unix seconds
  state           TEXT NOT NULL,     -- 'stored' or 'expired'
  records         INTEGER NOT NULL,  -- records of the blob read, of every operation
  stored_at       INTEGER NOT NULL
);
CREATE INDEX content_blobs_created ON content_blobs(content_created);

CREATE TABLE content_gaps (
  start_at INTEGER NOT NULL,
  end_at   INTEGER NOT NULL,
  found_at INTEGER NOT NULL,
  PRIMARY KEY (start_at, end_at)
);
)sql",
    // 7: views named and shaped like the CoE Starter Kit's Dataverse tables (docs/powerbi.md), so
    // that a report built on the kit's `admin_auditlog` and `admin_app` reads auditsync's data
    // unchanged. Only LaunchPowerApp records are audit log rows, as in the kit (a deletion only
    // flags the app): the kit's measures count rows, so a deletion row would count as a launch.
    // Times are ISO 8601 UTC text (SQLite has no time type). Columns the kit has and auditsync
    // does not know are NULL, so that a report that selects them still loads; columns auditsync
    // adds are prefixed auditsync_. A later migration that rebuilds audit_records, apps or users
    // must drop these views first and create them again.
    R"sql(
DROP VIEW IF EXISTS admin_auditlog;
CREATE VIEW admin_auditlog AS
SELECT lower(r.record_id) AS admin_auditlogid,
       'Power App Launch ' || r.app_id || ' - ' ||
         strftime('%Y-%m-%dT%H:%M:%SZ', r.created_at, 'unixepoch') AS admin_title,
       strftime('%Y-%m-%dT%H:%M:%SZ', r.created_at, 'unixepoch') AS admin_creationtime,
       r.operation AS admin_operation,
       r.app_id AS admin_appid,
       r.app_id AS admin_applookup,
       coalesce(a.display_name, r.app_name) AS admin_appname,
       coalesce(a.environment_name, r.environment_name) AS admin_appenvironment,
       NULL AS admin_appispremium,
       r.user_upn AS admin_userupn,
       NULL AS admin_userid,
       u.display_name AS admin_username,
       u.city AS admin_usercity,
       u.country AS admin_usercountry,
       u.department AS admin_userdepartment,
       u.job_title AS admin_userjobtitle,
       CASE WHEN u.user_type IS NOT NULL THEN lower(u.user_type) = 'guest' END AS admin_userisguest,
       r.workload AS admin_workload,
       coalesce(a.environment_id, r.environment_id) AS auditsync_environmentid,
       r.record_type AS auditsync_recordtype
FROM audit_records r
JOIN apps a ON a.app_key = r.app_key
LEFT JOIN users u ON u.user_key = r.user_key
WHERE r.operation = 'LaunchPowerApp';

-- An app deleted and then launched again (restored with the same id) is not deleted.
DROP VIEW IF EXISTS admin_app;
CREATE VIEW admin_app AS
SELECT app_id AS admin_appid,
       display_name AS admin_displayname,
       environment_id AS admin_appenvironmentid,
       environment_name AS admin_appenvironmentdisplayname,
       strftime('%Y-%m-%dT%H:%M:%SZ', created_on, 'unixepoch') AS admin_appcreatedon,
       deleted_on IS NOT NULL AND (last_launched_on IS NULL OR last_launched_on <= deleted_on)
         AS admin_appdeleted,
       strftime('%Y-%m-%dT%H:%M:%SZ', deleted_on, 'unixepoch') AS admin_appdeletedon,
       strftime('%Y-%m-%dT%H:%M:%SZ', last_launched_on, 'unixepoch') AS admin_applastlaunchedon,
       last_launched_by AS auditsync_applastlaunchedby,
       strftime('%Y-%m-%dT%H:%M:%SZ', first_seen, 'unixepoch') AS auditsync_appfirstseen,
       owner AS auditsync_appowner
FROM apps;
)sql",
    // 8: window leases, so that several collecting processes share the windows (WindowStore):
    // who holds a window and until when (seconds since the epoch); NULL for nobody.
    R"sql(
ALTER TABLE sync_windows ADD COLUMN lease_owner TEXT;
ALTER TABLE sync_windows ADD COLUMN lease_expires INTEGER;
)sql",
};

}  // namespace auditsync::sqlite
