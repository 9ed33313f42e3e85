// Wires the collection pipeline from a Config: HTTP client, credential, Graph client, store and
// sync engine. Shared by `sync` and `demo`.
#pragma once

#include "core/config.hpp"
#include "core/error.hpp"
#include "sync/sync_engine.hpp"

namespace auditsync {

SyncOptions SyncOptionsFrom(const Config& config);

// Runs one sync and logs its summary. Returns kSuccess, or kPartial when a window failed.
ExitCode CollectOnce(const Config& config, const SyncRequest& request);

}  // namespace auditsync
