// User enrichment, the user half of the CoE's "Update Data (V2)" flow (coe-starter-kit.md §4):
// after a sync, the directory profiles of users who launched apps and have no profile yet, or
// one older than `refresh_after`, are read from Graph and kept once per user in the store.
// Enrichment never fails the collection of audit records: a refusal or an outage of the
// directory ends it with a reason, and the next sync asks again.
#pragma once

#include <chrono>
#include <string>

#include "source/graph/graph_user_client.hpp"
#include "store/store.hpp"
#include "sync/sync_engine.hpp"

namespace auditsync {

struct EnrichmentOptions {
  std::chrono::seconds refresh_after{std::chrono::days(7)};
  // Users read per run, so that a first run over a large tenant does not hold up a schedule;
  // the rest are read by the following syncs.
  size_t max_users = 10000;
};

struct EnrichmentSummary {
  int64_t found = 0;       // profiles read
  int64_t not_found = 0;   // users the directory does not know (deleted, or never members)
  int64_t unread = 0;      // could not be read now (throttled, failed): asked again next time
  bool more_left = false;  // max_users reached; the next sync goes on
  // Why enrichment stopped early (the directory refused or failed), or why the last user was not
  // read; empty when all went well.
  std::string problem;
  bool denied = false;  // Graph refused with 403: the app lacks User.Read.All
};

// Reads the missing and stale profiles, one batch at a time, each saved at once (a stop loses at
// most one batch). Uses clock.now for staleness and clock.stop_requested between batches.
// Throws StorageError and Interrupted; every failure of Graph ends up in the summary.
EnrichmentSummary EnrichUsers(DirectoryStore& store, GraphUserClient& users,
                              const EnrichmentOptions& options, const SyncClock& clock);

}  // namespace auditsync
