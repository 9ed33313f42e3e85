// Wires the collection pipeline from a Config: HTTP client, credential, Graph client, store, sync
// engine and user enrichment. Shared by `sync`, `run` and `demo`; `import` takes its lock.
#pragma once

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/file_lock.hpp"
#include "sync/sync_engine.hpp"

namespace auditsync {

SyncOptions SyncOptionsFrom(const Config& config);

// The lock that keeps one collecting process per database. Throws Error(kLocked).
FileLock LockDatabase(const Config& config);

// Runs one sync and logs its summary, then, with enrich_users, reads the user profiles due (which
// never changes the result). Returns kSuccess, or kPartial when a window failed. Throws
// Interrupted when a stop is requested (core/stop.hpp). The caller holds LockDatabase.
ExitCode Collect(const Config& config, const SyncRequest& request);

// Collect under LockDatabase.
ExitCode CollectOnce(const Config& config, const SyncRequest& request);

}  // namespace auditsync
