// An online backup of an auditsync SQLite database: a consistent copy taken while a collector
// keeps writing, checked, and put in place only when whole.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace auditsync {

struct BackupOutcome {
  int64_t records = 0;     // audit records in the copy
  int schema_version = 0;  // the copy's schema (PRAGMA user_version)
  uint64_t bytes = 0;      // size of the copy
};

struct BackupOptions {
  bool overwrite = false;  // replace `target` if it exists
  // Polled between chunks of the copy; when it says yes, the copy stops.
  std::function<bool()> stop_requested;
  // Pages copied per chunk: 4096 is 4 MiB to 256 MiB depending on the page size, a fraction of a
  // second either way. Tests make it small to act between chunks.
  int pages_per_chunk = 4096;
};

// Copies the database at `source` to `target` as one self-contained file (rollback journal, no
// -wal or -shm beside it), readable by its owner only. The copy is the database as of one
// moment: it reads a single snapshot, so a sync writing meanwhile neither blocks it nor tears
// it. It is written next to `target` under a temporary name, checked (PRAGMA quick_check), synced
// and then renamed to `target`, so `target` is never a partial copy.
//
// When a stop is requested the partial copy is removed and Interrupted is thrown. Throws
// ConfigError when `source` is not an auditsync database, or `target` exists (unless
// `overwrite`) or its directory is missing; StorageError when reading or writing fails. Nothing
// is ever written to `source`.
BackupOutcome BackupDatabase(const std::string& source, const std::string& target,
                             const BackupOptions& options);

}  // namespace auditsync
