// Wires the collection pipeline from a Config: HTTP client, credential, Graph client, store, sync
// engine and user enrichment. Shared by `sync`, `run` and `demo`; `import` takes its lock.
#pragma once

#include "core/config.hpp"
#include "core/error.hpp"
#include "store/store.hpp"
#include "sync/content_sync.hpp"
#include "sync/sync_engine.hpp"

namespace auditsync {

SyncOptions SyncOptionsFrom(const Config& config);
ContentSyncOptions ContentSyncOptionsFrom(const Config& config);

// The lock of a process that collects as `config` says: shared by Graph syncs (on PostgreSQL,
// several share the windows), exclusive for the Management Activity API's sync; on SQLite one
// process at a time. Throws Error(kLocked).
std::unique_ptr<CollectionLock> LockDatabase(const Config& config);

// Runs one sync, through the Graph audit log query API or, with use_graph_api = no, the Office
// 365 Management Activity API, and logs its summary; then, with enrich_users, reads the user
// profiles due from Microsoft Graph (which never changes the result). Returns kSuccess, or
// kPartial when a window, listing or blob failed, or content could no longer be read. Throws
// Interrupted when a stop is requested (core/stop.hpp). The caller holds `lock` (LockDatabase).
ExitCode Collect(const Config& config, const SyncRequest& request, const CollectionLock& lock);

// Collect under LockDatabase.
ExitCode CollectOnce(const Config& config, const SyncRequest& request);

// CollectOnce for each tenant in turn (LoadTenantConfigs). With one configuration, its errors are
// thrown as CollectOnce's; with [[tenant]] tables, one tenant's error (a refused secret, its
// database locked) is logged naming the tenant and the others are collected all the same, and
// the exit code is the first failing tenant's (or partial). Interrupted ends it at once.
ExitCode CollectEveryTenant(const std::vector<Config>& configs, const SyncRequest& request);

}  // namespace auditsync
